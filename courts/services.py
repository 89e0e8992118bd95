"""Writes of court linkage (诉调对接): courts delegate cases in, bodies refer cases out, courts
record receipt, filing and decisions.

Every step locks the dispute and then the referral (always in that order, as the dispute's own
transitions do), runs the referral's FSM and appends to its log. Steps that change the dispute go
through `mediation.cases.services.take_transition`, so the dispute's log and guards stay the single
truth; `courts.linkage` keeps the referral in step with them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courts import linkage
from courts.labels import step_label
from courts.models import (
    DECISIONS_BY_KIND,
    INBOUND_KINDS,
    OUTBOUND_KINDS,
    REFERRAL_TRANSITIONS,
    Court,
    Referral,
    ReferralDecision,
    ReferralKind,
)
from courts.rules import user_refusals
from courts.selectors import referrals_visible_to
from mediation.cases import rules as dispute_rules
from mediation.cases import services as dispute_services
from mediation.cases.deadlines import court_deadline_days
from mediation.cases.models import Dispute, MediationBody, TransitionLog
from mediation.cases.selectors import disputes_visible_to
from mediation.kernel.case_numbers import validate_case_number
from mediation.kernel.choices import Channel, CloseOutcome, State
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from parties.models import PRINCIPAL_ROLES, CaseParty
from parties.services import PartyInput

CHANNEL_BY_KIND = {
    ReferralKind.DELEGATION: Channel.COURT_DELEGATED,
    ReferralKind.ENTRUSTMENT: Channel.COURT_ENTRUSTED,
}

# --- courts send cases in ------------------------------------------------------------------------


@dataclass
class DelegationInput:
    """A case a court delegates (诉前委派) or entrusts (诉中委托) to a mediation body."""

    kind: str
    court: Court
    body: MediationBody
    case_number: str
    category: str
    title: str
    delegated_on: datetime.date
    facts: str = ""
    claimed_amount: Decimal | None = None
    track: str = ""
    parties: Sequence[PartyInput] = field(default_factory=list)


@transaction.atomic
def delegate(*, actor: Any, data: DelegationInput, at: datetime.datetime | None = None) -> Referral:
    """Register the court's case with the body and send it there, in one step.

    The dispute's deadline runs from the delegation date (SPEC §4).
    """
    if data.kind not in INBOUND_KINDS:
        raise ValidationError({"kind": _("A court sends a delegation or an entrustment.")})
    dispute = dispute_services.register_dispute(
        actor=actor,
        data=dispute_services.DisputeInput(
            category=data.category,
            channel=CHANNEL_BY_KIND[data.kind],  # type: ignore[index]
            body=data.body,
            title=data.title,
            received_at=data.delegated_on,
            facts=data.facts,
            claimed_amount=data.claimed_amount,
            track=data.track,
            court=data.court,
            court_case_number=data.case_number,
            parties=data.parties,
        ),
        at=at,
    )
    return Referral.objects.get(dispute=dispute, kind=data.kind)


# --- bodies send cases out -----------------------------------------------------------------------


@transaction.atomic
def send_referral(
    *, actor: Any, dispute_id: Any, kind: str, court: Court, reason: str = ""
) -> Referral:
    """Send a case to a court: to litigation after a failed mediation, or for confirmation of a
    signed agreement. Takes the dispute's transition (`refer_to_court`, `apply_confirmation`);
    when the court returned an earlier referral, sends the case again without one."""
    if kind not in OUTBOUND_KINDS:
        raise ValidationError({"kind": _("A body sends a litigation referral or a confirmation.")})
    if not disputes_visible_to(actor).filter(pk=dispute_id).exists():
        raise NotFound(_("No such dispute."))
    dispute = (
        Dispute.objects.select_for_update(of=("self",)).select_related("body").get(pk=dispute_id)
    )
    if Referral.objects.filter(dispute=dispute, kind=kind).open().exists():
        raise Conflict(
            _("This case already has an open referral of this kind: %(kind)s.")
            % {"kind": ReferralKind(kind).label}
        )
    first_state, transition_name, again_state = {
        ReferralKind.LITIGATION: (State.FAILED, "refer_to_court", State.REFERRED),
        ReferralKind.CONFIRMATION: (State.SIGNED, "apply_confirmation", State.CONFIRMING),
    }[kind]  # type: ignore[index]
    if dispute.state == first_state:
        dispute_services.take_transition(
            actor=actor,
            dispute_id=dispute.pk,
            name=transition_name,
            data={"court": court, "reason": reason},
        )
    elif dispute.state == again_state:
        _send_again(actor, dispute, kind, court, reason, transition_name)
    else:
        raise Conflict(
            _("“%(action)s” is not possible for a case that is “%(state)s”.")
            % {
                "action": dispute_services.transition_label(transition_name),
                "state": dispute.get_state_display(),
            }
        )
    return Referral.objects.filter(dispute=dispute, kind=kind).open().get()


def _send_again(
    actor: Any, dispute: Dispute, kind: str, court: Court, reason: str, transition_name: str
) -> None:
    """The court returned the last referral: send it again (the dispute stays where it is)."""
    meta = getattr(Dispute, transition_name)._django_fsm
    permission = next(iter(meta.transitions.values())).permission
    if not permission(dispute, actor):
        raise Forbidden(
            _("You may not “%(action)s” this case.")
            % {"action": dispute_services.transition_label(transition_name)}
        )
    if kind == ReferralKind.LITIGATION:
        dispute_services.check_litigation_court(dispute, court)
    else:
        if not dispute_rules.within_confirmation_window(dispute):
            raise Conflict(
                _("“%(action)s” is not possible yet.")
                % {"action": dispute_services.transition_label(transition_name)},
                details=[dispute_rules.guard_message(dispute_rules.within_confirmation_window)],
            )
        dispute_services.check_confirmation_court(dispute, court)
    dispute.court = court
    dispute.save(update_fields=["court", "updated_at"])
    linkage.send(dispute, kind, court, actor=actor, at=timezone.now(), reason=reason)


# --- steps on a referral -------------------------------------------------------------------------


def _consenting_parties(referral: Referral, ids: Any) -> list[int]:
    """Every principal party (or whoever acts for them) must have agreed to the extension."""
    if not isinstance(ids, list | tuple) or not ids:
        raise ValidationError(
            {"consenting_parties": _("List the parties who consented to the extension.")}
        )
    parties = {cp.pk: cp for cp in CaseParty.objects.filter(dispute_id=referral.dispute_id)}
    try:
        chosen = {int(i) for i in ids}
    except (TypeError, ValueError) as exc:
        raise ValidationError({"consenting_parties": _("Give parties by their id.")}) from exc
    if not chosen <= set(parties):
        raise ValidationError(
            {"consenting_parties": _("Consenting parties must be parties to this case.")}
        )
    covered = chosen | {parties[i].represents_id for i in chosen if parties[i].represents_id}
    missing = [
        cp.party.name
        for cp in parties.values()
        if cp.role in PRINCIPAL_ROLES and cp.pk not in covered
    ]
    if missing:
        raise ValidationError(
            {
                "consenting_parties": _("Every party must consent; missing: %(names)s.")
                % {"names": "、".join(missing)}
            }
        )
    return sorted(chosen)


def _prepare(referral: Referral, name: str, data: Mapping[str, Any]) -> tuple[dict, str, dict]:
    """Validated FSM arguments, the reason and what the log keeps, for a step by hand."""
    reason = str(data.get("reason") or "").strip()
    if name == "receive":
        return {}, reason, {}
    if name == "return_referral":
        if not reason:
            raise ValidationError({"reason": _("Say why the referral is returned.")})
        return {}, reason, {}
    if name == "file":
        number = str(data.get("case_number") or "").strip()
        if not number:
            raise ValidationError({"case_number": _("Give the filing number (民初).")})
        try:
            number = validate_case_number(
                number, court_code=referral.court.code, case_types=("民初",)
            )
        except ValidationError as exc:
            raise ValidationError({"case_number": exc.messages}) from exc
        return {"case_number": number}, reason, {"case_number": number}
    if name == "decide":
        decision = str(data.get("decision") or "")
        allowed = DECISIONS_BY_KIND[referral.kind]
        if decision not in allowed:
            raise ValidationError(
                {
                    "decision": _("Choose one of: %(allowed)s.")
                    % {"allowed": "、".join(str(ReferralDecision(a).label) for a in allowed)}
                }
            )
        return {"decision": decision}, reason, {"decision": decision}
    if name == "extend":
        limit = (
            settings.FENGQIAO_ENTRUSTMENT_EXTENSION_MAX_DAYS
            if referral.kind == ReferralKind.ENTRUSTMENT
            else settings.FENGQIAO_DELEGATION_EXTENSION_MAX_DAYS
        )
        try:
            days = int(data.get("days"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ValidationError({"days": _("Give the number of days.")}) from exc
        if not 1 <= days <= limit:
            raise ValidationError({"days": _("Extend by 1 to %(limit)d days.") % {"limit": limit}})
        consenting = _consenting_parties(referral, data.get("consenting_parties"))
        consent = {"parties": consenting, "note": reason}
        return {"days": days, "consent": consent}, reason, {"days": days, **consent}
    raise NotFound(_("No such step."))  # pragma: no cover - names are checked before


@transaction.atomic
def take_referral_transition(
    *,
    actor: Any,
    referral_id: Any,
    name: str,
    data: Mapping[str, Any] | None = None,
    expected_state: str | None = None,
    at: datetime.datetime | None = None,
) -> Referral:
    """Take step `name` of a referral by hand. Errors as the dispute's transitions: 404, 403,
    409 (wrong state, unmet guard, stale), 400 (bad data); nothing is written on any error."""
    data = data or {}
    if name not in REFERRAL_TRANSITIONS:
        raise NotFound(_("No such step: %(name)s.") % {"name": name})
    try:
        # Inside the try: a non-numeric id fails when the filter is built, not when run.
        visible = referrals_visible_to(actor).filter(pk=referral_id)
        dispute_id = visible.values_list("dispute_id", flat=True).get()
    except (Referral.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such referral.")) from exc
    dispute = (
        Dispute.objects.select_for_update(of=("self",)).select_related("body").get(pk=dispute_id)
    )
    referral = (
        Referral.objects.select_for_update(of=("self",)).select_related("court").get(pk=referral_id)
    )
    referral.dispute = dispute

    method = getattr(referral, name)
    label = step_label(name)
    if expected_state and expected_state != referral.state:
        raise Conflict(
            _("This referral has changed: it is now “%(state)s”. Reload and try again.")
            % {"state": referral.get_state_display()}
        )
    meta = method._django_fsm
    if not meta.has_transition(referral.state):
        raise Conflict(
            _("This step is not possible for a referral that is “%(state)s”.")
            % {"state": referral.get_state_display()}
        )
    if not meta.has_transition_perm(referral, referral.state, actor):
        raise Forbidden(_("You may not “%(action)s” this referral.") % {"action": label})
    refusals = user_refusals(referral, name)
    if refusals:
        raise Conflict(
            _("“%(action)s” is not possible here.") % {"action": label}, details=refusals
        )

    if name == "decide" and referral.kind == ReferralKind.CONFIRMATION:
        return _decide_confirmation(actor, referral, dispute, data, at)

    kwargs, reason, log_data = _prepare(referral, name, data)
    unmet = [
        dispute_rules.guard_message(condition)
        for condition in meta.get_transition(referral.state).conditions
        if not condition(referral)
    ]
    if unmet:
        raise Conflict(_("“%(action)s” is not possible yet.") % {"action": label}, details=unmet)
    at = at or timezone.now()
    linkage.record(referral, name, actor=actor, at=at, reason=reason, data=log_data, **kwargs)

    if name == "file" and dispute.state == State.REFERRED:
        # Once the court has opened its case, the centre's case is closed (SPEC §3 `close`).
        dispute_services.take_transition(
            actor=actor,
            dispute_id=dispute.pk,
            name="close",
            data={"outcome": CloseOutcome.COURT_FILED, "reason": kwargs["case_number"]},
            at=at,
        )
    elif name == "extend":
        _extend_deadline(actor, dispute, kwargs["days"], at, reason)
    referral.refresh_from_db()
    return referral


def _decide_confirmation(
    actor: Any,
    referral: Referral,
    dispute: Dispute,
    data: Mapping[str, Any],
    at: datetime.datetime | None,
) -> Referral:
    """The court's ruling on a confirmation is the dispute's `confirm` or `deny_confirmation`;
    `courts.linkage` then decides the referral."""
    decision = str(data.get("decision") or "")
    names = {"confirmed": "confirm", "denied": "deny_confirmation"}
    if decision not in names:
        raise ValidationError(
            {
                "decision": _("Choose one of: %(allowed)s.")
                % {
                    "allowed": "、".join(
                        str(ReferralDecision(d).label) for d in ReferralDecision if d in names
                    )
                }
            }
        )
    dispute_services.take_transition(
        actor=actor,
        dispute_id=dispute.pk,
        name=names[decision],
        data={"case_number": data.get("case_number", ""), "reason": data.get("reason", "")},
        at=at,
    )
    referral.refresh_from_db()
    return referral


def _extend_deadline(
    actor: Any, dispute: Dispute, days: int, at: datetime.datetime, reason: str
) -> None:
    old = dispute.deadline
    start = dispute.received_at
    total = ((old - start).days if old else court_deadline_days(dispute.channel) or 0) + days
    dispute.set_deadline(start, total)
    dispute.save(update_fields=["deadline", "due_soon_on", "updated_at"])
    # Not a change of state, but the case's history should show why its deadline moved.
    TransitionLog.objects.create(
        dispute=dispute,
        transition="extend_deadline",
        from_state=dispute.state,
        to_state=dispute.state,
        actor=actor,
        at=at,
        reason=reason,
        data={"from": str(old) if old else None, "to": str(dispute.deadline), "days": days},
    )
