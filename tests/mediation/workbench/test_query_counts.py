"""The list API and the workbench queue cost a fixed number of queries: as many
for 100 cases as for 10. The cases are made by `generate_cases`, so they come in every state,
with 2–4 parties, guardians and agents, and logs; they are then given to the world's body and its
first mediator, so the director and the mediator see them all."""

from __future__ import annotations

import datetime
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mediation.cases.models import Dispute
from mediation.figures import kept as figures
from mediation.workbench.forms import tab_q
from tests.conftest import World, client_for

API = "/api/v1/disputes/"
QUEUE = "/cases/"
DIRECTOR_TABS = ["unassigned", "open", "due_soon", "overdue", "agreed", "all"]
MEDIATOR_TABS = ["mine", "open", "due_soon", "overdue", "agreed", "all"]


def add_cases(world: World, count: int) -> None:
    """`count` more generated cases, all of the world's body; assigned ones to its mediator.

    Received over the last 90 days; four of each batch are then put where every queue tab has
    at least one case (awaiting signatures, due soon, overdue, unassigned)."""
    before = set(Dispute.objects.values_list("pk", flat=True))
    since = (timezone.localdate() - datetime.timedelta(days=90)).isoformat()
    call_command(
        "generate_cases", str(count), "--seed", str(count), "--since", since, stdout=StringIO()
    )
    Dispute.objects.update(body=world.body)
    Dispute.objects.filter(mediator__isnull=False).update(mediator=world.mediator)
    new = list(Dispute.objects.exclude(pk__in=before).order_by("pk").values_list("pk", flat=True))
    today = timezone.localdate()
    days = datetime.timedelta
    for pk, (state, mediator, deadline, due_soon_on) in zip(
        new,
        [
            ("agreed", world.mediator, today + days(20), today + days(14)),
            ("mediating", world.mediator, today + days(2), today - days(3)),
            ("mediating", world.mediator, today - days(5), today - days(11)),
            ("registered", None, None, None),
        ],
        strict=False,
    ):
        Dispute.objects.filter(pk=pk).update(
            state=state,
            mediator=mediator,
            deadline=deadline,
            due_soon_on=due_soon_on,
            outcome="",
            concluded_at=None,
            signed_at=None,
            agreed_amount=None,
            close_outcome="",
        )
    # Moved behind save()'s back, as only bulk writers may: they recount the kept figures after.
    figures.rebuild()


def api_queries(world: World, query: str) -> tuple[int, int]:
    """(queries, cases listed) of one list request by the director, after a warm-up."""
    client = client_for(world.director)
    client.get(API + query)  # the caller's roles and scope are looked up once, then cached
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(API + query)
    assert answer.status_code == 200
    return len(captured), len(answer.data["results"])


def queue_queries(user: Any, tab: str) -> tuple[int, int]:
    """(queries, rows shown) of one queue page."""
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(QUEUE, {"tab": tab})
    assert answer.status_code == 200
    return len(captured), answer.content.decode().count('<tr class="case')


@pytest.mark.parametrize(
    "query",
    [
        "?page_size=100",
        "?state=mediating&state=agreed&category=traffic&category=financial&category=medical"
        "&category=school&category=family&page_size=100",
    ],
)
def test_the_list_api_takes_as_many_queries_for_100_cases_as_for_10(
    world: World, query: str
) -> None:
    add_cases(world, 10)
    few, listed_few = api_queries(world, query)
    add_cases(world, 90)
    many, listed_many = api_queries(world, query)

    assert listed_many > listed_few > 0  # more rows on the page, and parties with each
    assert many == few


@pytest.mark.parametrize("who, tabs", [("director", DIRECTOR_TABS), ("mediator", MEDIATOR_TABS)])
def test_every_queue_tab_takes_as_many_queries_for_100_cases_as_for_10(
    world: World, who: str, tabs: list[str]
) -> None:
    user = world.director if who == "director" else world.mediator.user
    add_cases(world, 10)
    few = {tab: queue_queries(user, tab) for tab in tabs}
    add_cases(world, 90)
    many = {tab: queue_queries(user, tab) for tab in tabs}

    assert {tab: count for tab, (count, _rows) in many.items()} == {
        tab: count for tab, (count, _rows) in few.items()
    }
    # Every page lists cases both times, and the pages grew: all 10, then a full page of 25.
    assert all(rows > 0 for _count, rows in few.values()), few
    assert few["all"][1] == 10 and many["all"][1] == 25
    assert many["open"][1] > few["open"][1]


@pytest.mark.parametrize("tab", ["all", "open"])
def test_the_queue_counts_in_two_queries_and_the_page_is_not_counted_again(
    world: World, tab: str
) -> None:
    """One aggregate over the open cases for their tabs, one sum of the kept figures for "all";
    the paginator reuses the current tab's figure."""
    add_cases(world, 30)
    client = Client()
    client.force_login(world.director)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(QUEUE, {"tab": tab}).status_code == 200
    counting = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert len(counting) == 1, counting
    assert "'mediating'" in counting[0]  # over the open cases only
    kept = [q["sql"] for q in captured if "mediation_figureslice" in q["sql"]]
    assert len(kept) == 1 and "SUM(" in kept[0].upper(), kept


@pytest.mark.parametrize("who, tabs", [("director", DIRECTOR_TABS), ("mediator", MEDIATOR_TABS)])
def test_each_tab_shows_as_many_cases_as_it_lists(world: World, who: str, tabs: list[str]) -> None:
    add_cases(world, 60)
    user = world.director if who == "director" else world.mediator.user
    client = Client()
    client.force_login(user)
    today = timezone.localdate()
    mediator_id = world.mediator.pk if who == "mediator" else None
    for tab in tabs:
        page = client.get(QUEUE, {"tab": tab}).content.decode()
        shown = re.search(rf'data-tab="{tab}">.*?<span class="count">\((\d+)\)', page, re.S)
        q = tab_q(tab, mediator_id=mediator_id, today=today)
        expected = Dispute.objects.filter(body=world.body).filter(q if q is not None else Q())
        assert shown and int(shown[1]) == expected.count() > 0, tab
