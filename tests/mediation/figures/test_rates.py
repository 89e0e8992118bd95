"""Rates and figures (SPEC §6, §7.1): every figure against a hand count written here."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mediation.cases.models import TransitionLog
from mediation.figures import stats
from mediation.kernel.choices import Category, CloseOutcome, Outcome, State, Track
from tests import factories as f
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MARCH = datetime.date(2026, 3, 2)
APRIL = datetime.date(2026, 4, 6)
URL = reverse("api-rates")


def case(body: Any, outcome: str = "", **fields: Any) -> Any:
    """A dispute as stored once it reached `outcome`: state, dates and outcome set by hand."""
    received = fields.pop("received_at", MARCH)
    accepted = fields.pop("accepted_at", received + datetime.timedelta(days=1))
    days = fields.pop("days", 12)
    state = {
        "": State.MEDIATING,
        Outcome.SUCCESS: State.SIGNED,
        Outcome.FAILURE: State.FAILED,
        Outcome.WITHDRAWN: State.WITHDRAWN,
        Outcome.DECLINED: State.DECLINED,
    }[outcome]
    values: dict[str, Any] = {
        "body": body,
        "state": state,
        "outcome": outcome,
        "received_at": received,
        "accepted_at": None if outcome == Outcome.DECLINED else accepted,
        "concluded_at": None if not outcome else accepted + datetime.timedelta(days=days),
        "deadline": TODAY + datetime.timedelta(days=20) if not outcome else None,
        "claimed_amount": Decimal("1000.00"),
    }
    if outcome == Outcome.DECLINED:
        values["concluded_at"] = received
    values.update(fields)
    return f.DisputeFactory(**values)


def confirmed_then_closed(body: Any, **fields: Any) -> Any:
    """A success that was judicially confirmed and later closed: only its log shows it."""
    dispute = case(body, Outcome.SUCCESS, state=State.CLOSED, **fields)
    for name, source, target in [
        ("apply_confirmation", "signed", "confirming"),
        ("confirm", "confirming", "confirmed"),
        ("close", "confirmed", "closed"),
    ]:
        TransitionLog.objects.create(
            dispute=dispute, transition=name, from_state=source, to_state=target
        )
    return dispute


@pytest.fixture
def figures(world: World) -> World:
    """The data set the hand counts below are made from.

    Body A (world.body), financial, people's track: 160 mediated, 66 success / 94 failure
    (SPEC §7.1's example); claimed 1000.00 each; agreed 200.00 × 65 and 680.52 × 1.
    Body A, medical, administrative track:
      1 success agreed 0 (zero compensation), confirmed then closed performed, claimed 5000.00
      1 success in state confirmed, agreed 50000.00, claimed 80000.00
      1 success closed not performed (repudiated), agreed 3000.00, claimed 1000.00
      1 withdrawn, 1 declined (never accepted),
      1 open and overdue (deadline yesterday), 1 open within time; claimed 1000.00 each.
    Body B (world.other_body), traffic, people's track, other_mediator:
      2 success agreed 700.00 each, 1 failure; claimed 1000.00 each.
    """
    a, b = world.body, world.other_body
    fin = {"category": Category.FINANCIAL, "track": Track.PEOPLE, "mediator": world.mediator}
    for _ in range(65):
        case(a, Outcome.SUCCESS, agreed_amount=Decimal("200.00"), **fin)
    case(a, Outcome.SUCCESS, agreed_amount=Decimal("680.52"), **fin)
    for _ in range(94):
        case(a, Outcome.FAILURE, **fin)

    med = {"category": Category.MEDICAL, "track": Track.ADMINISTRATIVE, "mediator": world.mediator}
    confirmed_then_closed(
        a,
        agreed_amount=Decimal("0.00"),
        claimed_amount=Decimal("5000.00"),
        close_outcome=CloseOutcome.PERFORMED,
        **med,
    )
    case(
        a,
        Outcome.SUCCESS,
        state=State.CONFIRMED,
        agreed_amount=Decimal("50000.00"),
        claimed_amount=Decimal("80000.00"),
        **med,
    )
    case(
        a,
        Outcome.SUCCESS,
        state=State.CLOSED,
        close_outcome=CloseOutcome.NOT_PERFORMED,
        agreed_amount=Decimal("3000.00"),
        **med,
    )
    case(a, Outcome.WITHDRAWN, **med)
    case(a, Outcome.DECLINED, **med)
    case(a, deadline=TODAY - datetime.timedelta(days=1), **med)
    case(a, **med)

    tra = {"category": Category.TRAFFIC, "track": Track.PEOPLE, "mediator": world.other_mediator}
    case(b, Outcome.SUCCESS, agreed_amount=Decimal("700.00"), **tra)
    case(b, Outcome.SUCCESS, agreed_amount=Decimal("700.00"), **tra)
    case(b, Outcome.FAILURE, **tra)
    return world


def get(user: Any, **params: str) -> Any:
    return client_for(user).get(URL, params)


def by(rows: list[dict[str, Any]], **key: Any) -> dict[str, Any]:
    [row] = [r for r in rows if all(r[k] == v for k, v in key.items())]
    return row


FINANCIAL = {
    "category": "financial",
    "accepted": 160,
    "mediated": 160,
    "success": 66,
    "failure": 94,
    "withdrawn": 0,
    "declined": 0,
    "open": 0,
    "overdue": 0,
    "success_rate": 0.4125,
    "completion_rate": 1.0,
    "confirmed": 0,
    "confirmation_rate": 0.0,
    "repudiated": 0,
    "zero_compensation": 0,
    "claimed_total": "160000.00",
    "agreed_total": "13680.52",  # 65 × 200.00 + 680.52
    "agreed_max": "680.52",
    "agreed_min": "200.00",
    "median_days": 12.0,
    "p90_days": 12.0,
}


def test_group_by_category_matches_hand_count(figures: World) -> None:
    response = get(figures.analyst, group_by="category")
    assert response.status_code == 200
    data = response.json()
    assert data["group_by"] == ["category"]
    assert data["from"] is None and data["to"] is None
    assert [r["category"] for r in data["rows"]] == ["financial", "medical", "traffic"]
    assert by(data["rows"], category="financial") == FINANCIAL

    medical = by(data["rows"], category="medical")
    assert {k: medical[k] for k in FINANCIAL if k not in ("median_days", "p90_days")} == {
        "category": "medical",
        "accepted": 6,  # all but the declined one
        "mediated": 3,
        "success": 3,
        "failure": 0,
        "withdrawn": 1,
        "declined": 1,
        "open": 2,
        "overdue": 1,
        "success_rate": 1.0,
        "completion_rate": 4 / 6,
        "confirmed": 2,  # the confirmed one and the one closed after confirmation
        "confirmation_rate": 2 / 3,
        "repudiated": 1,
        "zero_compensation": 1,
        "claimed_total": "90000.00",  # 5000 + 80000 + 1000 × 5
        "agreed_total": "53000.00",  # 0 + 50000 + 3000
        "agreed_max": "50000.00",
        "agreed_min": "0.00",
    }
    traffic = by(data["rows"], category="traffic")
    assert (traffic["success"], traffic["failure"], traffic["mediated"]) == (2, 1, 3)
    assert traffic["success_rate"] == pytest.approx(2 / 3)

    total = data["total"]
    assert "category" not in total
    assert (total["accepted"], total["success"], total["failure"]) == (169, 71, 95)
    assert total["mediated"] == 166
    assert total["success_rate"] == pytest.approx(71 / 166)
    assert total["completion_rate"] == pytest.approx((71 + 95 + 1) / 169)
    assert (total["withdrawn"], total["declined"], total["open"], total["overdue"]) == (1, 1, 2, 1)
    assert total["claimed_total"] == "253000.00"  # 160000 + 90000 + 3000
    assert total["agreed_total"] == "68080.52"  # 13680.52 + 53000 + 1400
    assert (total["agreed_max"], total["agreed_min"]) == ("50000.00", "0.00")
    assert total["zero_compensation"] == 1


def test_group_by_category_and_track(figures: World) -> None:
    data = get(figures.analyst, group_by="category,track").json()
    assert data["group_by"] == ["category", "track"]
    assert [(r["category"], r["track"]) for r in data["rows"]] == [
        ("financial", "people"),
        ("medical", "administrative"),
        ("traffic", "people"),
    ]
    assert by(data["rows"], category="financial", track="people")["success_rate"] == 0.4125


def test_group_by_body_mediator_and_region_name_them(figures: World) -> None:
    data = get(figures.analyst, group_by="body,mediator,region").json()
    other = by(data["rows"], body=figures.other_body.pk)
    assert other["body_name"] == figures.other_body.name
    assert other["mediator"] == figures.other_mediator.pk
    assert other["mediator_name"] == figures.other_mediator.display_name
    assert other["region"] == figures.other_body.region
    assert (other["success"], other["failure"]) == (2, 1)
    assert "category" not in other


def test_no_group_by_answers_the_total_as_one_row(figures: World) -> None:
    data = get(figures.analyst).json()
    assert data["group_by"] == []
    assert data["rows"] == [data["total"]]


def test_month_grouping_and_date_range(world: World) -> None:
    for _ in range(3):
        case(world.body, Outcome.SUCCESS, received_at=MARCH, agreed_amount=Decimal("10.00"))
    case(world.body, Outcome.FAILURE, received_at=datetime.date(2026, 3, 31))
    case(world.body, Outcome.FAILURE, received_at=APRIL)
    case(world.body, Outcome.SUCCESS, received_at=APRIL, agreed_amount=Decimal("10.00"))

    data = get(world.analyst, group_by="month").json()
    assert [(r["month"], r["success"], r["failure"]) for r in data["rows"]] == [
        ("2026-03", 3, 1),
        ("2026-04", 1, 1),
    ]
    assert data["rows"][0]["success_rate"] == 0.75

    # The range is inclusive at both ends and filters on received_at.
    data = get(world.analyst, group_by="month", **{"from": "2026-03-31", "to": "2026-04-06"}).json()
    assert (data["from"], data["to"]) == ("2026-03-31", "2026-04-06")
    assert [(r["month"], r["success"], r["failure"]) for r in data["rows"]] == [
        ("2026-03", 0, 1),
        ("2026-04", 1, 1),
    ]
    assert data["total"]["mediated"] == 3
    data = get(world.analyst, **{"from": "2026-04-07"}).json()
    assert data["total"]["accepted"] == 0
    assert data["total"]["success_rate"] is None
    assert data["total"]["completion_rate"] is None
    assert data["total"]["claimed_total"] == "0.00"
    assert data["total"]["agreed_max"] is None
    assert data["total"]["median_days"] is None


def test_durations_median_and_p90(world: World) -> None:
    # Days from acceptance to conclusion: 2, 4, …, 20 for financial successes and failures.
    for i, days in enumerate(range(2, 21, 2)):
        outcome = Outcome.SUCCESS if i % 2 else Outcome.FAILURE
        case(world.body, outcome, days=days, category=Category.FINANCIAL)
    case(world.body, Outcome.WITHDRAWN, days=100, category=Category.MEDICAL)
    case(world.body, Outcome.DECLINED, category=Category.MEDICAL)  # never accepted: not timed
    case(world.body, category=Category.MEDICAL)  # open: not timed

    data = get(world.analyst, group_by="category").json()
    financial = by(data["rows"], category="financial")
    # percentile_cont: median between 10 and 12; p90 at rank 0.9 × 9 = 8.1, 18 + 0.1 × 2.
    assert financial["median_days"] == pytest.approx(11.0)
    assert financial["p90_days"] == pytest.approx(18.2)
    medical = by(data["rows"], category="medical")
    assert (medical["median_days"], medical["p90_days"]) == (100.0, 100.0)
    # All eleven: 2, 4, …, 20, 100 → median 12; p90 at rank 9: 20.
    assert data["total"]["median_days"] == pytest.approx(12.0)
    assert data["total"]["p90_days"] == pytest.approx(20.0)


def test_percentile_cont_in_python_matches_the_definition() -> None:
    assert stats.percentile_cont([], 0.5) is None
    assert stats.percentile_cont([7.0], 0.9) == 7.0
    assert stats.percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert stats.percentile_cont([10.0, 20.0], 0.9) == pytest.approx(19.0)


def test_confirmation_denied_is_no_longer_a_success(world: World) -> None:
    # deny_confirmation clears the outcome: the case is back in mediation, open.
    dispute = case(world.body, state=State.MEDIATING)
    TransitionLog.objects.create(
        dispute=dispute, transition="sign", from_state="agreed", to_state="signed"
    )
    total = get(world.analyst).json()["total"]
    assert (total["success"], total["open"], total["mediated"]) == (0, 1, 0)


def test_director_sees_only_own_body(figures: World) -> None:
    for user in (figures.director, figures.clerk, figures.mediator.user):
        data = get(user, group_by="body").json()
        assert [r["body"] for r in data["rows"]] == [figures.body.pk]
        assert data["total"]["success"] == 69  # 66 financial + 3 medical
    data = get(figures.other_director, group_by="category").json()
    assert [r["category"] for r in data["rows"]] == ["traffic"]
    assert data["total"]["mediated"] == 3


def test_analyst_and_superuser_see_every_body(figures: World) -> None:
    for user in (figures.analyst, figures.admin):
        data = get(user, group_by="body").json()
        assert [r["body"] for r in data["rows"]] == sorted([figures.body.pk, figures.other_body.pk])
        assert data["total"]["mediated"] == 166


def test_courts_parties_and_strangers_are_refused(world: World) -> None:
    for user in (world.court_user, world.party_user, f.UserFactory()):
        assert get(user).status_code == 403
    assert get(None).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "category,colour"}, "group_by"),
        ({"group_by": "state"}, "group_by"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "from"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
    ],
)
def test_bad_input_is_400(world: World, params: dict[str, str], field: str) -> None:
    response = get(world.analyst, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_group_by_names_the_field(world: World) -> None:
    response = get(world.analyst, group_by="category,colour")
    assert "colour" in response.json()["group_by"][0]


def test_query_count_does_not_depend_on_the_number_of_disputes(world: World) -> None:
    def count() -> int:
        user = f.UserFactory(roles=[], is_superuser=True)  # a fresh user: scope not cached
        with CaptureQueriesContext(connection) as queries:
            response = get(user, group_by="category,track,body,mediator,court,channel,month")
        assert response.status_code == 200
        # Summed from the kept figures: no query reads the disputes' table but the open cases'.
        reading_disputes = [q["sql"] for q in queries if '"mediation_dispute"' in q["sql"]]
        assert len(reading_disputes) == 1 and "overdue" in reading_disputes[0].lower()
        return len(queries)

    case(world.body, Outcome.SUCCESS, agreed_amount=Decimal("1.00"))
    few = count()
    for i in range(30):
        case(
            world.other_body if i % 2 else world.body,
            [Outcome.SUCCESS, Outcome.FAILURE, Outcome.WITHDRAWN, ""][i % 4],
            category=list(Category)[i % 5],
            mediator=world.other_mediator if i % 3 else None,
            received_at=MARCH + datetime.timedelta(days=i * 3),
        )
    assert count() == few
    # Scope (1), the kept figures, their durations, overdue from the open cases.
    assert few == 4


def test_empty_parameters_mean_no_limit(figures: World) -> None:
    # SPEC §7 writes the URL as `?group_by=category,track&from=&to=`.
    response = get(figures.analyst, group_by="category,track", **{"from": "", "to": ""})
    assert response.status_code == 200
    data = response.json()
    assert (data["from"], data["to"]) == (None, None)
    assert data["total"]["mediated"] == 166
