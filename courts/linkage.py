"""What a dispute's own steps mean for its referrals (诉调对接), kept in step in one transaction.

`mediation.cases.services` calls in here after registering a dispute and after every transition,
inside the same transaction and with the dispute row locked, so a dispute and its referrals can
never disagree. Nothing here checks permissions: the dispute's transition already did, and the
referral step is recorded with the same actor.

- registered through a court channel: the delegation or entrustment is created, and received at
  once when the body's own desk registered it;
- accept: the delegation is received;
- decline: the delegation is returned to the court with the reason;
- sign / fail / withdraw: the delegation is decided: mediated / not mediated / withdrawn;
- refer_to_court: a litigation referral is sent to the court;
- apply_confirmation: a confirmation application is sent to the court;
- confirm / deny_confirmation: the confirmation application is decided.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courts.models import (
    INBOUND_KINDS,
    Court,
    Referral,
    ReferralDecision,
    ReferralKind,
    ReferralLog,
    ReferralState,
)
from mediation.kernel.choices import COURT_CHANNELS, Channel
from mediation.kernel.exceptions import Conflict
from mediation.kernel.roles import scope_of
from mediation.notifications import messages as notifications

if TYPE_CHECKING:
    from mediation.cases.models import Dispute

KIND_BY_CHANNEL = {
    Channel.COURT_DELEGATED: ReferralKind.DELEGATION,
    Channel.COURT_ENTRUSTED: ReferralKind.ENTRUSTMENT,
}


def delegating_court(dispute: Dispute) -> Court | None:
    """The court that delegated or entrusted the case, if one did."""
    if dispute.channel not in COURT_CHANNELS:
        return None
    referral = (
        Referral.objects.filter(dispute=dispute, kind__in=INBOUND_KINDS)
        .select_related("court")
        .order_by("sent_at", "id")
        .first()
    )
    return referral.court if referral else dispute.court


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
    notifications.after_referral_step(referral, action, at=at)  # e-mail after commit
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


# --- effects of dispute events -------------------------------------------------------------------


def after_registration(*, dispute: Dispute, actor: Any, at: datetime.datetime) -> None:
    kind = KIND_BY_CHANNEL.get(dispute.channel)  # type: ignore[call-overload]
    if kind is None or dispute.court is None:
        return
    referral = send(
        dispute, kind, dispute.court, actor=actor, at=at, case_number=dispute.court_case_number
    )
    # A clerk who registers a delegation the court handed over on paper already holds it.
    if scope_of(actor).is_staff_of(dispute.body_id):
        record(referral, "receive", actor=actor, at=at)


def _report_back(
    dispute: Dispute, decision: str, *, actor: Any, at: datetime.datetime, reason: str, via: str
) -> None:
    """Decide the delegation or entrustment the case came with, receiving it first if needed."""
    referral = open_referral(dispute, INBOUND_KINDS)
    if referral is None:
        return
    if referral.state == ReferralState.SENT:
        record(referral, "receive", actor=actor, at=at, data={"via": via})
    record(
        referral,
        "decide",
        actor=actor,
        at=at,
        reason=reason,
        data={"via": via},
        decision=decision,
    )


def after_transition(
    *,
    dispute: Dispute,
    name: str,
    actor: Any,
    at: datetime.datetime,
    reason: str,
    data: dict[str, Any],
) -> None:
    """Bring the dispute's referrals in line with the transition it has just taken."""
    if name == "accept":
        referral = open_referral(dispute, INBOUND_KINDS)
        if referral is not None and referral.state == ReferralState.SENT:
            record(referral, "receive", actor=actor, at=at, data={"via": name})
    elif name == "decline":
        referral = open_referral(dispute, INBOUND_KINDS)
        if referral is not None:
            record(
                referral,
                "return_referral",
                actor=actor,
                at=at,
                reason=reason,
                data={"via": name},
            )
    elif name in REPORTED_DECISIONS:
        _report_back(dispute, REPORTED_DECISIONS[name], actor=actor, at=at, reason=reason, via=name)
    elif name == "refer_to_court":
        send(dispute, ReferralKind.LITIGATION, dispute.court, actor=actor, at=at, reason=reason)
    elif name == "apply_confirmation":
        send(dispute, ReferralKind.CONFIRMATION, dispute.court, actor=actor, at=at, reason=reason)
    elif name in ("confirm", "deny_confirmation"):
        referral = open_referral(dispute, [ReferralKind.CONFIRMATION])
        if referral is not None:
            record(
                referral,
                "decide",
                actor=actor,
                at=at,
                reason=reason,
                data={"via": name},
                decision=ReferralDecision.CONFIRMED
                if name == "confirm"
                else ReferralDecision.DENIED,
                case_number=str(data.get("case_number", "")),
            )


# What a delegated case reports back to its court when it ends in the body.
REPORTED_DECISIONS = {
    "sign": ReferralDecision.MEDIATED,
    "fail": ReferralDecision.NOT_MEDIATED,
    "withdraw": ReferralDecision.WITHDRAWN,
}
