"""The directors' overview (/cases/overview/): what it counts, who may open it, its cost in
queries.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import World
from tests.mediation.workbench.helpers import OVERVIEW, QUEUE, case, days, html, listed, web

# --- the directors' overview ---------------------------------------------------------------------


def test_the_overview_counts_the_bodys_cases(world: World) -> None:
    case(world, "registered", "FQ-O1", mediator=None)
    case(world, "registered", "FQ-O2", mediator=None, deadline=days(-2), due_soon_on=days(-9))
    case(world, "mediating", "FQ-O3", deadline=days(-1), due_soon_on=days(-8))
    case(world, "mediating", "FQ-O4", deadline=days(2), due_soon_on=days(-1))
    case(world, "assigned", "FQ-O5")
    case(world, "agreed", "FQ-O6", mediator=world.second_mediator, deadline=days(-5))
    case(world, "closed", "FQ-O7", deadline=days(-50))
    case(world, "mediating", "FQ-THEIRS", body=world.other_body, mediator=world.other_mediator)

    answer = web(world.director).get(OVERVIEW)

    assert answer.status_code == 200
    page = html(answer)
    state_row = r'data-state="([a-z_]+)">\s*<th scope="row">[^<]*</th>\s*'
    by_state = dict(re.findall(state_row + r'<td class="number">(?:<a [^>]*>)?(\d+)', page))
    assert by_state == {
        "registered": "2",
        "accepted": "0",
        "assigned": "1",
        "mediating": "2",
        "agreed": "1",
        "signed": "0",
        "confirming": "0",
        "confirmed": "0",
        "failed": "0",
        "referred": "0",
        "declined": "0",
        "withdrawn": "0",
        "closed": "1",
    }
    assert 'href="/cases/?tab=all&amp;state=mediating">2</a>' in page

    def load(key: str) -> list[str]:
        row = re.search(rf'data-mediator="{key}">(.*?)</tr>', page, flags=re.S)
        assert row is not None
        return re.findall(r">(\d+)<", row.group(1))

    # open, due soon, overdue
    assert load(str(world.mediator.pk)) == ["3", "1", "1"]  # O3, O4, O5 (O7 is closed)
    assert load(str(world.second_mediator.pk)) == ["1", "0", "1"]
    assert load("none") == ["2", "0", "1"]
    assert f'href="/cases/?tab=overdue&amp;mediator={world.mediator.pk}">1</a>' in page
    assert re.search(r'data-total="overdue"[^>]*><a [^>]*>Overdue <strong>3</strong>', page)
    # The link leads to a queue that lists the same cases.
    listed_overdue = listed(
        web(world.director).get(QUEUE, {"tab": "overdue", "mediator": world.mediator.pk})
    )
    assert listed_overdue == ["FQ-O3"]


@pytest.mark.parametrize("who", ["clerk", "mediator"])
def test_the_overview_is_for_directors(world: World, who: str) -> None:
    assert web(getattr(world, who)).get(OVERVIEW).status_code == 403


def test_the_overview_costs_the_same_queries_for_more_cases(world: World) -> None:
    def queries() -> int:
        client = web(world.director)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(OVERVIEW).status_code == 200
        return len(captured)

    case(world, "mediating", "FQ-V-0")
    few = queries()
    for n in range(1, 12):
        case(
            world,
            "mediating",
            f"FQ-V-{n}",
            mediator=world.second_mediator if n % 2 else world.mediator,
        )
    assert queries() == few
