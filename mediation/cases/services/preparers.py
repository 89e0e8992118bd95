"""What each transition takes: its data checked and turned into the FSM method's arguments, the
reason and what the log keeps."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from courts import linkage
from courts.case_numbers import validate_case_number
from courts.models import Court, CourtLevel
from documents import agreements
from documents.models import Agreement
from mediation.cases.models import (
    TRANSITION_NAMES,
    Dispute,
    MediationBody,
    Mediator,
)
from mediation.kernel.choices import (
    CLOSE_OUTCOMES_BY_STATE,
    Track,
)
from parties.models import Party


@dataclass
class Prepared:
    """A transition's validated arguments, its reason and what the log keeps of its data."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    log_data: dict[str, Any] = field(default_factory=dict)


Preparer = Callable[[Dispute, Mapping[str, Any], datetime.date], Prepared]


def _reason(data: Mapping[str, Any], *, required: bool) -> str:
    reason = str(data.get("reason") or "").strip()
    if required and not reason:
        raise ValidationError({"reason": _("A reason is required.")})
    return reason


def _get_mediator(value: Any, body: MediationBody, dispute: Dispute) -> Mediator:
    if value in (None, ""):
        raise ValidationError({"mediator": _("Choose a mediator.")})
    mediator = value if isinstance(value, Mediator) else None
    if mediator is None:
        try:
            mediator = Mediator.objects.select_related("user").get(pk=value)
        except (Mediator.DoesNotExist, ValueError, TypeError) as exc:
            raise ValidationError({"mediator": _("No such mediator.")}) from exc
    if not mediator.active:
        raise ValidationError({"mediator": _("This mediator is not active.")})
    if mediator.body_id != body.pk:
        raise ValidationError(
            {"mediator": _("This mediator does not belong to %(body)s.") % {"body": body.name}}
        )
    if Party.objects.filter(user_id=mediator.user_id, case_roles__dispute=dispute).exists():
        raise ValidationError({"mediator": _("A party to the case cannot mediate it.")})
    return mediator


def _get_track(value: Any, default: str) -> str:
    track = value or default
    if track not in Track.values:
        raise ValidationError({"track": _("Unknown track.")})
    return track


def _get_court(value: Any) -> Court:
    if value in (None, ""):
        raise ValidationError({"court": _("Choose a court.")})
    if isinstance(value, Court):
        return value
    try:
        return Court.objects.get(pk=value)
    except (Court.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({"court": _("No such court.")}) from exc


def _prepare_plain(required_reason: bool) -> Preparer:
    def prepare(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
        return Prepared(reason=_reason(data, required=required_reason))

    return prepare


def _prepare_dated(required_reason: bool) -> Preparer:
    def prepare(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
        return Prepared(kwargs={"on": today}, reason=_reason(data, required=required_reason))

    return prepare


def _prepare_assign(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    mediator = _get_mediator(data.get("mediator"), dispute.body, dispute)
    track = _get_track(data.get("track"), dispute.track or dispute.body.track)
    return Prepared(
        kwargs={"mediator": mediator, "track": track},
        reason=_reason(data, required=False),
        log_data={"mediator": mediator.pk, "track": track},
    )


def _prepare_reassign(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    reason = _reason(data, required=True)
    body = dispute.body
    if data.get("body") not in (None, ""):
        body_value = data["body"]
        if isinstance(body_value, MediationBody):
            body = body_value
        else:
            try:
                body = MediationBody.objects.get(pk=body_value)
            except (MediationBody.DoesNotExist, ValueError, TypeError) as exc:
                raise ValidationError({"body": _("No such mediation body.")}) from exc
    mediator = _get_mediator(data.get("mediator"), body, dispute)
    track = _get_track(data.get("track"), body.track if body != dispute.body else dispute.track)
    if (body.pk, mediator.pk, track) == (dispute.body_id, dispute.mediator_id, dispute.track):
        raise ValidationError(
            {"mediator": _("Reassigning must change the mediator, body or track.")}
        )
    return Prepared(
        kwargs={"body": body, "mediator": mediator, "track": track},
        reason=reason,
        log_data={
            "from": {
                "body": dispute.body_id,
                "mediator": dispute.mediator_id,
                "track": dispute.track,
            },
            "to": {"body": body.pk, "mediator": mediator.pk, "track": track},
        },
    )


def _prepare_draft_agreement(
    dispute: Dispute, data: Mapping[str, Any], today: datetime.date
) -> Prepared:
    if data.get("agreed_amount") not in (None, ""):
        raise ValidationError(
            {
                "agreed_amount": _(
                    "The agreed amount is the total of the agreement's obligations; "
                    "record them in the agreement."
                )
            }
        )
    terms = str(data.get("terms") or "").strip()
    if terms:
        # Plain terms (the API's shortcut for simple agreements) become a clause.
        agreements.add_terms(dispute, terms, actor=None)
    if not agreements.has_terms(dispute):
        raise ValidationError(
            {"terms": _("Record the agreement's clauses or obligations, or give the terms.")}
        )
    total = agreements.agreed_total(dispute)
    dispute.agreed_amount = total
    agreement = Agreement.objects.get(dispute=dispute)
    dispute.agreement_terms = "\n".join(agreement.clauses)
    return Prepared(
        reason=_reason(data, required=False),
        log_data={"agreed_amount": str(total), "version": agreement.version},
    )


def _prepare_apply_confirmation(
    dispute: Dispute, data: Mapping[str, Any], today: datetime.date
) -> Prepared:
    court = _get_court(data.get("court"))
    check_confirmation_court(dispute, court)
    return Prepared(
        kwargs={"court": court}, reason=_reason(data, required=False), log_data={"court": court.pk}
    )


def _ruling_number(dispute: Dispute, data: Mapping[str, Any], *, required: bool) -> str:
    """The court's 民特 number of its ruling on a confirmation, canonical; errors name the field."""
    case_number = str(data.get("case_number") or "").strip()
    if not case_number:
        if required:
            raise ValidationError({"case_number": _("Give the court's ruling number (民特).")})
        return ""
    try:
        return validate_case_number(
            case_number,
            court_code=dispute.court.code if dispute.court else None,
            case_types=("民特",),
        )
    except ValidationError as exc:
        raise ValidationError({"case_number": exc.messages}) from exc


def _prepare_confirm(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    case_number = _ruling_number(dispute, data, required=True)
    return Prepared(reason=_reason(data, required=False), log_data={"case_number": case_number})


def _prepare_deny(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    # A refusal is a ruling too (裁定驳回申请) and usually carries its number; not required.
    case_number = _ruling_number(dispute, data, required=False)
    return Prepared(
        reason=_reason(data, required=True),
        log_data={"case_number": case_number} if case_number else {},
    )


def check_litigation_court(dispute: Dispute, court: Court) -> None:
    """SPEC §3: a delegated or entrusted case goes back to the court that sent it."""
    origin = linkage.delegating_court(dispute)
    if origin is not None and court.pk != origin.pk:
        raise ValidationError(
            {
                "court": _(
                    "A court-delegated case goes back to the court that delegated it: %(court)s."
                )
                % {"court": origin.name}
            }
        )


def check_confirmation_court(dispute: Dispute, court: Court) -> None:
    """SPEC §2: confirmation is applied for at the delegating court, or else at a basic court
    (the one where the body sits)."""
    origin = linkage.delegating_court(dispute)
    if origin is not None and court.pk != origin.pk:
        raise ValidationError(
            {
                "court": _("Apply to the court that delegated the case: %(court)s.")
                % {"court": origin.name}
            }
        )
    if origin is None and court.level != CourtLevel.BASIC:
        raise ValidationError(
            {"court": _("Judicial confirmation is applied for at a basic court.")}
        )


def _prepare_refer(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    court = _get_court(data.get("court"))
    check_litigation_court(dispute, court)
    return Prepared(
        kwargs={"court": court}, reason=_reason(data, required=False), log_data={"court": court.pk}
    )


def _prepare_close(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    outcome = str(data.get("outcome") or "")
    allowed = CLOSE_OUTCOMES_BY_STATE.get(dispute.state, ())
    if not outcome:
        raise ValidationError({"outcome": _("Record the outcome.")})
    if outcome not in allowed:
        raise ValidationError(
            {
                "outcome": _(
                    "“%(value)s” is not an outcome for a case in this state; "
                    "choose one of: %(allowed)s."
                )
                % {"value": outcome, "allowed": ", ".join(allowed)}
            }
        )
    return Prepared(
        kwargs={"outcome": outcome},
        reason=_reason(data, required=False),
        log_data={"outcome": outcome},
    )


PREPARERS: dict[str, Preparer] = {
    "accept": _prepare_dated(required_reason=False),
    "decline": _prepare_dated(required_reason=True),
    "assign": _prepare_assign,
    "reassign": _prepare_reassign,
    "start": _prepare_plain(required_reason=False),
    "draft_agreement": _prepare_draft_agreement,
    "revise": _prepare_plain(required_reason=True),
    "sign": _prepare_dated(required_reason=False),
    "apply_confirmation": _prepare_apply_confirmation,
    "confirm": _prepare_confirm,
    "deny_confirmation": _prepare_deny,
    "fail": _prepare_dated(required_reason=True),
    "refer_to_court": _prepare_refer,
    "withdraw": _prepare_dated(required_reason=True),
    "close": _prepare_close,
}
assert set(PREPARERS) == set(TRANSITION_NAMES), "every transition needs a preparer"
