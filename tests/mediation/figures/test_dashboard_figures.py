"""The dashboard's figures against hand counts, every number against the list behind it, the
charts' data, and what the page costs in queries.

The data set is `board` (conftest.py): test_rates.py's hand-counted `figures` and two more cases.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mediation.figures import dashboard, stats
from mediation.kernel.choices import Category, Outcome
from tests import factories as f
from tests.conftest import World
from tests.mediation.figures.dashboard_helpers import CASES, PAGE, cell, listed, text, tree, web
from tests.mediation.figures.test_rates import MARCH, TODAY, case

pytestmark = pytest.mark.django_db


def link(td: Any) -> str:
    [a] = td.xpath("./a")
    return a.get("href")


# --- figures against hand counts -----------------------------------------------------------------


def test_the_page_shows_the_hand_counted_figures(board: World) -> None:
    response = web(board.analyst).get(PAGE)
    assert response.status_code == 200
    page = tree(response)

    financial = {
        k: text(cell(page, "category", "category=financial", k)) for k in dashboard.RATE_COLUMNS
    }
    assert financial == {
        "accepted": "160",
        "mediated": "160",
        "success": "66",
        "failure": "94",
        "withdrawn": "0",
        "declined": "0",
        "open": "0",
        "overdue": "0",
        "success_rate": "41.3%",  # 66 / 160 = 41.25 %
        "completion_rate": "100.0%",
    }
    medical = {
        k: text(cell(page, "amounts", "category=medical", k)) for k in dashboard.AMOUNT_COLUMNS
    }
    assert {k: v for k, v in medical.items() if not k.endswith("_days")} == {
        "success": "3",
        "claimed_total": "¥90,000.00",
        "agreed_total": "¥53,000.00",
        "agreed_max": "¥50,000.00",
        "agreed_min": "¥0.00",
        "zero_compensation": "1",
        "confirmed": "2",
        "confirmation_rate": "66.7%",
        "repudiated": "1",
    }
    assert text(cell(page, "amounts", "category=financial", "agreed_total")) == "¥13,680.52"
    # Family: one accepted case, nothing mediated: the success rate is not a number.
    assert text(cell(page, "category", "category=family", "success_rate")) == "—"
    assert text(cell(page, "category", "category=family", "overdue")) == "1"
    traffic = page.xpath('//table[@data-table="category"]//tr[@data-key="category=traffic"]/th')
    assert text(traffic[0]) == str(Category.TRAFFIC.label)

    # Totals: figures' 170 cases and the two April ones.
    totals = {k: text(cell(page, "category", "", k)) for k in dashboard.RATE_COLUMNS}
    assert totals == {
        "accepted": "170",
        "mediated": "166",
        "success": "71",
        "failure": "95",
        "withdrawn": "1",
        "declined": "1",
        "open": "4",
        "overdue": "2",
        "success_rate": "42.8%",  # 71 / 166
        "completion_rate": "98.2%",  # (71 + 95 + 1) / 170
    }

    # By track: blank track is its own row, "none".
    assert text(cell(page, "track", "track=none", "open")) == "2"
    assert text(cell(page, "track", "track=none", "accepted")) == "1"
    assert text(cell(page, "track", "track=people", "mediated")) == "163"  # 160 + 3
    # By month received.
    assert text(cell(page, "month", "month=2026-03", "accepted")) == "169"
    assert text(cell(page, "month", "month=2026-04", "open")) == "2"
    # Mediators, within their body; cases without one per body.
    a, b = board.body.pk, board.other_body.pk
    key = f"body={a}&mediator={board.mediator.pk}"
    assert text(cell(page, "mediator", key, "success")) == "69"
    assert text(cell(page, "mediator", f"body={a}&mediator=none", "open")) == "1"
    assert text(cell(page, "mediator", f"body={b}&mediator=none", "overdue")) == "1"
    # By body (analysts see every body).
    assert text(cell(page, "body", f"body={b}", "mediated")) == "3"

    # Tiles and the overdue list.
    tiles = {
        li.get("data-figure"): text(li.xpath(".//strong")[0])
        for li in page.xpath('//ul[contains(@class, "dashboard-tiles")]/li')
    }
    assert tiles["accepted"] == "170"
    assert tiles["overdue"] == "2"
    assert tiles["zero_compensation"] == "1"
    assert tiles["agreed_total"] == "¥68,080.52"
    overdue = page.xpath('//table[@data-table="overdue"]/tbody/tr')
    assert len(overdue) == 2
    assert overdue[0].get("data-case") == board.secret.reference  # 3 days late: first
    assert [text(row.xpath("./td")[-1]) for row in overdue] == ["3", "1"]


def test_the_figures_are_the_rates_api_figures(board: World) -> None:
    """The page shows `stats.rates`, nothing computed apart: compare every count of every row."""
    page = tree(web(board.analyst).get(PAGE))
    result = stats.rates(board.analyst, stats.RatesQuery(("category",)))
    for row in result["rows"]:
        for key in ("accepted", "success", "failure", "withdrawn", "declined", "open", "overdue"):
            assert text(cell(page, "category", f"category={row['category']}", key)) == str(row[key])


def test_every_number_links_to_a_list_of_exactly_that_many_cases(board: World) -> None:
    client = web(board.analyst)
    page = tree(client.get(PAGE))
    checked = 0
    for table in page.xpath("//table[@data-table]"):
        name = table.get("data-table")
        if name == "overdue":
            continue
        for row in table.xpath(".//tr[@data-key]"):
            values = {td.get("data-figure"): text(td) for td in row.xpath("./td[@data-figure]")}
            for td in row.xpath("./td[@data-figure]"):
                if text(td) == "—":
                    assert not td.xpath("./a")  # no figure, nothing to follow
                    continue
                href = link(td)  # every number is a link
                assert href.startswith(CASES)
                figure = parse_qs(urlsplit(href).query)["figure"][0]
                column = dashboard.COLUMNS[td.get("data-figure")]
                assert figure == column.figure
                if figure in values:
                    # A count links to itself; a rate to its denominator.
                    assert listed(client, href) == int(values[figure]), (
                        name,
                        row.get("data-key"),
                        href,
                    )
                    checked += 1
                else:
                    assert listed(client, href) >= 0
    assert checked > 150
    # The tiles and the overdue count link the same way.
    for li in page.xpath('//ul[contains(@class, "dashboard-tiles")]/li'):
        a = li.xpath("./a")[0]
        number = text(a.xpath("./strong")[0])
        if number.isdigit():
            assert listed(client, a.get("href")) == int(number)
    [overdue] = page.xpath('//p[@data-figure="overdue"]/a')
    assert listed(client, overdue.get("href")) == int(text(overdue)) == 2


def test_the_amount_and_duration_links_list_the_cases_they_are_computed_over(board: World) -> None:
    client = web(board.analyst)
    page = tree(client.get(PAGE))
    # Claimed total: every case of the slice; agreed figures: its successes.
    assert listed(client, link(cell(page, "amounts", "category=medical", "claimed_total"))) == 7
    assert listed(client, link(cell(page, "amounts", "category=medical", "agreed_total"))) == 3
    biggest = client.get(link(cell(page, "amounts", "category=medical", "agreed_max")))
    first = tree(biggest).xpath("//table[contains(@class, 'drilldown')]/tbody/tr[1]/td[last()]")[0]
    assert text(first) == "¥50,000.00"  # the largest first
    smallest = client.get(link(cell(page, "amounts", "category=medical", "agreed_min")))
    first = tree(smallest).xpath("//table[contains(@class, 'drilldown')]/tbody/tr[1]/td[last()]")[0]
    assert text(first) == "¥0.00"
    # Durations: successes, failures and withdrawals with both dates (medical: 3 + 1).
    assert listed(client, link(cell(page, "amounts", "category=medical", "median_days"))) == 4


def test_none_tokens_and_months_select_exactly_the_row(board: World) -> None:
    client = web(board.analyst)
    assert listed(client, f"{CASES}?figure=all&mediator=none") == 2
    assert listed(client, f"{CASES}?figure=all&track=none") == 2
    assert listed(client, f"{CASES}?figure=open&body={board.other_body.pk}&mediator=none") == 1
    assert listed(client, f"{CASES}?figure=all&month=2026-04") == 2
    assert listed(client, f"{CASES}?figure=all&month=2026-03") == 170
    assert listed(client, f"{CASES}?figure=all&month=2026-05") == 0
    assert listed(client, f"{CASES}?figure=all&region=none") == 0
    assert listed(client, f"{CASES}?figure=all&region={board.body.region}") == 172
    assert listed(client, f"{CASES}?figure=all&court=none") == 172
    assert listed(client, f"{CASES}?figure=all&channel=walk_in") == 172
    # The range counts as the rates do: inclusive, on the received date.
    assert listed(client, f"{CASES}?figure=all&from=2026-04-06&to=2026-04-06") == 2
    assert listed(client, f"{CASES}?figure=accepted&to=2026-03-31") == 169


def test_the_range_filters_the_page_and_its_links(board: World) -> None:
    client = web(board.analyst)
    response = client.get(PAGE, {"from": "2026-04-01", "to": "2026-04-30"})
    assert response.status_code == 200
    page = tree(response)
    assert text(cell(page, "category", "", "open")) == "2"
    assert text(cell(page, "category", "", "mediated")) == "0"
    assert not page.xpath('//table[@data-table="category"]//tr[@data-key="category=financial"]')
    href = link(cell(page, "category", "category=family", "open"))
    assert parse_qs(urlsplit(href).query)["from"] == ["2026-04-01"]
    assert listed(client, href) == 1


def test_the_drill_down_pages_through_long_lists(board: World) -> None:
    client = web(board.analyst)
    href = f"{CASES}?figure=accepted&category=financial"
    first = tree(client.get(href))
    assert len(first.xpath("//table[contains(@class, 'drilldown')]/tbody/tr")) == 50
    last = tree(client.get(href + "&page=4"))
    assert len(last.xpath("//table[contains(@class, 'drilldown')]/tbody/tr")) == 10


def test_charts_get_their_data_from_a_json_element(board: World) -> None:
    response = web(board.analyst).get(PAGE)
    content = response.content.decode()
    page = tree(response)
    [data] = page.xpath('//script[@id="dashboard-charts"]')
    assert data.get("type") == "application/json"
    charts = json.loads(data.text)
    category = charts["charts"]["category"]
    assert category["labels"] == [
        str(c.label)
        for c in (Category.FAMILY, Category.FINANCIAL, Category.MEDICAL, Category.TRAFFIC)
    ]
    assert category["data"]["success_rate"][:2] == [None, 41.3]  # family: nothing mediated
    assert category["data"]["completion_rate"][:2] == [0.0, 100.0]
    assert category["links"]["success_rate"][0] is None
    assert category["links"]["success_rate"][1] == CASES + "?figure=mediated&category=financial"
    assert charts["charts"]["month"]["labels"] == ["2026-03", "2026-04"]
    assert set(charts["charts"]) == {"category", "track", "month"}
    # Only scripts from static files: nothing inline, nothing from another site.
    scripts = page.xpath("//script[not(@type='application/json')]")
    assert all(s.get("src", "").startswith("/static/") for s in scripts)
    assert "/static/vendor/chartjs/chart.umd.min.js" in content
    assert "cdn" not in content.lower()
    assert len(page.xpath("//canvas[@data-chart]")) == 3


def test_month_series_has_no_holes() -> None:
    assert dashboard.month_series([]) == []
    assert dashboard.month_series(["2025-11", "2026-02"]) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_percent_rounds_half_up_to_one_decimal() -> None:
    assert dashboard.percent(0.4125) == Decimal("41.3")
    assert dashboard.percent(2 / 3) == Decimal("66.7")
    assert dashboard.percent(1.0) == Decimal("100.0")
    assert dashboard.percent(None) is None


# --- cost ----------------------------------------------------------------------------------------


def test_the_page_costs_the_same_queries_for_more_cases(board: World) -> None:
    def count() -> int:
        user = f.UserFactory(roles=[], is_superuser=True)  # a fresh user: scope not cached
        client = web(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    few = count()
    for i in range(20):
        case(
            board.other_body,
            [Outcome.SUCCESS, Outcome.FAILURE, ""][i % 3],
            category=list(Category)[i % 5],
            received_at=MARCH + datetime.timedelta(days=40 * i),
            deadline=TODAY - datetime.timedelta(days=1),
        )
    assert count() == few
