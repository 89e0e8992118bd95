"""Deadlines of SPEC §4: set on acceptance, due soon at 80 % of the time, overdue after."""

from __future__ import annotations

import datetime

import pytest

from mediation.cases import services
from mediation.cases.models import Dispute
from mediation.kernel.choices import Channel
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World

ACCEPTED_ON = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def _accepted(world: World, **fields: object) -> Dispute:
    dispute = f.DisputeFactory(body=world.body, received_at=datetime.date(2026, 3, 1), **fields)
    f.CasePartyFactory(dispute=dispute, role=PartyRole.APPLICANT)
    f.CasePartyFactory(dispute=dispute, role=PartyRole.RESPONDENT)
    return services.take_transition(
        actor=world.clerk, dispute_id=dispute.pk, name="accept", at=ACCEPTED_ON
    )


def test_people_mediation_runs_30_days_from_acceptance(world: World) -> None:
    dispute = _accepted(world, category="family")
    start = datetime.date(2026, 3, 2)
    assert dispute.accepted_at == start
    assert dispute.deadline == start + 30 * DAY
    assert dispute.due_soon_on == start + 24 * DAY  # 80 % of 30 days


def test_the_body_can_set_a_longer_time_for_a_category(world: World) -> None:
    world.body.deadline_days_by_category = {"medical": 60}
    world.body.save()
    medical = _accepted(world, category="medical")
    traffic = _accepted(world, category="traffic")
    assert medical.deadline == datetime.date(2026, 3, 2) + 60 * DAY
    assert medical.due_soon_on == datetime.date(2026, 3, 2) + 48 * DAY
    assert traffic.deadline == datetime.date(2026, 3, 2) + 30 * DAY


@pytest.mark.parametrize(
    ("channel", "days"), [(Channel.COURT_DELEGATED, 30), (Channel.COURT_ENTRUSTED, 15)]
)
def test_court_cases_run_from_the_courts_date(world: World, channel: str, days: int) -> None:
    dispute = _accepted(
        world, channel=channel, court=world.court, court_case_number="(2026)赣0102民诉前调123号"
    )
    assert dispute.deadline == datetime.date(2026, 3, 1) + days * DAY


def test_entrustment_days_are_configurable(world: World, settings: object) -> None:
    settings.FENGQIAO_ENTRUSTMENT_DEADLINE_DAYS = 20  # type: ignore[attr-defined]
    dispute = _accepted(
        world,
        channel=Channel.COURT_ENTRUSTED,
        court=world.court,
        court_case_number="(2026)赣0102民初456号",
    )
    assert dispute.deadline == datetime.date(2026, 3, 21)


def test_due_soon_and_overdue_by_day(world: World) -> None:
    dispute = _accepted(world)  # due soon from 26 March, deadline 1 April
    states = {
        day: (dispute.is_due_soon(day), dispute.is_overdue(day))
        for day in (
            datetime.date(2026, 3, 25),
            datetime.date(2026, 3, 26),
            datetime.date(2026, 4, 1),
            datetime.date(2026, 4, 2),
        )
    }
    assert states == {
        datetime.date(2026, 3, 25): (False, False),
        datetime.date(2026, 3, 26): (True, False),
        datetime.date(2026, 4, 1): (True, False),
        datetime.date(2026, 4, 2): (False, True),
    }
    for day, (soon, overdue) in states.items():
        assert Dispute.objects.due_soon(day).filter(pk=dispute.pk).exists() is soon
        assert Dispute.objects.overdue(day).filter(pk=dispute.pk).exists() is overdue


def test_concluded_cases_are_never_overdue(world: World) -> None:
    dispute = _accepted(world)
    services.take_transition(
        actor=world.clerk, dispute_id=dispute.pk, name="withdraw", data={"reason": "和解"}
    )
    late = datetime.date(2026, 5, 1)
    dispute.refresh_from_db()
    assert not dispute.is_overdue(late)
    assert not Dispute.objects.overdue(late).filter(pk=dispute.pk).exists()


def test_reassigning_keeps_the_clock(world: World) -> None:
    dispute = _accepted(world)
    services.take_transition(
        actor=world.director,
        dispute_id=dispute.pk,
        name="assign",
        data={"mediator": world.mediator.pk},
    )
    moved = services.take_transition(
        actor=world.director,
        dispute_id=dispute.pk,
        name="reassign",
        data={"mediator": world.second_mediator.pk, "reason": "回避"},
    )
    assert moved.deadline == datetime.date(2026, 4, 1)
