"""`check_deadlines` marks due-soon and overdue cases once, lists delegations under their court as
well as their body, and changes nothing when run again."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from courts import services
from mediation.cases.models import Dispute
from mediation.kernel.choices import DeadlineStatus
from parties.models import PartyRole
from parties.services import PartyInput
from tests.conftest import World

DELEGATED_ON = datetime.date(2026, 10, 1)  # deadline 2026-10-31, due soon from 2026-10-25


def _delegate(world: World, number: int = 1) -> Dispute:
    return services.delegate(
        actor=world.court_user,
        data=services.DelegationInput(
            kind="delegation",
            court=world.court,
            body=world.body,
            case_number=f"(2026)赣0102民诉前调{number}号",
            category="financial",
            title="信用卡纠纷",
            delegated_on=DELEGATED_ON,
            parties=[
                PartyInput(role=PartyRole.APPLICANT, kind="organization", name="某银行"),
                PartyInput(role=PartyRole.RESPONDENT, kind="person", name="李娜"),
            ],
        ),
    ).dispute


def _run(day: str) -> str:
    out = StringIO()
    call_command("check_deadlines", "--date", day, stdout=out)
    return out.getvalue()


def test_marks_once_and_lists_under_court_and_body(world: World) -> None:
    case = _delegate(world)

    assert "0 newly overdue" in _run("2026-10-24")
    case.refresh_from_db()
    assert case.deadline_status == DeadlineStatus.NONE

    soon = _run("2026-10-25")
    assert "1 newly due soon" in soon and case.reference in soon
    case.refresh_from_db()
    assert (case.deadline_status, case.deadline_status_since) == (
        DeadlineStatus.DUE_SOON,
        datetime.date(2026, 10, 25),
    )

    assert "0 newly overdue" in _run("2026-10-31")  # the last day is still in time
    overdue = _run("2026-11-01")
    assert "1 newly overdue" in overdue
    assert world.court.name in overdue and world.body.name in overdue
    assert overdue.count(case.reference) == 2  # once for the court, once for the body

    again = _run("2026-11-01")
    assert "0 newly overdue" in again and case.reference not in again
    case.refresh_from_db()
    assert (case.deadline_status, case.deadline_status_since) == (
        DeadlineStatus.OVERDUE,
        datetime.date(2026, 11, 1),
    )


def test_a_concluded_case_loses_its_mark(world: World) -> None:
    case = _delegate(world)
    _run("2026-11-01")
    Dispute.objects.filter(pk=case.pk).update(state="withdrawn")
    assert "1 marks cleared" in _run("2026-11-02")
    case.refresh_from_db()
    assert case.deadline_status == DeadlineStatus.NONE and case.deadline_status_since is None


def test_a_bad_date_is_a_clear_error(db: None) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("check_deadlines", "--date", "1 Nov", stdout=StringIO())
