"""What the steps of a referral are called, in the active language (from its FSM's labels)."""

from __future__ import annotations

from django.utils.translation import gettext

from courts.models import Referral


def step_label(name: str) -> str:
    """The label of a referral step, in the active language."""
    meta = getattr(Referral, name)._django_fsm
    return str(next(iter(meta.transitions.values())).custom.get("label", name))


def action_label(action: str) -> str:
    """The label of a referral log action: a step, or the sending that created the referral."""
    if action == "send":
        return gettext("Sent")
    try:
        return step_label(action)
    except AttributeError:
        return action
