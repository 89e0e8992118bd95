"""Writes: registering disputes, taking transitions, scheduling sessions.

Views, the API, the admin and management commands all come through here. Every state change runs
in one transaction with the dispute row locked, checks the actor's permission through the FSM,
and appends a TransitionLog row; any error rolls the whole change back.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from courts import linkage
from courts.case_numbers import validate_case_number
from courts.models import Court, CourtLevel
from documents import agreements
from documents.models import Agreement
from documents.signatories import void_signatures
from mediation.cases import rules
from mediation.cases.models import (
    TRANSITION_NAMES,
    Dispute,
    MediationBody,
    MediationSession,
    Mediator,
    ReferenceCounter,
    TransitionLog,
)
from mediation.cases.selectors import disputes_visible_to
from mediation.figures import kept as figures
from mediation.kernel.choices import (
    CLOSE_OUTCOMES_BY_STATE,
    COURT_CHANNELS,
    Category,
    Channel,
    DeadlineStatus,
    Outcome,
    SessionKind,
    State,
    Track,
)
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from mediation.kernel.roles import scope_of
from mediation.notifications import messages as notifications
from parties.models import PRINCIPAL_ROLES, CaseParty, Party, PartyRole
from parties.services import PartyInput, attach_parties, move_to_body

# --- registration --------------------------------------------------------------------------------


@dataclass
class DisputeInput:
    category: str
    channel: str
    body: MediationBody
    title: str
    received_at: datetime.date
    facts: str = ""
    claimed_amount: Decimal | None = None
    track: str = ""
    court: Court | None = None
    court_case_number: str = ""
    parties: Sequence[PartyInput] = field(default_factory=list)


def next_reference(year: int) -> str:
    """Take the next FQ-YYYY-NNNNNN number; the counter row is locked until the caller commits."""
    from django.conf import settings

    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{settings.FENGQIAO_REFERENCE_PREFIX}-{year}-{counter.last:06d}"


def _check_may_register(actor: Any, data: DisputeInput) -> None:
    scope = scope_of(actor)
    body = data.body
    if scope.is_superuser or scope.is_clerk_of(body.id) or scope.is_director_of(body.id):
        return
    # A court registers the cases it delegates or entrusts (诉前委派, 诉中委托) itself.
    if data.channel in COURT_CHANNELS and data.court and scope.is_court_staff_of(data.court.pk):
        return
    raise Forbidden(_("Only the body's clerks and directors may register disputes for it."))


# The court's case number a delegated or entrusted case arrives with: a pre-filing mediation
# number (民诉前调) for a delegation, the number of the pending suit for an entrustment.
COURT_CASE_TYPES = {
    Channel.COURT_DELEGATED: ("民诉前调",),
    Channel.COURT_ENTRUSTED: ("民初", "民终", "民再"),
}


def _validate_court_reference(data: DisputeInput) -> str:
    """The canonical court case number of a court case; errors name the field."""
    if data.channel not in COURT_CHANNELS:
        if data.court_case_number:
            raise ValidationError(
                {"court_case_number": _("Only a court-delegated case has a court case number.")}
            )
        return ""
    if not data.court:
        raise ValidationError({"court": _("A court-delegated case needs the delegating court.")})
    if not data.court_case_number.strip():
        raise ValidationError(
            {"court_case_number": _("A court-delegated case needs the court's case number.")}
        )
    try:
        return validate_case_number(
            data.court_case_number,
            court_code=data.court.code,
            case_types=COURT_CASE_TYPES[data.channel],
        )
    except ValidationError as exc:
        raise ValidationError({"court_case_number": exc.messages}) from exc


def _validate_dispute_fields(
    *,
    category: str,
    body: MediationBody,
    received_at: datetime.date,
    claimed_amount: Decimal | None,
    title: str,
) -> None:
    errors: dict[str, str] = {}
    if category not in Category.values:
        errors["category"] = _("Unknown category “%(value)s”.") % {"value": category}
    elif body.categories and category not in body.categories:
        errors["category"] = _("%(body)s does not take %(category)s disputes.") % {
            "body": body.name,
            "category": Category(category).label,
        }
    if received_at > timezone.localdate():
        errors["received_at"] = _("The date received cannot be in the future.")
    if claimed_amount is not None and claimed_amount < 0:
        errors["claimed_amount"] = _("The claimed amount cannot be negative.")
    if not title.strip():
        errors["title"] = _("A title is required.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def register_dispute(
    *, actor: Any, data: DisputeInput, at: datetime.datetime | None = None
) -> Dispute:
    """Register a dispute with its parties in one step (SPEC §7.1); all or nothing.

    `at` (when it was registered, default now) is for trusted callers replaying history.
    """
    _check_may_register(actor, data)
    _validate_dispute_fields(
        category=data.category,
        body=data.body,
        received_at=data.received_at,
        claimed_amount=data.claimed_amount,
        title=data.title,
    )
    if data.track and data.track not in Track.values:
        raise ValidationError({"track": _("Unknown track.")})
    if not any(p.role == PartyRole.APPLICANT for p in data.parties):
        raise ValidationError({"parties": _("A dispute needs at least one applicant.")})
    court_case_number = _validate_court_reference(data)

    dispute = Dispute(
        reference=next_reference(data.received_at.year),
        category=data.category,
        channel=data.channel,
        track=data.track or data.body.track,
        body=data.body,
        court=data.court,
        court_case_number=court_case_number,
        title=data.title.strip(),
        facts=data.facts,
        claimed_amount=data.claimed_amount,
        received_at=data.received_at,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    # A court's time limit runs from its delegation, whether or not the body has accepted yet.
    dispute.start_court_clock()
    dispute.full_clean(exclude=["reference", "state"])
    dispute.save()
    attach_parties(dispute, data.parties)
    at = at or timezone.now()
    TransitionLog.objects.create(
        dispute=dispute,
        transition="register",
        from_state="",
        to_state=State.REGISTERED,
        actor=dispute.created_by,
        at=at,
        data={"channel": data.channel, "parties": len(data.parties)},
    )
    linkage.after_registration(dispute=dispute, actor=actor, at=at)
    return dispute


# --- editing -------------------------------------------------------------------------------------

EDITABLE_FIELDS = ("title", "facts", "claimed_amount", "category", "received_at")
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


def _may_edit(actor: Any, dispute: Dispute) -> bool:
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
    if not _may_edit(actor, dispute):
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
    _validate_dispute_fields(
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


@transaction.atomic
def add_parties(*, actor: Any, dispute_id: Any, parties: Sequence[PartyInput]) -> list[CaseParty]:
    """Add parties to an open dispute (e.g. an insurer that joins as third party)."""
    dispute = lock_visible_dispute(actor, dispute_id)
    if not _may_edit(actor, dispute):
        raise Forbidden(_("You may not change the parties of this dispute."))
    if not dispute.is_open:
        raise Conflict(_("Parties can only be added while the dispute is open."))
    return attach_parties(dispute, parties)


# --- sessions ------------------------------------------------------------------------------------

SESSION_STATES = (State.ASSIGNED, State.MEDIATING, State.AGREED)


@dataclass
class SessionInput:
    scheduled_at: datetime.datetime
    place: str = ""
    online_link: str = ""
    mediators: Sequence[Mediator] = ()
    attendee_ids: Sequence[int] = ()
    status: str = "scheduled"
    minutes: str = ""
    kind: str = SessionKind.JOINT


def _side(attendee: CaseParty) -> str | None:
    """The side an attendee is on: their own role, or that of the party they act for."""
    if attendee.role in PRINCIPAL_ROLES:
        return attendee.role
    return attendee.represents.role if attendee.represents is not None else None


@transaction.atomic
def schedule_session(*, actor: Any, dispute_id: Any, data: SessionInput) -> MediationSession:
    dispute = lock_visible_dispute(actor, dispute_id)
    scope = scope_of(actor)
    if not (
        scope.is_superuser
        or scope.is_mediator(dispute.mediator_id)
        or scope.is_director_of(dispute.body_id)
    ):
        raise Forbidden(_("Only the assigned mediator or a director may schedule sessions."))
    if dispute.state not in SESSION_STATES:
        raise Conflict(_("Sessions can be scheduled once a mediator is assigned."))
    errors: dict[str, str] = {}
    if not data.place.strip() and not data.online_link.strip():
        errors["place"] = _("Give a place or an online link.")
    mediators = list(data.mediators) or ([dispute.mediator] if dispute.mediator else [])
    if any(m.body_id != dispute.body_id for m in mediators):
        errors["mediators"] = _("Every mediator must belong to the case's body.")
    attendees = list(
        CaseParty.objects.filter(dispute=dispute, pk__in=data.attendee_ids).select_related(
            "represents"
        )
    )
    if len(attendees) != len(set(data.attendee_ids)):
        errors["attendees"] = _("Attendees must be parties to this dispute.")
    elif data.kind == SessionKind.CAUCUS and len({_side(a) for a in attendees}) != 1:
        # The mediator meets one side alone: the applicants' or the respondents' or the third
        # parties', each with their agents and guardians.
        errors["attendees"] = _(
            "A caucus (背对背) is held with one side: choose its attendees, all of one side."
        )
    if data.kind not in SessionKind.values:
        errors["kind"] = _("Choose a joint session or a caucus.")
    if data.status == "held" and data.scheduled_at > timezone.now():
        errors["status"] = _("A session in the future cannot have been held.")
    if errors:
        raise ValidationError(errors)
    session = MediationSession(
        dispute=dispute,
        scheduled_at=data.scheduled_at,
        place=data.place.strip(),
        online_link=data.online_link.strip(),
        status=data.status,
        kind=data.kind,
        minutes=data.minutes,
        created_by=actor,
    )
    session.full_clean(exclude=["dispute", "created_by"])
    session.save()
    session.mediators.set(mediators)
    session.attendees.set(attendees)
    notifications.after_session_scheduled(session)  # SMS/e-mail after commit
    return session


@transaction.atomic
def record_session_outcome(
    *, actor: Any, session_id: Any, status: str, minutes: str = ""
) -> MediationSession:
    """After a session: it was held (with its minutes) or cancelled. Same people as scheduling;
    a session cannot be recorded as held before its time, nor changed once recorded."""
    session = MediationSession.objects.filter(pk=session_id).select_related("dispute").first()
    if session is None:
        raise NotFound(_("No such session."))
    dispute = lock_visible_dispute(actor, session.dispute_id)
    scope = scope_of(actor)
    if not (
        scope.is_superuser
        or scope.is_mediator(dispute.mediator_id)
        or scope.is_director_of(dispute.body_id)
    ):
        raise Forbidden(_("Only the assigned mediator or a director may record sessions."))
    session = MediationSession.objects.select_for_update().get(pk=session.pk)
    if session.status != "scheduled":
        raise Conflict(
            _("This session has already been recorded as “%(status)s”.")
            % {"status": session.get_status_display()}
        )
    if status not in ("held", "cancelled"):
        raise ValidationError({"status": _("A session was either held or cancelled.")})
    if status == "held" and session.scheduled_at > timezone.now():
        raise ValidationError({"status": _("A session in the future cannot have been held.")})
    if status == "held" and not minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes of the session.")})
    session.status = status
    session.minutes = minutes.strip()
    session.save(update_fields=["status", "minutes"])
    return session


# --- transitions ---------------------------------------------------------------------------------


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


def transition_label(name: str) -> str:
    method = getattr(Dispute, name)
    meta = method._django_fsm
    transition = next(iter(meta.transitions.values()))
    return str(transition.custom.get("label", name))


@transaction.atomic
def take_transition(
    *,
    actor: Any,
    dispute_id: Any,
    name: str,
    data: Mapping[str, Any] | None = None,
    expected_state: str | None = None,
    system: bool = False,
    at: datetime.datetime | None = None,
) -> Dispute:
    """Take transition `name` on a dispute as `actor` (or as the system).

    `at` is when it happened, now unless given; only trusted callers that replay history
    (demo data, imports) pass it, never the API.

    Raises NotFound (unknown dispute or transition, or not visible), Conflict (wrong state, unmet
    guard, or a concurrent change), Forbidden (no permission) or ValidationError (bad data). On any
    error nothing is written.
    """
    data = data or {}
    if name not in TRANSITION_NAMES:
        raise NotFound(_("No such transition: %(name)s.") % {"name": name})
    if system:
        try:
            dispute = (
                Dispute.objects.select_for_update(of=("self",))
                .select_related("body")
                .get(pk=dispute_id)
            )
        except (Dispute.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound(_("No such dispute.")) from exc
    else:
        dispute = lock_visible_dispute(actor, dispute_id)

    label = transition_label(name)
    if expected_state and expected_state != dispute.state:
        raise Conflict(
            _("This case has changed: it is now “%(state)s”. Reload and try again.")
            % {"state": dispute.get_state_display()}
        )
    method = getattr(dispute, name)
    meta = method._django_fsm
    from_state = dispute.state
    if not meta.has_transition(from_state):
        raise Conflict(
            _("“%(action)s” is not possible for a case that is “%(state)s”.")
            % {"action": label, "state": dispute.get_state_display()}
        )
    if not system and not meta.has_transition_perm(dispute, from_state, actor):
        raise Forbidden(_("You may not “%(action)s” this case.") % {"action": label})

    at = at or timezone.now()
    prepared = PREPARERS[name](dispute, data, timezone.localdate(at))
    unmet = [
        rules.guard_message(condition)
        for condition in meta.get_transition(from_state).conditions
        if not condition(dispute)
    ]
    if unmet:
        raise Conflict(_("“%(action)s” is not possible yet.") % {"action": label}, details=unmet)

    from_body_id = dispute.body_id
    method(**prepared.kwargs)
    try:
        dispute.save()
    except ConcurrentTransition as exc:
        raise Conflict(_("This case was changed by someone else. Reload and try again.")) from exc
    TransitionLog.objects.create(
        dispute=dispute,
        transition=name,
        from_state=from_state,
        to_state=dispute.state,
        actor=None if system else actor,
        at=at,
        reason=prepared.reason,
        data=prepared.log_data,
    )
    notifications.after_transition(dispute, name, at=at)  # SMS/e-mail after commit
    linkage.after_transition(
        dispute=dispute,
        name=name,
        actor=None if system else actor,
        at=at,
        reason=prepared.reason,
        data=prepared.log_data,
    )
    if dispute.body_id != from_body_id:
        move_to_body(dispute)
    if name == "revise":
        # Signatures given to the agreement as it was no longer count (kept, marked void).
        agreement = Agreement.objects.filter(dispute=dispute).first()
        if agreement is not None:
            void_signatures(agreement, "revised")
    return dispute


# --- history from elsewhere ----------------------------------------------------------------------

IMPORTABLE_STATES = {
    State.SIGNED: Outcome.SUCCESS,
    State.FAILED: Outcome.FAILURE,
    State.WITHDRAWN: Outcome.WITHDRAWN,
    State.DECLINED: Outcome.DECLINED,
}
# The transition an imported conclusion stands for, so its referrals follow as for a live one.
IMPORTED_AS_TRANSITION = {
    State.SIGNED: "sign",
    State.FAILED: "fail",
    State.WITHDRAWN: "withdraw",
    State.DECLINED: "decline",
}


@transaction.atomic
def record_imported_conclusion(
    *,
    actor: Any,
    dispute_id: Any,
    state: str,
    concluded_at: datetime.date,
    source: str,
    agreed_amount: Decimal | None = None,
) -> Dispute:
    """Put an open dispute into the concluded state it reached outside Fengqiao.

    For cases concluded on paper before the centre used Fengqiao (ledger import, demo history):
    the FSM cannot replay signatures it never saw. The log says where the conclusion came from,
    so such cases are counted like live ones but can always be told apart.
    """
    if state not in IMPORTABLE_STATES:
        raise ValidationError(
            {"state": _("Only signed, failed, withdrawn or declined can be imported.")}
        )
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    if not dispute.is_open:
        raise Conflict(_("Only an open dispute can take an imported conclusion."))
    if concluded_at < dispute.received_at or concluded_at > timezone.localdate():
        raise ValidationError(
            {"concluded_at": _("The conclusion date must lie between receipt and today.")}
        )
    from_state = dispute.state
    fields: dict[str, Any] = {
        "state": state,
        "outcome": IMPORTABLE_STATES[state],
        "concluded_at": concluded_at,
        "signed_at": concluded_at if state == State.SIGNED else None,
    }
    if agreed_amount is not None:
        fields["agreed_amount"] = agreed_amount
    # The state field is protected against assignment: write it with an UPDATE, as the FSM's
    # concurrency check would, guarded by the state we locked.
    Dispute.objects.filter(pk=dispute.pk, state=from_state).update(**fields)
    at = timezone.make_aware(datetime.datetime.combine(concluded_at, datetime.time(12)))
    TransitionLog.objects.create(
        dispute=dispute,
        transition="import",
        from_state=from_state,
        to_state=state,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        reason=source,
        data={"imported": True},
    )
    dispute.refresh_from_db()
    figures.refresh([dispute.slice_dims()])  # updated without save()
    # A delegated case concluded on paper still reports back to its court.
    linkage.after_transition(
        dispute=dispute,
        name=IMPORTED_AS_TRANSITION[state],
        actor=actor,
        at=at,
        reason=source,
        data={"imported": True},
    )
    return dispute


# --- deadlines -----------------------------------------------------------------------------------


@dataclass
class DeadlineMarks:
    """What one run of `mark_deadlines` changed."""

    due_soon: list[Dispute] = field(default_factory=list)
    overdue: list[Dispute] = field(default_factory=list)
    cleared: int = 0


@transaction.atomic
def mark_deadlines(today: datetime.date | None = None) -> DeadlineMarks:
    """Mark open cases due soon or overdue as of `today` (SPEC §4); clear the mark of cases that
    concluded or had their deadline extended. Idempotent: a second run the same day changes
    nothing, so each case is reported once when it crosses a line."""
    today = today or timezone.localdate()
    marks = DeadlineMarks()
    wanted = {
        DeadlineStatus.OVERDUE: Dispute.objects.overdue(today),
        DeadlineStatus.DUE_SOON: Dispute.objects.due_soon(today),
    }
    for status, queryset in wanted.items():
        changed = list(
            queryset.exclude(deadline_status=status)
            .select_for_update(of=("self",))
            .select_related("body", "court")
        )
        Dispute.objects.filter(pk__in=[d.pk for d in changed]).update(
            deadline_status=status, deadline_status_since=today
        )
        (marks.overdue if status == DeadlineStatus.OVERDUE else marks.due_soon).extend(changed)
    marked = Dispute.objects.exclude(deadline_status=DeadlineStatus.NONE)
    stale = marked.exclude(pk__in=wanted[DeadlineStatus.OVERDUE].values("pk")).exclude(
        pk__in=wanted[DeadlineStatus.DUE_SOON].values("pk")
    )
    marks.cleared = stale.update(deadline_status=DeadlineStatus.NONE, deadline_status_since=None)
    return marks
