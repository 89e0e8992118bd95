"""The event court linkage publishes: a step of a referral, recorded.

`referral_step_recorded` — sent by `courts.linkage.record` after each step's log row is written
(sending a referral included), inside the step's transaction:
    mediation.notifications.receivers.notify_referral_step

tests/mediation/cases/test_events.py pins the list.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal

if TYPE_CHECKING:
    from courts.models import Referral


@dataclass(frozen=True)
class ReferralStepRecorded:
    referral: Referral
    action: str  # "send" or the FSM method's name
    actor: Any
    at: datetime.datetime


referral_step_recorded = Signal()


def publish_referral_step(
    referral: Referral, action: str, *, actor: Any, at: datetime.datetime
) -> None:
    referral_step_recorded.send(
        sender=ReferralStepRecorded,
        event=ReferralStepRecorded(referral=referral, action=action, actor=actor, at=at),
    )
