"""One generated case's way through the state machine (SPEC §3) up to today: the steps of its
transition log and the fields they set, drawn at random with the rates of real centres.
"""

from __future__ import annotations

import datetime
import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from mediation.kernel.choices import (
    CLOSE_OUTCOMES_BY_STATE,
    COURT_CHANNELS,
    Category,
    Channel,
    CloseOutcome,
    Outcome,
    State,
)

if TYPE_CHECKING:
    from mediation.demo.generate import CaseMaker
    from mediation.demo.generate_world import BodyInfo

GENERATED: dict[str, Any] = {"generated": True}

# Of the cases mediated to an end, the share that ends in a signed agreement.
SUCCESS_RATE = {
    Category.TRAFFIC: 0.72,
    Category.FINANCIAL: 0.48,
    Category.MEDICAL: 0.55,
    Category.SCHOOL: 0.74,
    Category.FAMILY: 0.62,
}
# Why a case is declined: the ground, its words, and where the applicant is sent instead.
DECLINES = [
    ("respondent_refuses", "被申请人明确拒绝调解", "可依法向人民法院提起诉讼"),
    ("outside_remit", "不属于本调解组织受理范围", "可向有管辖权的行政机关申请处理"),
    ("before_authority", "纠纷已进入诉讼程序", "由受理案件的人民法院依法处理"),
]
REASONS = {
    "fail": ["双方分歧较大，无法达成协议", "被申请人拒绝调解", "调解期限届满未达成协议"],
    "withdraw": ["申请人撤回调解申请", "双方已自行和解"],
    "reassign": ["调解员回避", "工作量调整"],
}
# How signed agreements are closed: mostly performed (the last two count as repudiated, SPEC §6).
CLOSE_AFTER_SUCCESS_WEIGHTS = {
    CloseOutcome.PERFORMED: 80,
    CloseOutcome.PARTLY_PERFORMED: 10,
    CloseOutcome.NOT_PERFORMED: 6,
    CloseOutcome.COURT_FILED: 4,
}


def weighted(weights: dict[Any, float]) -> tuple[list[str], list[float]]:
    """Values (as plain strings) and cumulative weights, for `pick`."""
    return [str(value) for value in weights], list(accumulate(weights.values()))


CLOSE_AFTER_SUCCESS = weighted(CLOSE_AFTER_SUCCESS_WEIGHTS)


def pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    values, cumulative = table
    return values[bisect(cumulative, rng.random() * cumulative[-1])]


def choice(rng: random.Random, values: Sequence[Any]) -> Any:
    """`rng.choice`, a few times faster (one draw per call; fine for short sequences)."""
    return values[int(rng.random() * len(values))]


def between(rng: random.Random, low: int, high: int) -> int:
    """`rng.randint`, a few times faster: low <= N <= high."""
    return low + int(rng.random() * (high - low + 1))


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


class Path:
    """One case's way through the state machine up to today: its steps and the fields they set."""

    def __init__(
        self,
        maker: CaseMaker,
        received: datetime.date,
        body: BodyInfo,
        channel: str,
        category: str,
        court_id: int | None,
    ) -> None:
        self.maker = maker
        self.rng = maker.rng
        self.today = maker.today
        self.received = received
        self.body = body
        self.channel = channel
        self.category = category
        self.court_id = court_id
        self.state = ""
        self.steps: list[tuple[str, str, str, datetime.datetime, int | None, str, dict]] = []
        self.last_at: datetime.datetime | None = None
        self.last_day = received
        self.mediator_id: int | None = None
        self.mediator_user_id: int | None = None
        self.accepted_at: datetime.date | None = None
        self.signed_at: datetime.date | None = None
        self.concluded_at: datetime.date | None = None
        self.outcome = ""
        self.close_outcome = ""
        self.reached_agreement = False
        self.deadline_from: datetime.date | None = None
        self.deadline_days = 0
        if channel == Channel.COURT_DELEGATED:
            self.deadline_from, self.deadline_days = received, maker.delegation_days
        elif channel == Channel.COURT_ENTRUSTED:
            self.deadline_from, self.deadline_days = received, maker.entrustment_days

    def step(
        self,
        name: str,
        target: str,
        day: datetime.date,
        *,
        actor_id: int | None = None,
        reason: str = "",
        **data: Any,
    ) -> bool:
        """Take a step on `day`; False (and nothing done) when that day has not come yet.

        Steps after registration happen up to yesterday, so no log row is dated in the future.
        """
        if day >= self.today and self.steps:
            return False
        rng = self.rng
        minute = int(rng.random() * 600)  # 08:00 to 17:59
        at = datetime.datetime(
            day.year, day.month, day.day, 8 + minute // 60, minute % 60, tzinfo=self.maker.tz
        )
        if self.last_at is not None and at <= self.last_at:
            at = self.last_at + datetime.timedelta(minutes=1 + int(rng.random() * 30))
        elif not self.steps:
            at = min(at, self.maker.now)
        self.last_at = at
        self.last_day = day
        target = str(target)
        target = str(target)
        # Steps without data of their own share one dict (it is never changed).
        self.steps.append(
            (
                name,
                self.state,
                target,
                at,
                actor_id,
                reason,
                {**GENERATED, **data} if data else GENERATED,
            )
        )
        self.state = target
        return True

    def day(self) -> datetime.date:
        """The day of the last step."""
        return self.last_day

    def conclude(self, outcome: str, on: datetime.date) -> None:
        self.outcome = str(outcome)
        self.concluded_at = on

    def run(self) -> None:
        rng = self.rng
        reason = REASONS
        self.step("register", State.REGISTERED, self.received)
        roll = rng.random()
        if roll < 0.04:
            on = self.received + days(between(rng, 0, 5))
            ground, why, advice = choice(rng, DECLINES)
            if self.step("decline", State.DECLINED, on, reason=why, ground=ground, advice=advice):
                self.conclude(Outcome.DECLINED, on)
            return
        if roll < 0.05:
            on = self.received + days(between(rng, 0, 3))
            if self.step("withdraw", State.WITHDRAWN, on, reason=reason["withdraw"][0]):
                self.conclude(Outcome.WITHDRAWN, on)
            return

        accepted = self.received + days(choice(rng, (0, 0, 1, 1, 2, 3, 5)))
        if not self.step("accept", State.ACCEPTED, accepted):
            return
        self.accepted_at = accepted
        if self.channel not in COURT_CHANNELS:
            self.deadline_from = accepted
            self.deadline_days = self.body.deadline_days(self.category)

        mediator_id, user_id = choice(rng, self.body.mediators)
        track = self.body.track
        assigned = accepted + days(choice(rng, (0, 1, 1, 2, 3, 4, 6)))
        if not self.step(
            "assign", State.ASSIGNED, assigned, mediator=mediator_id, track=self.body.track
        ):
            return
        self.mediator_id, self.mediator_user_id = mediator_id, user_id
        if rng.random() < 0.03 and len(self.body.mediators) > 1:
            other = choice(rng, [m for m in self.body.mediators if m[0] != mediator_id])
            on = assigned + days(between(rng, 1, 3))
            if not self.step(
                "reassign",
                State.ASSIGNED,
                on,
                reason=choice(rng, reason["reassign"]),
                **{
                    "from": {"body": self.body.id, "mediator": mediator_id, "track": track},
                    "to": {"body": self.body.id, "mediator": other[0], "track": track},
                },
            ):
                return
            self.mediator_id, self.mediator_user_id = other

        # How the case ends and when, counted from acceptance.
        stuck = rng.random() < 0.012
        if rng.random() < 0.08:
            length = between(rng, 35, 160)
        else:
            length = 3 + int(rng.gammavariate(2.0, 9.0))
        end = max(accepted + days(length), self.day() + days(1))
        roll = rng.random()
        if roll < 0.07:
            ending = "withdraw"
        elif roll < 0.07 + 0.93 * SUCCESS_RATE[self.category]:
            ending = "success"
        else:
            ending = "failure"
        actor = self.mediator_user_id

        if ending in ("failure", "withdraw") and rng.random() < 0.08:
            pass  # ends before mediation starts (the respondent will not come, say)
        else:
            started = min(self.day() + days(between(rng, 1, 7)), end)
            if not self.step("start", State.MEDIATING, started, actor_id=actor):
                return
            if ending == "success" or (ending != "success" and rng.random() < 0.12):
                drafted = max(self.day(), end - days(between(rng, 0, 4)))
                if ending != "success":
                    drafted = max(self.day(), end - days(between(rng, 1, 6)))
                if not self.step("draft_agreement", State.AGREED, drafted, actor_id=actor):
                    return
                self.reached_agreement = True
        if stuck:
            return  # still open, long past its deadline by now

        if ending == "withdraw":
            if self.step("withdraw", State.WITHDRAWN, end, reason=reason["withdraw"][0]):
                self.conclude(Outcome.WITHDRAWN, end)
            return
        if ending == "failure":
            if not self.step(
                "fail", State.FAILED, end, actor_id=actor, reason=choice(rng, reason["fail"])
            ):
                return
            self.conclude(Outcome.FAILURE, end)
            refer = 0.7 if self.channel in COURT_CHANNELS else 0.3
            # An entrusted case's failure goes back to the trial court: it is never referred.
            if self.channel != Channel.COURT_ENTRUSTED and rng.random() < refer:
                court_id = self.court_id or choice(rng, self.maker.world.courts)[0]
                on = end + days(between(rng, 1, 10))
                if not self.step("refer_to_court", State.REFERRED, on, court=court_id):
                    return
                self.court_id = court_id
            self.maybe_close()
            return

        if not self.step("sign", State.SIGNED, end):
            return
        self.signed_at = end
        self.conclude(Outcome.SUCCESS, end)
        confirm = 0.5 if self.channel in COURT_CHANNELS else 0.12
        # An entrusted case's agreement goes back to the trial court: it is never confirmed.
        if self.channel != Channel.COURT_ENTRUSTED and rng.random() < confirm:
            court_id = self.court_id or choice(rng, self.maker.world.courts)[0]
            on = end + days(between(rng, 1, self.maker.confirmation_window - 2))
            if not self.step("apply_confirmation", State.CONFIRMING, on, court=court_id):
                return
            self.court_id = court_id
            if rng.random() < 0.05:
                return  # the court has not ruled (yet)
            on = self.day() + days(between(rng, 3, 20))
            ruling = f"({on.year}){self.maker.court_codes[court_id]}民特{between(rng, 1, 9999)}号"
            if not self.step("confirm", State.CONFIRMED, on, case_number=ruling):
                return
        self.maybe_close()

    def maybe_close(self) -> None:
        rng = self.rng
        if rng.random() >= 0.55:
            return
        if self.outcome == Outcome.SUCCESS:
            outcome = pick(rng, CLOSE_AFTER_SUCCESS)  # most agreements are performed
        else:
            outcome = str(choice(rng, CLOSE_OUTCOMES_BY_STATE[self.state]))
        on = self.day() + days(between(rng, 10, 150))
        if self.step("close", State.CLOSED, on, outcome=outcome):
            self.close_outcome = outcome
