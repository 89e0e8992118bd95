"""`generate_cases`: N realistic disputes whose fields, parties and logs agree with the
state machine (SPEC §3), the deadlines (SPEC §4) and a hand count of the rates (SPEC §6)."""

from __future__ import annotations

import datetime
import math
import re
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from mediation.cases.models import Dispute, MediationBody, Mediator, TransitionLog
from mediation.figures import stats
from mediation.kernel.choices import (
    CLOSE_OUTCOMES_BY_STATE,
    COURT_CHANNELS,
    OPEN_STATES,
    Category,
    Channel,
    CloseOutcome,
    State,
)
from parties.models import CaseParty, Party, PartyKind, PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.helpers import SPEC_TRANSITIONS

N = 400
SEED = 6
REFERENCE = re.compile(r"^GEN-(\d{4})-(\d{7})$")
# The step that concludes a case, by the outcome it gives (SPEC §6).
CONCLUDING = {"sign": "success", "fail": "failure", "withdraw": "withdrawn", "decline": "declined"}


def generate(count: int = N, *args: str) -> str:
    """Run the command (in English, whatever the default language) and answer its output."""
    out = StringIO()
    with translation.override("en"):
        call_command("generate_cases", str(count), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def generated(world: World) -> list[Dispute]:
    generate(N, "--seed", str(SEED))
    return list(Dispute.objects.select_related("body").order_by("id"))


def logs_by_dispute() -> dict[int, list[TransitionLog]]:
    steps: dict[int, list[TransitionLog]] = defaultdict(list)
    for entry in TransitionLog.objects.order_by("at", "id"):
        steps[entry.dispute_id].append(entry)
    return steps


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def test_it_makes_exactly_n_disputes_with_generated_references(generated: list[Dispute]) -> None:
    assert len(generated) == N
    years = set()
    for dispute in generated:
        match = REFERENCE.match(dispute.reference)
        assert match, dispute.reference
        assert int(match[1]) == dispute.received_at.year
        years.add(dispute.received_at.year)
    # Serials run from 1 within each year, without gaps.
    for year in years:
        serials = sorted(int(REFERENCE.match(d.reference)[2]) for d in generated
                         if d.received_at.year == year)  # fmt: skip
        assert serials == list(range(1, len(serials) + 1))


def test_states_categories_channels_and_dates_are_spread(generated: list[Dispute]) -> None:
    today = timezone.localdate()
    states = {d.state for d in generated}
    assert states <= set(State.values)
    # A realistic mix: mostly concluded, some open, some of the open ones overdue.
    assert {"mediating", "signed", "failed", "closed", "declined", "withdrawn"} <= states
    concluded = [d for d in generated if d.state not in OPEN_STATES]
    assert len(concluded) > 0.8 * N
    assert any(d.is_overdue(today) for d in generated)
    assert {d.category for d in generated} == set(Category.values)
    assert len({d.channel for d in generated}) >= 6
    assert len({d.body_id for d in generated}) >= 5
    received = [d.received_at for d in generated]
    assert min(received) >= today - datetime.timedelta(days=3 * 365)
    assert max(received) <= today
    assert max(received) - min(received) > datetime.timedelta(days=2 * 365)


def test_each_log_is_a_connected_path_ending_in_the_state(generated: list[Dispute]) -> None:
    now = timezone.now()
    logs = logs_by_dispute()
    assert set(logs) == {d.pk for d in generated}
    for dispute in generated:
        steps = logs[dispute.pk]
        first = steps[0]
        assert (first.transition, first.from_state, first.to_state) == (
            "register",
            "",
            "registered",
        )
        assert local_day(first.at) == dispute.received_at
        for before, after in pairwise(steps):
            assert after.from_state == before.to_state, dispute.reference
            sources, target = SPEC_TRANSITIONS[after.transition]
            assert after.from_state in sources and after.to_state == target, after
            assert after.at > before.at
        assert steps[-1].to_state == dispute.state, dispute.reference
        assert all(step.at <= now for step in steps)
        assert all(step.data.get("generated") is True for step in steps)


def test_fields_agree_with_the_path_taken(generated: list[Dispute]) -> None:
    logs = logs_by_dispute()
    for dispute in generated:
        steps = logs[dispute.pk]
        day = {step.transition: local_day(step.at) for step in steps}
        reached = {step.to_state for step in steps}
        ends = [CONCLUDING[s.transition] for s in steps if s.transition in CONCLUDING]
        assert len(ends) <= 1, dispute.reference
        outcome = ends[0] if ends else ""
        assert dispute.outcome == outcome, dispute.reference
        assert dispute.accepted_at == day.get("accept")
        if outcome:
            concluding = next(s for s in steps if s.transition in CONCLUDING)
            assert dispute.concluded_at == local_day(concluding.at)
        else:
            assert dispute.concluded_at is None
            assert dispute.state in OPEN_STATES
        assert dispute.signed_at == day.get("sign")
        # Amounts: agreed only for successes (zero allowed), claimed mostly.
        if outcome == "success":
            assert dispute.agreed_amount is not None and dispute.agreed_amount >= 0
            assert dispute.agreement_terms
        else:
            assert dispute.agreed_amount is None
        # Mediator from the (last) assignment, of the case's own body.
        assignments = [s for s in steps if s.transition in ("assign", "reassign")]
        if assignments:
            data = assignments[-1].data
            expected = data["mediator"] if "mediator" in data else data["to"]["mediator"]
            assert dispute.mediator_id == expected
            assert Mediator.objects.get(pk=expected).body_id == dispute.body_id
        else:
            assert dispute.mediator_id is None
        # Closing outcome only when closed, and one that fits the state it was closed from.
        if dispute.state == State.CLOSED:
            assert dispute.close_outcome in CLOSE_OUTCOMES_BY_STATE[steps[-1].from_state]
        else:
            assert dispute.close_outcome == ""
        # Courts: the delegating court, or the one the case went to.
        if dispute.channel in COURT_CHANNELS or reached & {"referred", "confirming"}:
            assert dispute.court_id is not None
        if dispute.channel in COURT_CHANNELS:
            assert dispute.court_case_number


def test_deadlines_are_set_as_the_transitions_set_them(generated: list[Dispute]) -> None:
    today = timezone.localdate()
    for dispute in generated:
        expected = Dispute(received_at=dispute.received_at)
        if dispute.channel == Channel.COURT_DELEGATED:
            expected.set_deadline(dispute.received_at, settings.FENGQIAO_DELEGATION_DEADLINE_DAYS)
        elif dispute.channel == Channel.COURT_ENTRUSTED:
            expected.set_deadline(dispute.received_at, settings.FENGQIAO_ENTRUSTMENT_DEADLINE_DAYS)
        elif dispute.accepted_at:
            days = dispute.body.deadline_days_for(dispute.category)
            expected.set_deadline(dispute.accepted_at, days)
            assert dispute.due_soon_on == dispute.accepted_at + datetime.timedelta(
                days=math.ceil(days * settings.FENGQIAO_DUE_SOON_FRACTION)
            )
        assert (dispute.deadline, dispute.due_soon_on) == (
            expected.deadline,
            expected.due_soon_on,
        ), dispute.reference
        # The mark `check_deadlines` would have set by now.
        mark = "overdue" if dispute.is_overdue(today) else ""
        mark = mark or ("due_soon" if dispute.is_due_soon(today) else "")
        assert dispute.deadline_status == mark, dispute.reference


def test_parties_two_to_four_with_roles_that_fit_the_category(generated: list[Dispute]) -> None:
    by_dispute: dict[int, list[CaseParty]] = defaultdict(list)
    for row in CaseParty.objects.select_related("party", "represents"):
        by_dispute[row.dispute_id].append(row)
    assert set(by_dispute) == {d.pk for d in generated}
    kinds_seen = set()
    for dispute in generated:
        rows = by_dispute[dispute.pk]
        roles = [row.role for row in rows]
        assert 2 <= len(rows) <= 4, dispute.reference
        assert PartyRole.APPLICANT in roles and PartyRole.RESPONDENT in roles
        for row in rows:
            if row.role in (PartyRole.AGENT, PartyRole.GUARDIAN):
                assert row.represents is not None
                assert row.represents.dispute_id == dispute.pk
                assert row.represents.role in (PartyRole.APPLICANT, PartyRole.RESPONDENT)
            else:
                assert row.represents_id is None
            if row.party.kind == PartyKind.ORGANIZATION:
                kinds_seen.add((dispute.category, row.role, row.party.organization_type))
        if dispute.category == Category.SCHOOL:
            assert PartyRole.GUARDIAN in roles
    assert ("traffic", "third_party", "insurer") in kinds_seen
    assert ("medical", "respondent", "hospital") in kinds_seen
    assert ("financial", "applicant", "bank") in kinds_seen
    assert ("school", "respondent", "school") in kinds_seen


def _hand_count(disputes: list[Dispute], today: datetime.date) -> dict[tuple, dict[str, Any]]:
    """Every figure of SPEC §6 per (category, track), read from the logs rather than the
    outcome field the rates read, so the two have to agree."""
    reached: dict[int, set[str]] = defaultdict(set)
    for entry in TransitionLog.objects.all():
        reached[entry.dispute_id].add(entry.to_state)
    rows: dict[tuple, dict[str, Any]] = {}
    durations: dict[tuple, list[float]] = defaultdict(list)
    for d in disputes:
        key = (d.category, d.track)
        row = rows.setdefault(
            key,
            {
                "accepted": 0,
                "success": 0,
                "failure": 0,
                "withdrawn": 0,
                "declined": 0,
                "open": 0,
                "overdue": 0,
                "confirmed": 0,
                "repudiated": 0,
                "zero_compensation": 0,
                "claimed_total": Decimal(0),
                "agreed": [],
            },
        )
        states = reached[d.pk]
        success = "signed" in states
        failure = "failed" in states
        row["accepted"] += "accepted" in states
        row["success"] += success
        row["failure"] += failure
        row["withdrawn"] += "withdrawn" in states
        row["declined"] += "declined" in states
        is_open = d.state in OPEN_STATES
        row["open"] += is_open
        row["overdue"] += is_open and d.deadline is not None and d.deadline < today
        row["confirmed"] += success and "confirmed" in states
        row["repudiated"] += success and d.close_outcome in (
            CloseOutcome.NOT_PERFORMED,
            CloseOutcome.COURT_FILED,
        )
        row["claimed_total"] += d.claimed_amount or 0
        if success:
            row["agreed"].append(d.agreed_amount)
            row["zero_compensation"] += d.agreed_amount == 0
        if (success or failure or "withdrawn" in states) and d.accepted_at is not None:
            durations[key].append(float((d.concluded_at - d.accepted_at).days))
    for key, row in rows.items():
        agreed = row.pop("agreed")
        row["agreed_total"] = sum(agreed, Decimal(0))
        row["agreed_max"] = max(agreed, default=None)
        row["agreed_min"] = min(agreed, default=None)
        ordered = sorted(durations[key])
        row["median_days"] = _interpolated(ordered, 0.5)
        row["p90_days"] = _interpolated(ordered, 0.9)
    return rows


def _interpolated(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def test_rates_agree_with_a_hand_count(world: World, generated: list[Dispute]) -> None:
    today = timezone.localdate()
    answer = stats.rates(world.admin, stats.RatesQuery(group_by=("category", "track")))
    expected = _hand_count(generated, today)

    got = {(row["category"], row["track"]): row for row in answer["rows"]}
    assert set(got) == set(expected)
    for key, row in expected.items():
        for name, value in row.items():
            if name.endswith("_days"):
                assert got[key][name] == pytest.approx(value), (key, name)
            else:
                assert got[key][name] == value, (key, name)
    total = answer["total"]
    assert total["success"] + total["failure"] == total["mediated"] > 0
    assert total["success"] == sum(row["success"] for row in expected.values())
    assert total["overdue"] == sum(row["overdue"] for row in expected.values()) > 0
    assert total["confirmed"] > 0 and total["zero_compensation"] > 0


def test_running_it_twice_adds_n_more_without_clashing_references(world: World) -> None:
    generate(30, "--seed", "1")
    organizations = Party.objects.filter(kind=PartyKind.ORGANIZATION).count()
    bodies = MediationBody.objects.count()
    first = set(Dispute.objects.values_list("reference", flat=True))

    output = generate(30, "--seed", "1")  # the same seed: the same cases, new references

    references = list(Dispute.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 60
    assert first < set(references)
    # Organisations and generated bodies are found again, not made twice.
    assert Party.objects.filter(kind=PartyKind.ORGANIZATION).count() == organizations
    assert MediationBody.objects.count() == bodies
    assert "30 / 30 disputes" in output and "Done in" in output


def test_references_continue_after_the_highest_generated_one(world: World) -> None:
    year = timezone.localdate().year
    f.DisputeFactory(reference=f"GEN-{year}-0000041", body=world.body)
    f.DisputeFactory(reference=f"FQ-{year}-000099", body=world.body)

    generate(40, "--since", f"{year}-01-01", "--seed", "2")

    serials = sorted(
        int(ref.rsplit("-", 1)[1])
        for ref in Dispute.objects.filter(reference__startswith=f"GEN-{year}-").values_list(
            "reference", flat=True
        )
    )
    assert serials == list(range(41, 82))


def test_existing_bodies_and_mediators_are_used_and_generated_ones_added(world: World) -> None:
    generate(200, "--seed", "4")

    with_mediators = MediationBody.objects.filter(mediators__active=True).distinct()
    assert with_mediators.count() == 8  # the world's two and six generated ones
    used = set(Dispute.objects.values_list("body_id", flat=True))
    assert world.body.pk in used and world.other_body.pk in used
    generated_mediators = Mediator.objects.filter(user__username__startswith="gen-mediator-")
    assert generated_mediators.exists()
    assert not any(m.user.is_active or m.user.has_usable_password() for m in generated_mediators)


def test_since_limits_the_received_dates(world: World) -> None:
    since = timezone.localdate() - datetime.timedelta(days=30)
    generate(50, "--since", since.isoformat(), "--seed", "3")
    assert Dispute.objects.filter(received_at__lt=since).count() == 0
    assert Dispute.objects.count() == 50


@pytest.mark.parametrize(
    "args, message",
    [
        (["0"], "positive"),
        (["5", "--since", "2024-13-01"], "YYYY-MM-DD"),
        (["5", "--since", "2999-01-01"], "after today"),
        (["5", "--chunk-size", "0"], "positive"),
    ],
)
def test_bad_arguments_are_refused(world: World, args: list[str], message: str) -> None:
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("generate_cases", *args, stdout=StringIO())
    assert not Dispute.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_small_chunks_outside_a_transaction(world: World) -> None:
    # Outside a transaction on PostgreSQL the chunks are written by other threads, each on a
    # connection of its own; chunks of 7 make several transactions, the last one short.
    output = generate(30, "--seed", "5", "--chunk-size", "7")

    assert Dispute.objects.count() == 30
    progress = [line for line in output.splitlines() if " / 30 disputes" in line]
    assert [line.split(" disputes")[0] for line in progress] == [
        f"{n} / 30" for n in (7, 14, 21, 28, 30)
    ]
    assert TransitionLog.objects.filter(transition="register").count() == 30
    assert CaseParty.objects.values("dispute").distinct().count() == 30
    references = sorted(Dispute.objects.values_list("reference", flat=True))
    assert len(set(references)) == 30
