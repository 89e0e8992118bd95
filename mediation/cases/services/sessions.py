"""Scheduling mediation sessions and recording how they went."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.cases import events
from mediation.cases.models import MediationSession, Mediator
from mediation.cases.services.editing import lock_visible_dispute
from mediation.kernel.choices import PRINCIPAL_ROLES, SessionKind, State
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from mediation.kernel.roles import scope_of

if TYPE_CHECKING:
    from parties.models import CaseParty

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
        dispute.case_parties.filter(pk__in=data.attendee_ids).select_related("represents")
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
    elif data.status == "held" and not data.minutes.strip():
        # Minutes are fixed once the session is recorded held: without them now, the case file
        # would lack them for good.
        errors["minutes"] = _("Write the minutes of the session.")
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
        recorded_by=actor if data.status != "scheduled" else None,
    )
    session.full_clean(exclude=["dispute", "created_by", "recorded_by"])
    session.save()
    session.mediators.set(mediators)
    session.attendees.set(attendees)
    events.publish(events.session_scheduled, events.SessionScheduled(session=session, actor=actor))
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
    session.recorded_by = actor
    session.save(update_fields=["status", "minutes", "recorded_by"])
    return session
