"""The figures kept per slice (`mediation.figures.kept`) stay equal to a recount, whatever happens.

`figures.differences()` recounts every dispute and compares; the rates read from the kept rows are
also checked against a count done here in Python, case by case, on random data and random ranges.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import random
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, connections
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courts.models import Referral
from mediation.cases import services
from mediation.cases.models import Dispute, TransitionLog
from mediation.figures import kept as figures
from mediation.figures import stats
from mediation.figures.models import FigureDays, FigureSlice
from mediation.kernel.choices import (
    OPEN_STATES,
    Category,
    Channel,
    CloseOutcome,
    Outcome,
    State,
    Track,
)
from tests import factories as f
from tests.conftest import World, needs_postgresql
from tests.mediation.helpers import SPEC_TRANSITIONS, dispute_in, right_actor, valid_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def assert_exact() -> None:
    assert figures.differences() == []


# --- kept through every way a dispute changes ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "source"),
    [
        (name, source)
        for name, (sources, _target) in SPEC_TRANSITIONS.items()
        # Sorted: a set's order differs between processes, and parallel workers must collect
        # the same tests.
        for source in sorted(sources)
        # `sign` fires on the last signature: tests/documents/test_signatures.py checks it.
        if name != "sign"
    ],
)
def test_every_transition_keeps_the_figures_exact(world: World, name: str, source: str) -> None:
    dispute = dispute_in(world, source, received_at=TODAY.replace(day=1))
    dispute_in(world, "mediating", received_at=TODAY.replace(day=1))  # a neighbour in its slice
    assert_exact()
    _take(world, dispute, name)  # and checks again


def _take(world: World, dispute: Dispute, name: str) -> None:
    state = Dispute.objects.get(pk=dispute.pk).state
    actor = right_actor(world, name)
    services.take_transition(
        actor=actor,
        dispute_id=dispute.pk,
        name=name,
        data=valid_data(world, name, state),
        system=actor is None,
    )
    assert_exact()


def _total(world: World) -> dict[str, Any]:
    return stats.rates(world.analyst, stats.RatesQuery())["total"]


def test_cases_carried_to_their_end_count_at_each_step(world: World) -> None:
    failing = dispute_in(world, "registered", mediator=None, accepted_at=None, court=None)
    assert (_total(world)["open"], _total(world)["accepted"]) == (1, 0)
    for name in ["accept", "assign", "start", "fail", "refer_to_court"]:
        _take(world, failing, name)
    total = _total(world)
    assert (total["open"], total["accepted"], total["failure"], total["mediated"]) == (0, 1, 1, 1)

    confirmed = dispute_in(world, "signed", agreed_amount=Decimal("3000.00"))
    _take(world, confirmed, "apply_confirmation")
    Referral.objects.filter(dispute=confirmed).update(state="received")  # the court has it
    _take(world, confirmed, "confirm")
    assert _total(world)["confirmed"] == 1
    _take(world, confirmed, "close")
    total = _total(world)
    assert (total["success"], total["confirmed"], total["agreed_max"]) == (1, 1, Decimal("3000"))
    assert total["success_rate"] == 0.5


def test_a_case_moved_to_another_body_leaves_its_old_slice(world: World) -> None:
    dispute = dispute_in(world, "registered", mediator=None, accepted_at=None)
    old_key = figures.slice_key(dispute.slice_dims())
    assert FigureSlice.objects.filter(key=old_key, open=1).exists()

    # Received another month, another category: corrected before acceptance, as a clerk may.
    services.update_dispute(
        actor=world.director,
        dispute_id=dispute.pk,
        changes={"received_at": TODAY - datetime.timedelta(days=70), "category": "medical"},
    )
    assert not FigureSlice.objects.filter(key=old_key).exists()
    assert_exact()

    # And a body nobody in the service layer can move it to: an administrator's raw edit.
    moved = Dispute.objects.get(pk=dispute.pk)
    moved.body = world.other_body
    moved.save()
    assert FigureSlice.objects.get(body=world.other_body).open == 1
    assert not FigureSlice.objects.filter(body=world.body).exists()
    assert_exact()


def test_a_case_saved_without_all_its_fields_read_still_leaves_its_old_slice(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    partial = Dispute.objects.only("id", "category").get(pk=dispute.pk)
    partial.category = Category.FAMILY
    partial.save(update_fields=["category"])
    assert_exact()
    assert set(FigureSlice.objects.values_list("category", flat=True)) == {"family"}


def test_a_save_of_fields_nothing_counts_leaves_the_figures_alone(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    dispute.deadline += datetime.timedelta(days=30)  # an extension: overdue is counted live
    with CaptureQueriesContext(connection) as saving:
        dispute.save(update_fields=["deadline", "updated_at"])
    assert [q["sql"] for q in saving if "figure" in q["sql"]] == []
    dispute.agreed_amount = Decimal("10.00")
    with CaptureQueriesContext(connection) as saving:
        dispute.save(update_fields=["agreed_amount", "updated_at"])
    assert [q["sql"] for q in saving if "figure" in q["sql"]] != []
    assert_exact()


def test_deleting_a_case_takes_it_out(world: World) -> None:
    dispute = f.DisputeFactory(body=world.body)
    assert FigureSlice.objects.get().open == 1
    dispute.delete()
    assert not FigureSlice.objects.exists()
    assert_exact()


def test_a_confirmation_known_only_from_the_log_counts(world: World) -> None:
    # Closed after confirmation: only the log says it was confirmed, and the log came later.
    dispute = dispute_in(world, "closed", close_outcome=CloseOutcome.PERFORMED)
    assert FigureSlice.objects.get().confirmed == 0
    TransitionLog.objects.create(
        dispute=dispute, transition="confirm", from_state="confirming", to_state="confirmed"
    )
    assert FigureSlice.objects.get().confirmed == 1
    assert_exact()


def test_imported_conclusions_and_ledgers_are_counted(world: World, tmp_path: Any) -> None:
    dispute = dispute_in(world, "mediating")
    services.record_imported_conclusion(
        actor=world.admin,
        dispute_id=dispute.pk,
        state=State.SIGNED,
        concluded_at=TODAY,
        source="纸质台账",
        agreed_amount=Decimal("800.00"),
    )
    assert FigureSlice.objects.get().success == 1
    ledger = tmp_path / "ledger.csv"
    header = "reference,category,track,body,mediator,channel,received,accepted,concluded,outcome"
    b = world.body.name
    ledger.write_text(
        f"{header},claimed,agreed,parties\n"
        f"L-1,traffic,people,{b},,walk_in,2026-01-05,2026-01-06,2026-01-20,success,900,500,申请人:甲\n"
        f"L-2,traffic,people,{b},,walk_in,2026-01-07,2026-01-08,2026-02-20,failure,900,,申请人:丙\n"
        f"L-3,medical,people,{b},,hotline,2025-12-07,,,open,100,,申请人:戊\n",
        encoding="utf-8",
    )
    call_command("import_ledger", str(ledger), stdout=io.StringIO())
    assert Dispute.objects.count() == 4
    assert_exact()
    january = FigureSlice.objects.get(month=datetime.date(2026, 1, 1))
    assert (january.success, january.failure, january.agreed_max) == (1, 1, Decimal("500.00"))
    assert sorted(FigureDays.objects.filter(month=january.month).values_list("days", "cases")) == [
        (14, 1),
        (43, 1),
    ]


@contextlib.contextmanager
def _no_signals() -> Iterator[None]:
    """Disputes written without the figures seeing them, as bulk writers write them."""
    post_save.disconnect(sender=Dispute, dispatch_uid="figures.after_save")
    try:
        yield
    finally:
        figures.connect()


def test_adding_to_a_slice_that_counts_others_keeps_max_min_and_durations(world: World) -> None:
    march = datetime.date(2026, 3, 2)
    common = {"body": world.body, "received_at": march, "accepted_at": march, "state": "signed"}
    common["outcome"] = Outcome.SUCCESS
    f.DisputeFactory(**common, agreed_amount=Decimal("50"), concluded_at=march.replace(day=12))
    assert_exact()
    # Written behind save()'s back, as the importer and the generator do, then added.
    with _no_signals():
        new = [
            f.DisputeFactory(**common, agreed_amount=Decimal(a), concluded_at=march.replace(day=d))
            for a, d in [("20", 12), ("90", 22)]
        ]
    figures.add_new([d.pk for d in new])
    assert_exact()
    kept = FigureSlice.objects.get()
    assert (kept.success, kept.agreed_min, kept.agreed_max) == (3, Decimal("20"), Decimal("90"))
    assert kept.agreed_total == Decimal("160")
    assert dict(FigureDays.objects.values_list("days", "cases")) == {10: 2, 20: 1}


def test_adding_many_in_batches_the_database_accepts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite takes the ids in lists of `_SQLITE_IDS`; PostgreSQL in one array. Either way
    every new case is added once."""
    monkeypatch.setattr(figures, "_SQLITE_IDS", 2)
    with _no_signals():
        new = [
            f.DisputeFactory(body=world.body, received_at=datetime.date(2026, 3, day))
            for day in range(1, 6)
        ]
    figures.add_new([d.pk for d in new])
    assert_exact()
    assert FigureSlice.objects.get().open == 5


def test_rebuild_and_the_command(world: World) -> None:
    dispute_in(world, "mediating")
    dispute_in(world, "failed", outcome=Outcome.FAILURE, concluded_at=TODAY)
    FigureSlice.objects.update(open=7)
    FigureDays.objects.all().delete()
    assert len(figures.differences()) == 2

    out = io.StringIO()
    with pytest.raises(CommandError, match="2"):
        call_command("rebuild_figures", "--check", stdout=out)
    assert "open 7 should be 1" in out.getvalue()
    call_command("rebuild_figures", stdout=io.StringIO())
    assert_exact()
    call_command("rebuild_figures", "--check", stdout=io.StringIO())  # no error now


def test_a_database_migrated_with_cases_but_no_figures_gets_them(world: World) -> None:
    dispute_in(world, "mediating")
    FigureSlice.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert_exact()


# --- rates from the kept rows equal a count case by case -----------------------------------------


def hand_count(disputes: list[Dispute], keys: list[str], today: datetime.date) -> dict:
    """Every figure of SPEC §6 counted in Python, one case at a time."""
    confirmed_ids = set(
        TransitionLog.objects.filter(to_state=State.CONFIRMED).values_list("dispute_id", flat=True)
    )
    rows: dict[tuple, Any] = {}
    agreed: dict[tuple, list[Decimal]] = defaultdict(list)
    durations: dict[tuple, list[float]] = defaultdict(list)
    for d in disputes:
        value = {
            "category": d.category,
            "track": d.track,
            "body": d.body_id,
            "mediator": d.mediator_id,
            "court": d.court_id,
            "channel": d.channel,
            "month": f"{d.received_at:%Y-%m}",
        }
        ident = tuple(value[k] for k in keys)
        row = rows.setdefault(ident, Counter())
        success = d.outcome == Outcome.SUCCESS
        row["accepted"] += d.accepted_at is not None
        row["success"] += success
        row["failure"] += d.outcome == Outcome.FAILURE
        row["withdrawn"] += d.outcome == Outcome.WITHDRAWN
        row["declined"] += d.outcome == Outcome.DECLINED
        row["open"] += d.state in OPEN_STATES
        row["overdue"] += d.state in OPEN_STATES and d.deadline is not None and d.deadline < today
        row["confirmed"] += success and (d.state == State.CONFIRMED or d.pk in confirmed_ids)
        row["claimed_total"] += d.claimed_amount or 0
        if success:
            row["agreed_total"] += d.agreed_amount or 0
            row["zero_compensation"] += d.agreed_amount == 0
            if d.agreed_amount is not None:
                agreed[ident].append(d.agreed_amount)
        timed = d.outcome in (Outcome.SUCCESS, Outcome.FAILURE, Outcome.WITHDRAWN)
        if timed and d.accepted_at and d.concluded_at:
            durations[ident].append(float((d.concluded_at - d.accepted_at).days))
    for ident, row in rows.items():
        row["agreed_max"] = max(agreed[ident], default=None)
        row["agreed_min"] = min(agreed[ident], default=None)
        days = sorted(durations[ident])
        row["median_days"] = stats.percentile_cont(days, 0.5)
        row["p90_days"] = stats.percentile_cont(days, 0.9)
    return rows


FIGURES = [
    "accepted", "success", "failure", "withdrawn", "declined", "open", "overdue", "confirmed",
    "zero_compensation", "claimed_total", "agreed_total", "agreed_max", "agreed_min",
    "median_days", "p90_days",
]  # fmt: skip


def random_cases(world: World, rng: random.Random, count: int) -> None:
    bodies = [
        (world.body, [world.mediator, world.second_mediator, None]),
        (world.other_body, [world.other_mediator]),
    ]
    for _ in range(count):
        body, mediators = rng.choice(bodies)
        received = datetime.date(2025, 11, 1) + datetime.timedelta(days=rng.randrange(150))
        outcome = rng.choice(
            [
                "",
                "",
                Outcome.SUCCESS,
                Outcome.SUCCESS,
                Outcome.FAILURE,
                Outcome.WITHDRAWN,
                Outcome.DECLINED,
            ]
        )
        accepted = (
            None
            if outcome == Outcome.DECLINED or rng.random() < 0.1
            else received + datetime.timedelta(days=rng.randrange(3))
        )
        state = {
            "": rng.choice(["registered", "accepted", "mediating"]),
            Outcome.SUCCESS: rng.choice(["signed", "confirmed", "closed"]),
            Outcome.FAILURE: rng.choice(["failed", "referred"]),
            Outcome.WITHDRAWN: "withdrawn",
            Outcome.DECLINED: "declined",
        }[outcome]
        dispute = f.DisputeFactory(
            body=body,
            mediator=rng.choice(mediators),
            court=rng.choice([None, None, world.court]),
            category=rng.choice(list(Category)),
            track=rng.choice(list(Track)),
            channel=rng.choice(list(Channel)),
            received_at=received,
            accepted_at=accepted,
            concluded_at=(accepted or received) + datetime.timedelta(days=rng.randrange(60))
            if outcome
            else None,
            outcome=outcome,
            state=state,
            deadline=received + datetime.timedelta(days=rng.randrange(20, 90)),
            claimed_amount=rng.choice([None, Decimal(rng.randrange(0, 90000)) / 100]),
            agreed_amount=rng.choice([Decimal("0"), Decimal(rng.randrange(1, 90000)) / 100])
            if outcome == Outcome.SUCCESS
            else None,
        )
        if state == "closed" and rng.random() < 0.5:
            TransitionLog.objects.create(
                dispute=dispute, transition="confirm", from_state="confirming", to_state="confirmed"
            )


@pytest.mark.parametrize("seed", [1, 2])
def test_rates_equal_a_hand_count_for_random_cases_groupings_and_ranges(
    world: World, seed: int
) -> None:
    rng = random.Random(seed)
    random_cases(world, rng, 120)
    assert_exact()
    today = datetime.date(2026, 2, 10)
    groupings = [[], ["category"], ["track", "body"], ["mediator", "month"], ["court", "channel"]]
    ranges = [
        (None, None),
        (datetime.date(2025, 12, 1), datetime.date(2026, 1, 31)),  # whole months only
        (datetime.date(2025, 12, 9), None),  # odd days, then whole months
        (None, datetime.date(2026, 1, 17)),
        (datetime.date(2025, 12, 9), datetime.date(2026, 2, 3)),  # odd days at both ends
        (datetime.date(2026, 1, 4), datetime.date(2026, 1, 25)),  # inside one month
        (datetime.date(2026, 1, 31), datetime.date(2026, 2, 1)),
    ]
    for group_by in groupings:
        for start, end in ranges:
            disputes = [
                d
                for d in Dispute.objects.all()
                if (start is None or d.received_at >= start)
                and (end is None or d.received_at <= end)
            ]
            expected = hand_count(disputes, group_by, today)
            result = stats.rates(
                world.analyst, stats.RatesQuery(tuple(group_by), start, end), today=today
            )
            got = {tuple(row[k] for k in group_by): row for row in result["rows"]}
            if not group_by and not disputes:
                expected = {(): Counter()}
            assert got.keys() == expected.keys(), (group_by, start, end)
            for ident, want in expected.items():
                for name in FIGURES:
                    have = got[ident][name]
                    wanted = want.get(
                        name,
                        0
                        if name not in ("agreed_max", "agreed_min", "median_days", "p90_days")
                        else None,
                    )
                    if isinstance(have, float):
                        assert have == pytest.approx(wanted), (group_by, start, end, ident, name)
                    else:
                        assert have == wanted, (group_by, start, end, ident, name)


def test_split_range_cuts_whole_months_from_odd_days() -> None:
    d = datetime.date
    whole = stats.split_range(d(2026, 1, 1), d(2026, 3, 31))
    assert (whole.months_from, whole.months_until, whole.days) == (
        d(2026, 1, 1),
        d(2026, 4, 1),
        None,
    )
    odd = stats.split_range(d(2026, 1, 15), d(2026, 3, 10))
    assert (odd.months_from, odd.months_until) == (d(2026, 2, 1), d(2026, 3, 1))
    assert odd.days is not None and odd.any_months
    inside = stats.split_range(d(2026, 1, 15), d(2026, 1, 20))
    assert not inside.any_months and inside.days is not None
    december = stats.split_range(d(2025, 12, 31), d(2026, 1, 31))
    assert (december.months_from, december.months_until) == (d(2026, 1, 1), d(2026, 2, 1))
    assert stats.split_range(None, None) == stats.SplitRange(None, None, None, any_months=True)


def test_percentile_of_counts_is_percentile_cont_of_the_listed_values() -> None:
    rng = random.Random(7)
    for _ in range(200):
        values = [rng.randrange(40) for _ in range(rng.randrange(1, 30))]
        for fraction in (0.5, 0.9):
            listed = stats.percentile_cont(sorted(float(v) for v in values), fraction)
            assert stats.percentile_of_counts(Counter(values), fraction) == pytest.approx(listed)
    assert stats.percentile_of_counts(Counter(), 0.5) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="fillfactor is PostgreSQL's")
def test_figure_tables_leave_room_on_each_page_for_updates_in_place() -> None:
    # Every transition adds to a figure row: with room on its page PostgreSQL updates it there
    # (HOT) instead of writing a new entry in each of the table's six indexes (migration 0014).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
            [[FigureSlice._meta.db_table, FigureDays._meta.db_table]],
        )
        options = dict(cursor.fetchall())
    assert options == {
        FigureSlice._meta.db_table: ["fillfactor=70"],
        FigureDays._meta.db_table: ["fillfactor=70"],
    }


# --- concurrent writers on one slice (PostgreSQL) -------------------------------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_in_one_slice_keep_it_exact(world: World) -> None:
    # Eight cases of one slice, each failed by its own thread at the same moment: every
    # recount must see the others' commits, or the slice would keep a stale count.
    cases = [dispute_in(world, "mediating", received_at=TODAY.replace(day=1)) for _ in range(8)]
    assert FigureSlice.objects.get().open == 8
    barrier = threading.Barrier(len(cases))
    errors: list[BaseException] = []

    def fail(dispute_id: int) -> None:
        try:
            barrier.wait()
            services.take_transition(
                actor=world.mediator.user,
                dispute_id=dispute_id,
                name="fail",
                data={"reason": "无果"},
            )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fail, args=(c.pk,)) for c in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    kept = FigureSlice.objects.get()
    assert (kept.open, kept.failure) == (0, 8)
    assert_exact()
