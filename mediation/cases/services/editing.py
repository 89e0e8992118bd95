"""Editing an open dispute's facts; the visible dispute, locked, for every write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mediation.cases.models import (
    Dispute,
)
from mediation.cases.selectors import disputes_visible_to
from mediation.cases.services.registration import check_dispute_fields
from mediation.kernel.choices import (
    State,
)
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from mediation.kernel.roles import scope_of

EDITABLE_FIELDS = ("title", "facts", "claimed_amount", "category", "received_at", "family_matter")
# Category and received date decide deadlines and statistics: fixed once the case is accepted.
FIELDS_FIXED_AFTER_REGISTRATION = ("category", "received_at")


def lock_visible_dispute(actor: Any, dispute_id: Any) -> Dispute:
    """Lock the dispute row; 404 if the actor may not see it (or the id is no number)."""
    try:
        visible = disputes_visible_to(actor).filter(pk=dispute_id).exists()
    except (ValueError, TypeError) as exc:
        raise NotFound(_("No such dispute.")) from exc
    if not visible:
        raise NotFound(_("No such dispute."))
    # The dispute's row only (`of`): FOR UPDATE over the join would lock the body's row too, which
    # serialised every case of a body and deadlocked with the foreign-key checks of another
    # transaction's commit (found by bench/load.py).
    return Dispute.objects.select_for_update(of=("self",)).select_related("body").get(pk=dispute_id)


def may_edit(actor: Any, dispute: Dispute) -> bool:
    scope = scope_of(actor)
    return (
        scope.is_superuser
        or scope.is_clerk_of(dispute.body_id)
        or scope.is_director_of(dispute.body_id)
        or scope.is_mediator(dispute.mediator_id)
    )


@transaction.atomic
def update_dispute(*, actor: Any, dispute_id: Any, changes: Mapping[str, Any]) -> Dispute:
    """Edit the facts of an open dispute (SPEC §7 PATCH)."""
    dispute = lock_visible_dispute(actor, dispute_id)
    if not may_edit(actor, dispute):
        raise Forbidden(_("You may not edit this dispute."))
    if not dispute.is_open:
        raise Conflict(_("A concluded dispute can no longer be edited."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be edited.") for name in unknown})
    if dispute.state != State.REGISTERED:
        fixed = [name for name in FIELDS_FIXED_AFTER_REGISTRATION if name in changes]
        if fixed:
            raise ValidationError(
                {name: _("Fixed once the dispute has been accepted.") for name in fixed}
            )
    for name, value in changes.items():
        setattr(dispute, name, value)
    check_dispute_fields(
        category=dispute.category,
        body=dispute.body,
        received_at=dispute.received_at,
        claimed_amount=dispute.claimed_amount,
        title=dispute.title,
    )
    if "received_at" in changes:
        dispute.start_court_clock()
    dispute.full_clean(exclude=["reference", "state"])
    dispute.save()
    return dispute
