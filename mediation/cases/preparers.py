"""What each transition takes: its data checked and turned into the FSM method's arguments, the
reason and what the log keeps. `mediation.cases.workflow` names each step's preparer."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mediation.cases.models import Dispute, MediationBody, Mediator
from mediation.cases.rules import agreement_of
from mediation.kernel.case_numbers import validate_case_number
from mediation.kernel.choices import CLOSE_OUTCOMES_BY_STATE, CourtLevel, DeclineGround, Track

if TYPE_CHECKING:
    from courts.models import Court


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
    if dispute.case_parties.filter(party__user_id=mediator.user_id).exists():
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
    court_model = Dispute._meta.get_field("court").related_model
    if isinstance(value, court_model):
        return value
    try:
        return court_model.objects.get(pk=value)
    except (court_model.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({"court": _("No such court.")}) from exc


def prepare_plain(required_reason: bool) -> Preparer:
    def prepare(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
        return Prepared(reason=_reason(data, required=required_reason))

    return prepare


def prepare_dated(required_reason: bool) -> Preparer:
    def prepare(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
        return Prepared(kwargs={"on": today}, reason=_reason(data, required=required_reason))

    return prepare


def prepare_decline(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    """A coded ground (the reason in words is required for "other") and where the applicant can
    go instead: both go on the refusal notice."""
    ground = str(data.get("ground") or "")
    errors: dict[str, str] = {}
    if not ground:
        errors["ground"] = _("Choose the ground for declining.")
    elif ground not in DeclineGround.values:
        errors["ground"] = _("Unknown ground “%(value)s”.") % {"value": ground}
    reason = str(data.get("reason") or "").strip()
    if ground == DeclineGround.OTHER and not reason:
        errors["reason"] = _("Say why the case is declined.")
    advice = str(data.get("advice") or "").strip()
    if not advice:
        errors["advice"] = _("Say where the applicant can take the dispute instead.")
    if errors:
        raise ValidationError(errors)
    return Prepared(
        kwargs={"on": today},
        reason=reason or str(DeclineGround(ground).label),
        log_data={"ground": ground, "advice": advice},
    )


def prepare_assign(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    mediator = _get_mediator(data.get("mediator"), dispute.body, dispute)
    track = _get_track(data.get("track"), dispute.track or dispute.body.track)
    return Prepared(
        kwargs={"mediator": mediator, "track": track},
        reason=_reason(data, required=False),
        log_data={"mediator": mediator.pk, "track": track},
    )


def prepare_reassign(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
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


def prepare_draft_agreement(
    dispute: Dispute, data: Mapping[str, Any], today: datetime.date
) -> Prepared:
    """Plain terms given with the step are already a clause of the agreement (documents listens
    to `dispute_transitioning`); the amount is the obligations' total, never typed."""
    if data.get("agreed_amount") not in (None, ""):
        raise ValidationError(
            {
                "agreed_amount": _(
                    "The agreed amount is the total of the agreement's obligations; "
                    "record them in the agreement."
                )
            }
        )
    agreement = agreement_of(dispute)
    if agreement is None or not agreement.has_terms():
        raise ValidationError(
            {"terms": _("Record the agreement's clauses or obligations, or give the terms.")}
        )
    total = agreement.total
    dispute.agreed_amount = total
    dispute.agreement_terms = "\n".join(agreement.clauses)
    return Prepared(
        reason=_reason(data, required=False),
        log_data={"agreed_amount": str(total), "version": agreement.version},
    )


def prepare_oral_agreement(
    dispute: Dispute, data: Mapping[str, Any], today: datetime.date
) -> Prepared:
    """What was agreed, how and when it is performed, and that every party assented: the
    口头调解协议登记表 records them; no signatures."""
    content = str(data.get("content") or "").strip()
    performance = str(data.get("performance") or "").strip()
    errors: dict[str, str] = {}
    if not content:
        errors["content"] = _("Record what the parties agreed.")
    if not performance:
        errors["performance"] = _("Record how and by when it is performed.")
    if data.get("assent") not in (True, "true", "on", "1", 1):
        errors["assent"] = _("Record that every party assented to the agreement.")
    if errors:
        raise ValidationError(errors)
    return Prepared(
        kwargs={"on": today, "content": content},
        reason=_reason(data, required=False),
        log_data={"content": content, "performance": performance, "assent": True},
    )


def prepare_apply_confirmation(
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


def prepare_confirm(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    case_number = _ruling_number(dispute, data, required=True)
    return Prepared(reason=_reason(data, required=False), log_data={"case_number": case_number})


def prepare_deny(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    # A refusal is a ruling too (裁定驳回申请) and usually carries its number; not required.
    case_number = _ruling_number(dispute, data, required=False)
    return Prepared(
        reason=_reason(data, required=True),
        log_data={"case_number": case_number} if case_number else {},
    )


def check_litigation_court(dispute: Dispute, court: Court) -> None:
    """SPEC §3: a delegated or entrusted case goes back to the court that sent it."""
    origin = dispute.delegating_court()
    if origin is not None and court.pk != origin.pk:
        raise ValidationError(
            {
                "court": _(
                    "A court-delegated case goes back to the court that delegated it: %(court)s."
                )
                % {"court": origin.name}
            }
        )


def confirmation_court_required(dispute: Dispute) -> tuple[Any, str]:
    """The court that has jurisdiction over the confirmation (SPEC §2) and why, as (court or
    None, level): the delegating court; else the intermediate court configured for the matter
    (FENGQIAO_CONFIRMATION_INTERMEDIATE_COURTS, category → court code); else the basic court
    recorded for the body. (None, "basic") when the body records no court: any basic court."""
    origin = dispute.delegating_court()
    if origin is not None:
        return origin, "delegating"
    court_model = Dispute._meta.get_field("court").related_model
    code = settings.FENGQIAO_CONFIRMATION_INTERMEDIATE_COURTS.get(dispute.category)
    if code:
        return court_model.objects.filter(code=code).first(), "intermediate"
    body_court = dispute.body.court if dispute.body.court_id else None
    return body_court, "basic"


def check_confirmation_court(dispute: Dispute, court: Court) -> None:
    """SPEC §2: confirmation is applied for at the court with jurisdiction."""
    required, why = confirmation_court_required(dispute)
    if why == "delegating" and court.pk != required.pk:
        raise ValidationError(
            {
                "court": _("Apply to the court that delegated the case: %(court)s.")
                % {"court": required.name}
            }
        )
    if why == "intermediate":
        if required is None:
            raise ValidationError(
                {
                    "court": _(
                        "The intermediate court configured for this kind of case is not on "
                        "record; ask the administrator."
                    )
                }
            )
        if court.pk != required.pk:
            raise ValidationError(
                {
                    "court": _(
                        "This kind of case is confirmed by the intermediate court: %(court)s."
                    )
                    % {"court": required.name}
                }
            )
    if why == "basic":
        if required is not None and court.pk != required.pk:
            raise ValidationError(
                {
                    "court": _("Apply to the basic court where %(body)s sits: %(court)s.")
                    % {"body": dispute.body.name, "court": required.name}
                }
            )
        if court.level != CourtLevel.BASIC:
            raise ValidationError(
                {"court": _("Judicial confirmation is applied for at a basic court.")}
            )


def prepare_refer(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
    court = _get_court(data.get("court"))
    check_litigation_court(dispute, court)
    return Prepared(
        kwargs={"court": court}, reason=_reason(data, required=False), log_data={"court": court.pk}
    )


def prepare_close(dispute: Dispute, data: Mapping[str, Any], today: datetime.date) -> Prepared:
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
