"""Who hears of what, as the case and its referrals publish it (`mediation.cases.events`,
`courts.events`); connected in `MediationConfig.ready()`.

The receivers run inside the business transaction and only note the news: the messages are built
and sent by a Celery task once it commits (`transaction.on_commit`), so a rolled-back or refused
step sends nothing, and the task reads the case afresh (only ids travel). Events stamped more
than STALE_AFTER ago are history being replayed (demo data, imports) and announce nothing.
FENGQIAO_NOTIFICATIONS = False turns everything off.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from courts.events import ReferralStepRecorded
from courts.models import OUTBOUND_KINDS
from mediation.cases.events import DisputeTransitioned, SessionScheduled
from mediation.cases.workflow import Notice
from mediation.kernel.choices import SessionStatus
from mediation.notifications.tasks import send_notification

# An event older than this when it is recorded is history being replayed, not news.
STALE_AFTER = datetime.timedelta(hours=1)


def _is_history(at: datetime.datetime | None) -> bool:
    return at is not None and at < timezone.now() - STALE_AFTER


def _later(event: str, builder: str, *args: int) -> None:
    """The one place notifications are sent from: `builder` of `mediation.notifications.messages`
    builds and sends them in a task once the transaction commits, never if it rolls back."""
    if getattr(settings, "FENGQIAO_NOTIFICATIONS", True):
        transaction.on_commit(
            partial(send_notification.delay, event, builder, list(args)), robust=True
        )


def notify_transition(*, event: DisputeTransitioned, **kwargs: Any) -> None:
    """The news a step gives (its `notice`): the assigned mediator, or the parties once the
    agreement is ready to sign."""
    dispute = event.dispute
    if event.imported or _is_history(event.at) or event.step.notice is None:
        return
    if event.step.notice is Notice.ASSIGNMENT and dispute.mediator_id:
        _later(event.step.name, "assignment", dispute.pk, dispute.mediator_id)
    elif event.step.notice is Notice.AGREEMENT_READY:
        _later(event.step.name, "agreement_ready", dispute.pk)


def notify_session(*, event: SessionScheduled, **kwargs: Any) -> None:
    if event.session.status == SessionStatus.SCHEDULED:
        _later("session_scheduled", "session_scheduled", event.session.pk)


def notify_referral_step(*, event: ReferralStepRecorded, **kwargs: Any) -> None:
    if _is_history(event.at):
        return
    referral, action = event.referral, event.action
    if action == "send" or (action == "receive" and referral.kind in OUTBOUND_KINDS):
        _later(f"referral_{action}", f"referral_{action}", referral.pk)


def connect() -> None:
    from courts import events as court_events
    from mediation.cases import events

    events.dispute_transitioned.connect(notify_transition, dispatch_uid="notifications.transition")
    events.session_scheduled.connect(notify_session, dispatch_uid="notifications.session")
    court_events.referral_step_recorded.connect(
        notify_referral_step, dispatch_uid="notifications.referral_step"
    )
