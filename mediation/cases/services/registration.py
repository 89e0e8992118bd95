"""Registering a dispute with its parties, its reference number and its court reference."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.cases import events
from mediation.cases.models import (
    Dispute,
    MediationBody,
    ReferenceCounter,
    TransitionLog,
)
from mediation.cases.services.numbering import next_case_number
from mediation.kernel.case_numbers import validate_case_number
from mediation.kernel.choices import (
    COURT_CHANNELS,
    Category,
    Channel,
    PartyRole,
    State,
    Track,
)
from mediation.kernel.exceptions import Forbidden
from mediation.kernel.roles import scope_of

if TYPE_CHECKING:
    from courts.models import Court
    from parties.services import PartyInput


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


def check_dispute_fields(
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
    check_dispute_fields(
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
        case_number=next_case_number(data.body, data.received_at.year),
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
    # The parties are recorded (and the court's referral opened) by the receivers, in this
    # transaction: a party refused there refuses the registration.
    events.publish(
        events.dispute_registered,
        events.DisputeRegistered(dispute=dispute, actor=actor, at=at, parties=tuple(data.parties)),
    )
    return dispute
