"""Steps of a referral (诉调对接): sending one and recording each step of its FSM, logged.

The court's own steps come through `courts.services`; the steps that follow from the case's own
(a delegation received on `accept`, reported on `sign`, …) through `courts.receivers`, inside the
case's transaction with its row locked, so a dispute and its referrals never disagree. Nothing
here checks permissions: the caller did, and the step is recorded with the same actor.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courts import events
from courts.models import (
    Court,
    Referral,
    ReferralKind,
    ReferralLog,
)
from mediation.kernel.exceptions import Conflict

if TYPE_CHECKING:
    from mediation.cases.models import Dispute


def open_referral(dispute: Dispute, kinds: Any) -> Referral | None:
    """The dispute's open referral of one of `kinds`, locked."""
    return (
        Referral.objects.select_for_update()
        .filter(dispute=dispute, kind__in=list(kinds))
        .open()
        .first()
    )


def record(
    referral: Referral,
    action: str,
    *,
    actor: Any,
    at: datetime.datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Referral:
    """Take one step of the referral's FSM (or, for "send", create it) and log it.

    `kwargs` go to the FSM method along with `at`; the caller has checked permissions.
    """
    from_state = "" if action == "send" else referral.state
    if action in ("return_referral", "decide"):
        kwargs["reason"] = reason
    if action != "send":
        getattr(referral, action)(at=at, **kwargs)
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:
        # The partial unique index: another open referral of this kind appeared meanwhile.
        raise Conflict(
            _("This case already has an open referral of this kind: %(kind)s.")
            % {"kind": referral.get_kind_display()}
        ) from exc
    ReferralLog.objects.create(
        referral=referral,
        action=action,
        from_state=from_state,
        to_state=referral.state,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        reason=reason,
        data=data or {},
    )
    events.publish_referral_step(referral, action, actor=actor, at=at)
    return referral


def send(
    dispute: Dispute,
    kind: str,
    court: Court,
    *,
    actor: Any,
    at: datetime.datetime,
    case_number: str = "",
    reason: str = "",
) -> Referral:
    if Referral.objects.filter(dispute=dispute, kind=kind).open().exists():
        raise Conflict(
            _("This case already has an open referral of this kind: %(kind)s.")
            % {"kind": ReferralKind(kind).label}
        )
    referral = Referral(
        kind=kind,
        dispute=dispute,
        court=court,
        case_number=case_number,
        sent_at=at,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return record(referral, "send", actor=actor, at=at, reason=reason)
