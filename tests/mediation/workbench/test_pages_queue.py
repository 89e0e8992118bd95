"""The workbench queue (/cases/): tabs, filters, sorting, deadlines, paging, its cost in queries
and the mediator's calendar feed. Driven in English; cases are built with `dispute_in`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mediation.cases.models import Dispute
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.workbench.helpers import QUEUE, case, days, html, listed, row_classes, web

# --- the queue -----------------------------------------------------------------------------------


@pytest.fixture
def queue_cases(world: World) -> dict[str, Dispute]:
    """One case per kind of queue row, plus one of another body."""
    return {
        "mine": case(world, "mediating", "FQ-MINE"),
        "mine_overdue": case(
            world, "assigned", "FQ-MINE-LATE", deadline=days(-1), due_soon_on=days(-10)
        ),
        "mine_due_soon": case(
            world, "mediating", "FQ-MINE-SOON", deadline=days(3), due_soon_on=days(-1)
        ),
        "colleagues": case(world, "mediating", "FQ-COLLEAGUE", mediator=world.second_mediator),
        "new": case(world, "registered", "FQ-NEW", mediator=None, deadline=None, due_soon_on=None),
        "accepted": case(world, "accepted", "FQ-ACCEPTED", mediator=None),
        "agreed": case(world, "agreed", "FQ-AGREED", mediator=world.second_mediator),
        "closed_late": case(
            world, "closed", "FQ-CLOSED", deadline=days(-30), due_soon_on=days(-40)
        ),
        "theirs": case(
            world, "mediating", "FQ-THEIRS", body=world.other_body, mediator=world.other_mediator
        ),
    }


def medical_case(world: World) -> Dispute:
    """An unassigned medical case that differs from `queue_cases` in every filter."""
    return case(
        world,
        "registered",
        "FQ-MED",
        mediator=None,
        category="medical",
        channel="institution",
        track="administrative",
        title="术后感染赔偿",
        received_at=days(-40),
    )


def tab_count(answer: Any, tab: str) -> int | None:
    """The count a queue page shows beside a tab's name."""
    found = re.search(
        rf'data-tab="{tab}">\s*<a[^>]*>[^<]*</a> <span class="count">\((\d+)\)', html(answer)
    )
    return int(found.group(1)) if found else None


def test_a_mediators_queue_opens_on_their_own_open_cases(
    world: World, queue_cases: dict[str, Dispute]
) -> None:
    answer = web(world.mediator).get(QUEUE)

    assert answer.status_code == 200
    assert set(listed(answer)) == {"FQ-MINE", "FQ-MINE-LATE", "FQ-MINE-SOON"}
    # Sorted by deadline: the overdue one first.
    assert listed(answer) == ["FQ-MINE-LATE", "FQ-MINE-SOON", "FQ-MINE"]
    # Mediators do not distribute cases: no unassigned tab, and asking for it is bad input.
    assert 'data-tab="unassigned"' not in html(answer)
    assert web(world.mediator).get(QUEUE + "?tab=unassigned").status_code == 400


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("unassigned", {"FQ-NEW", "FQ-ACCEPTED"}),
        ("overdue", {"FQ-MINE-LATE"}),
        ("due_soon", {"FQ-MINE-SOON"}),
        ("agreed", {"FQ-AGREED"}),
        (
            "open",
            {"FQ-MINE", "FQ-MINE-LATE", "FQ-MINE-SOON", "FQ-COLLEAGUE", "FQ-NEW", "FQ-ACCEPTED"}
            | {"FQ-AGREED"},
        ),
        (
            "all",
            {"FQ-MINE", "FQ-MINE-LATE", "FQ-MINE-SOON", "FQ-COLLEAGUE", "FQ-NEW", "FQ-ACCEPTED"}
            | {"FQ-AGREED", "FQ-CLOSED"},
        ),
    ],
)
def test_queue_tabs_list_the_right_cases(
    world: World, queue_cases: dict[str, Dispute], tab: str, expected: set[str]
) -> None:
    answer = web(world.director).get(QUEUE, {"tab": tab})

    assert answer.status_code == 200
    assert set(listed(answer)) == expected
    # The tab's count agrees with its list.
    assert tab_count(answer, tab) == len(expected)


def test_a_directors_queue_opens_on_the_unassigned_cases(
    world: World, queue_cases: dict[str, Dispute]
) -> None:
    assert set(listed(web(world.clerk).get(QUEUE))) == {"FQ-NEW", "FQ-ACCEPTED"}


def test_deadlines_are_marked_with_a_class_and_a_word(
    world: World, queue_cases: dict[str, Dispute]
) -> None:
    answer = web(world.mediator).get(QUEUE)
    classes = row_classes(answer)

    assert classes["FQ-MINE-LATE"].split() == ["case", "overdue"]
    assert classes["FQ-MINE-SOON"].split() == ["case", "due-soon"]
    assert classes["FQ-MINE"].split() == ["case"]
    rows = dict(re.findall(r'data-case="([^"]+)">(.*?)</tr>', html(answer), flags=re.S))
    assert '<span class="badge overdue">Overdue</span>' in rows["FQ-MINE-LATE"]
    assert '<span class="badge due-soon">Due soon</span>' in rows["FQ-MINE-SOON"]
    assert "badge overdue" not in rows["FQ-MINE"] and "badge due-soon" not in rows["FQ-MINE"]
    # A concluded case past its old deadline is not overdue.
    all_classes = row_classes(web(world.director).get(QUEUE, {"tab": "all"}))
    assert all_classes["FQ-CLOSED"].split() == ["case"]


def test_queue_filters(world: World, queue_cases: dict[str, Dispute]) -> None:
    medical = medical_case(world)
    insurer = f.OrganizationFactory(name="某财产保险股份有限公司南昌分公司")
    f.CasePartyFactory(dispute=medical, party=insurer, role=PartyRole.THIRD_PARTY)
    client = web(world.director)

    def refs(**params: str) -> set[str]:
        answer = client.get(QUEUE, {"tab": "all", **params})
        assert answer.status_code == 200, params
        return set(listed(answer))

    assert refs(category="medical") == {"FQ-MED"}
    assert refs(channel="institution") == {"FQ-MED"}
    assert refs(track="administrative") == {"FQ-MED"}
    assert refs(state="agreed") == {"FQ-AGREED"}
    assert refs(state="registered") == {"FQ-NEW", "FQ-MED"}
    assert refs(q="术后") == {"FQ-MED"}
    assert refs(q="fq-med") == {"FQ-MED"}
    assert refs(q="南昌分公司") == {"FQ-MED"}
    assert refs(received_to=str(days(-30))) == {"FQ-MED"}
    assert "FQ-MED" not in refs(received_from=str(days(-30)))
    assert refs(mediator=str(world.second_mediator.pk)) == {"FQ-COLLEAGUE", "FQ-AGREED"}
    assert refs(state="registered", category="traffic") == {"FQ-NEW"}
    # Filters combine with the tab.
    assert set(listed(client.get(QUEUE, {"tab": "unassigned", "category": "medical"}))) == {
        "FQ-MED"
    }


@pytest.mark.parametrize(
    ("viewer", "params", "kept"),
    [
        ("director", {}, True),
        ("director", {"category": "medical"}, True),
        ("director", {"channel": "institution", "track": "administrative"}, True),
        ("director", {"mediator": "second", "category": "traffic"}, True),
        ("director", {"state": "registered"}, False),
        ("director", {"q": "术后"}, False),
        ("director", {"received_from": "-50"}, False),
        ("admin", {}, True),
        ("admin", {"category": "traffic"}, True),
    ],
)
def test_the_all_tabs_count_is_its_lists_and_comes_from_the_kept_figures_when_it_can(
    world: World, queue_cases: dict[str, Dispute], viewer: str, params: dict[str, str], kept: bool
) -> None:
    """A body's "all" count is read from the kept figures when every filter is a slice's
    dimension (a body's whole history counted at every visit, otherwise); either way it is the
    length of the list."""
    medical_case(world)
    if params.get("mediator") == "second":
        params = {**params, "mediator": str(world.second_mediator.pk)}
    if "received_from" in params:
        params = {**params, "received_from": str(days(int(params["received_from"])))}
    client = web(world.admin if viewer == "admin" else world.director)
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(QUEUE, {"tab": "all", **params})
    assert answer.status_code == 200
    assert tab_count(answer, "all") == len(listed(answer)) > 0
    read_kept = any("mediation_figureslice" in q["sql"] for q in captured.captured_queries)
    assert read_kept == kept


def test_bad_filters_are_400_with_the_error_next_to_the_field(world: World) -> None:
    answer = web(world.director).get(QUEUE, {"received_from": "yesterday", "state": "nonsense"})

    assert answer.status_code == 400
    assert "Enter a valid date." in html(answer)
    assert 'value="yesterday"' in html(answer)
    answer = web(world.director).get(
        QUEUE, {"received_from": str(days(-1)), "received_to": str(days(-5))}
    )
    assert answer.status_code == 400
    assert "The end of the range is before its start." in html(answer)


def test_queue_sorting(world: World) -> None:
    case(world, "mediating", "FQ-B", deadline=days(5), received_at=days(-3))
    case(world, "registered", "FQ-C", deadline=days(20), received_at=days(-1), mediator=None)
    case(world, "agreed", "FQ-A", deadline=days(10), received_at=days(-2))
    client = web(world.director)

    def order(sort: str) -> list[str]:
        return listed(client.get(QUEUE, {"tab": "all", "sort": sort}))

    assert order("reference") == ["FQ-A", "FQ-B", "FQ-C"]
    assert order("-reference") == ["FQ-C", "FQ-B", "FQ-A"]
    assert order("deadline") == ["FQ-B", "FQ-A", "FQ-C"]
    assert order("-deadline") == ["FQ-C", "FQ-A", "FQ-B"]
    assert order("received") == ["FQ-B", "FQ-A", "FQ-C"]
    assert order("-received") == ["FQ-C", "FQ-A", "FQ-B"]
    # By state in the order of the lifecycle: registered, mediating, agreed.
    assert order("state") == ["FQ-C", "FQ-B", "FQ-A"]
    assert order("-state") == ["FQ-A", "FQ-B", "FQ-C"]
    answer = client.get(QUEUE, {"tab": "all", "sort": "reference"})
    assert re.search(
        r'<th scope="col" aria-sort="ascending"><a href="\?[^"]*sort=-reference', html(answer)
    )


def test_rows_show_parties_names_but_no_personal_numbers(world: World) -> None:
    dispute = case(world, "mediating", "FQ-ROW")
    applicant = world.party
    answer = web(world.director).get(QUEUE, {"tab": "all"})

    row = re.search(r'data-case="FQ-ROW">(.*?)</tr>', html(answer), flags=re.S)
    assert row is not None
    assert applicant.name in row.group(1)
    for cp in dispute.case_parties.select_related("party"):
        assert cp.party.name in row.group(1)
        assert cp.party.id_number not in html(answer)
        assert cp.party.phone not in html(answer)


def test_the_queue_is_paginated_by_25(world: World) -> None:
    for n in range(30):
        case(world, "mediating", f"FQ-P-{n:02d}")
    client = web(world.director)

    first = client.get(QUEUE, {"tab": "all", "sort": "reference"})
    second = client.get(QUEUE, {"tab": "all", "sort": "reference", "page": "2"})

    assert len(listed(first)) == 25
    assert listed(second) == [f"FQ-P-{n:02d}" for n in range(25, 30)]
    assert "Page 2 of 2" in html(second)


def test_the_queue_costs_the_same_queries_for_more_rows(world: World) -> None:
    def queries() -> int:
        client = web(world.director)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE, {"tab": "all"}).status_code == 200
        return len(captured)

    for n in range(2):
        case(world, "mediating", f"FQ-Q-{n}")
    few = queries()
    for n in range(2, 14):
        case(world, "mediating", f"FQ-Q-{n}")
    assert queries() == few


def test_a_mediator_finds_their_calendar_feed_on_the_queue(world: World, client: Any) -> None:
    client.force_login(world.mediator.user)
    page = client.get("/cases/").content.decode()
    world.mediator.refresh_from_db()
    assert f"/calendar/mediators/{world.mediator.calendar_token}.ics" in page
    client.force_login(world.clerk)
    assert 'id="calendar-feed"' not in client.get("/cases/").content.decode()
