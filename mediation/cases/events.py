"""The domain events a dispute's lifecycle publishes, and who listens.

Each event is a Django `Signal` sent with one keyword argument, `event`, a frozen dataclass; each
is sent from exactly one place (named below). The lifecycle does not know its consumers: court
linkage, notifications, documents, parties and the figures connect receivers in their
`AppConfig.ready()`.

Receivers run synchronously inside the business transaction, with the dispute row locked, in the
order they were connected (that of INSTALLED_APPS; none depends on another's work), through
`send` (never `send_robust`): a receiver that raises rolls the whole step back, so a dispute and
what hangs on it never disagree. Whatever leaves the machine (SMS, e-mail, rendering) is only
noted by its receiver and done once the transaction commits.

`dispute_transitioning` — sent by `mediation.cases.services.transitions.take_transition` once
the actor may take the step, before its data is prepared and its guards are checked; receivers
check or record what the step needs from their part of the case:
    documents.receivers.record_plain_terms
    documents.receivers.refuse_close_with_incomplete_file

`dispute_registered` — sent by `mediation.cases.services.registration.register_dispute` after the
dispute and its log row are written:
    courts.receivers.open_court_referral
    parties.receivers.attach_registered_parties

`dispute_transitioned` — sent by `mediation.cases.services.transitions.publish_transition` (for
steps taken and for conclusions imported) after the log row is written:
    courts.receivers.follow_in_referrals
    courts.receivers.void_confirmation_consents
    documents.receivers.void_signatures_on_revision
    documents.receivers.file_the_case
    parties.receivers.move_records_with_case
    mediation.figures.receivers.refresh_after_import
    mediation.notifications.receivers.notify_transition

`session_scheduled` — sent by `mediation.cases.services.sessions.schedule_session` once the
session and its people are saved:
    mediation.notifications.receivers.notify_session

tests/mediation/cases/test_events.py pins these lists.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal

if TYPE_CHECKING:
    from mediation.cases.models import Dispute, MediationSession
    from mediation.cases.workflow import Step


@dataclass(frozen=True)
class DisputeTransitioning:
    dispute: Dispute
    step: Step
    data: Mapping[str, Any]
    actor: Any
    at: datetime.datetime


@dataclass(frozen=True)
class DisputeRegistered:
    dispute: Dispute
    actor: Any
    at: datetime.datetime
    # The parties as the intake gave them (`parties.services.PartyInput`), in order.
    parties: Sequence[Any] = field(default_factory=tuple)


@dataclass(frozen=True)
class DisputeTransitioned:
    dispute: Dispute
    step: Step
    from_state: str
    from_body_id: int | None
    actor: Any  # None when the system took the step
    at: datetime.datetime
    reason: str
    data: Mapping[str, Any]
    # A conclusion reached on paper and imported (ledger, demo history): nothing is announced.
    imported: bool = False


@dataclass(frozen=True)
class SessionScheduled:
    session: MediationSession
    actor: Any


dispute_transitioning = Signal()
dispute_registered = Signal()
dispute_transitioned = Signal()
session_scheduled = Signal()


def publish(signal: Signal, event: Any) -> None:
    """Send `event` to the receivers of `signal`; an exception in one of them propagates."""
    signal.send(sender=type(event), event=event)
