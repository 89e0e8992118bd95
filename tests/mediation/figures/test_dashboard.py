"""The dashboard: figures against hand counts, every number against the list behind it,
who sees what, bad input, exports.

The data set is test_rates.py's `figures` (hand-counted there), plus two cases received in April
without a mediator or a track (one of them overdue, with parties whose personal data must never
reach an analyst), so that the `none` slices and the month trend have something to show.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from lxml import html as lxml_html

from mediation.figures import dashboard, stats
from mediation.figures.views import guard
from mediation.kernel.choices import Category, Outcome, State, Track
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.figures.test_rates import (
    APRIL,
    MARCH,
    TODAY,
    case,
    figures,  # noqa: F401  (the fixture, hand-counted there)
)

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/"
CASES = "/dashboard/cases/"
SECRET_NAME = "欧阳娜娜"
SECRET_ID = f.resident_id(777, birth=datetime.date(1971, 2, 3))  # factories use 1985
SECRET_PHONE = "13912345678"
SECRET_TITLE = "欧阳娜娜诉某保险公司赔偿纠纷"
SECRET_FACTS = "只有调解组织知道的事实"
PERSONAL = (SECRET_NAME, SECRET_ID, SECRET_PHONE, SECRET_TITLE, SECRET_FACTS)


@pytest.fixture
def board(request: pytest.FixtureRequest) -> World:
    """`figures` plus, received in April, without mediator or track:

    - body A: one registered traffic case (not accepted, no deadline);
    - body B: one accepted family case, overdue by 3 days, with an applicant whose name, ID
      number and phone, and a title and facts, are personal data.
    """
    world: World = request.getfixturevalue("figures")
    none = {"track": "", "mediator": None, "received_at": APRIL}
    case(
        world.body,
        category=Category.TRAFFIC,
        state=State.REGISTERED,
        accepted_at=None,
        deadline=None,
        **none,
    )
    secret = case(
        world.other_body,
        category=Category.FAMILY,
        state=State.ACCEPTED,
        deadline=TODAY - datetime.timedelta(days=3),
        title=SECRET_TITLE,
        facts=SECRET_FACTS,
        **none,
    )
    applicant = f.PartyFactory(name=SECRET_NAME, id_number=SECRET_ID, phone=SECRET_PHONE)
    f.CasePartyFactory(dispute=secret, party=applicant, role=PartyRole.APPLICANT)
    f.CasePartyFactory(dispute=secret, role=PartyRole.RESPONDENT)
    world.secret = secret  # type: ignore[attr-defined]
    return world


def web(user: Any, language: str = "") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if user is not None:
        client.force_login(user)
    return client


def tree(response: Any) -> Any:
    return lxml_html.fromstring(response.content.decode())


def cell(page: Any, table: str, key: str, figure: str) -> Any:
    [td] = page.xpath(
        f'//table[@data-table="{table}"]//tr[@data-key="{key}"]/td[@data-figure="{figure}"]'
    )
    return td


def text(td: Any) -> str:
    return " ".join(td.text_content().split())


def link(td: Any) -> str:
    [a] = td.xpath("./a")
    return a.get("href")


def listed(client: Client, href: str) -> int:
    """How many cases the drill-down at `href` lists (its count, over every page)."""
    response = client.get(href)
    assert response.status_code == 200, (href, response.content.decode()[:500])
    [count] = tree(response).xpath("//*[@data-count]/@data-count")
    return int(count)


def download(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response: Any) -> list[list[str]]:
    data = download(response)
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_sheet(response: Any) -> Any:
    workbook = openpyxl.load_workbook(io.BytesIO(download(response)))
    return workbook.worksheets[0]


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


# --- who sees what -------------------------------------------------------------------------------


def test_analysts_see_no_personal_data(board: World) -> None:
    client = web(board.analyst)
    answers = [
        client.get(PAGE),
        client.get(CASES, {"figure": "all"}),
        client.get(CASES, {"figure": "overdue"}),
        client.get(CASES, {"figure": "open", "category": "family"}),
    ]
    for answer in answers:
        assert answer.status_code == 200
        content = answer.content.decode()
        for secret in PERSONAL:
            assert secret not in content
        assert "/cases/" + str(board.secret.pk) not in content  # no workbench links either
    assert board.secret.reference in answers[2].content.decode()  # the reference is no secret
    exports = [
        client.get(CASES, {"figure": "all", "format": "csv"}),
        client.get(PAGE, {"table": "overdue", "format": "csv"}),
        client.get(PAGE, {"table": "mediator", "format": "csv"}),
    ]
    for export in exports:
        data = download(export).decode("utf-8-sig")
        assert board.secret.reference in data or "mediator" in export["Content-Disposition"]
        for secret in PERSONAL:
            assert secret not in data
    sheet = xlsx_sheet(client.get(CASES, {"figure": "all", "format": "xlsx"}))
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert board.secret.reference in cells
    assert not any(secret in value for value in cells for secret in PERSONAL)


@pytest.mark.parametrize("who", ["director", "clerk", "mediator"])
def test_body_staff_see_only_their_body(board: World, who: str) -> None:
    user = board.mediator.user if who == "mediator" else getattr(board, who)
    client = web(user)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = tree(response)
    content = response.content.decode()
    assert board.other_body.name not in content
    assert board.other_mediator.display_name not in content
    assert not page.xpath('//table[@data-table="body"]')  # one body: no table of bodies
    assert text(cell(page, "category", "", "success")) == "69"  # 66 financial + 3 medical
    assert text(cell(page, "category", "", "overdue")) == "1"
    assert listed(client, f"{CASES}?figure=all") == 168  # 160 + 7 + the registered one
    # Another body's id is not a value they may ask for.
    answer = client.get(CASES, {"figure": "all", "body": board.other_body.pk})
    assert answer.status_code == 400
    assert board.other_body.name not in answer.content.decode()
    # Their list links each case to the workbench.
    rows = tree(client.get(CASES, {"figure": "open"})).xpath("//tr[@data-case]//a/@href")
    assert len(rows) == 3 and all(re.fullmatch(r"/cases/\d+/", href) for href in rows)
    data = download(client.get(CASES, {"figure": "all", "format": "csv"})).decode("utf-8-sig")
    assert board.other_body.name not in data
    assert len(data.strip().splitlines()) == 1 + 168


def test_analysts_get_no_workbench_links_and_superusers_do(board: World) -> None:
    analyst = tree(web(board.analyst).get(CASES, {"figure": "overdue"}))
    assert analyst.xpath("//tr[@data-case]") and not analyst.xpath("//tr[@data-case]//a")
    admin = tree(web(board.admin).get(CASES, {"figure": "overdue"}))
    assert len(admin.xpath("//tr[@data-case]//a")) == 2
    assert admin.xpath('//table[@data-table="body"]') == []  # a list page has no tables of figures
    assert tree(web(board.admin).get(PAGE)).xpath('//table[@data-table="body"]')


def test_courts_parties_and_users_without_a_role_are_refused(board: World) -> None:
    for user in (board.court_user, board.party_user, f.UserFactory()):
        client = web(user)
        for path, params in [
            (PAGE, {}),
            (PAGE, {"table": "category", "format": "csv"}),
            (CASES, {"figure": "success"}),
            (CASES, {"figure": "success", "format": "xlsx"}),
        ]:
            answer = client.get(path, params)
            assert answer.status_code == 403, (user, path, params)
            assert "Content-Disposition" not in answer


def test_anonymous_visitors_are_sent_to_sign_in(board: World) -> None:
    for path in (PAGE, CASES):
        answer = Client().get(path)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/accounts/login/?next=")


def test_the_navigation_links_the_dashboard_for_analysts_directors_and_superusers(
    board: World,
) -> None:
    for user, shown in [
        (board.analyst, True),
        (board.director, True),
        (board.admin, True),
        (board.clerk, False),
        (board.court_user, False),
    ]:
        content = web(user).get("/").content.decode()
        assert ('href="/dashboard/"' in content) is shown, user


def test_analysts_land_on_the_dashboard(board: World) -> None:
    assert web(board.analyst).get("/start/")["Location"] == PAGE


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (CASES, {"figure": "colour"}, "colour"),
        (CASES, {"figure": "success", "category": "colour"}, "colour"),
        (CASES, {"figure": "success", "track": "sideways"}, "sideways"),
        (CASES, {"figure": "success", "mediator": "abc"}, "abc"),
        (CASES, {"figure": "success", "mediator": "999999"}, "999999"),
        (CASES, {"figure": "success", "body": "-1"}, "-1"),
        (CASES, {"figure": "success", "court": "99999999999999999999999"}, "9999"),
        (CASES, {"figure": "success", "month": "2026-13"}, "2026-13"),
        (CASES, {"figure": "success", "month": "March"}, "March"),
        (CASES, {"figure": "success", "from": "2026-05-01", "to": "2026-04-01"}, ""),
        (CASES, {"figure": "success", "from": "2026-02-30"}, ""),
        (CASES, {"figure": "success", "sort": "sideways"}, "sideways"),
        (CASES, {"figure": "success", "format": "pdf"}, "pdf"),
        (PAGE, {"from": "2026-05-01", "to": "2026-04-01"}, ""),
        (PAGE, {"to": "yesterday"}, ""),
        (PAGE, {"table": "category", "format": "pdf"}, "pdf"),
        (PAGE, {"table": "colour", "format": "csv"}, "colour"),
        (PAGE, {"format": "csv"}, ""),
    ],
)
def test_bad_input_is_400_with_the_reason_on_the_page(
    board: World, path: str, params: dict[str, str], message: str
) -> None:
    answer = web(board.analyst).get(path, params)
    assert answer.status_code == 400
    assert "Content-Disposition" not in answer
    page = tree(answer)
    assert page.xpath('//*[@role="alert"]') or page.xpath('//*[contains(@class, "has-error")]')
    assert message in answer.content.decode()


def test_an_inverted_range_shows_the_error_next_to_the_date(board: World) -> None:
    answer = web(board.analyst, "en").get(PAGE, {"from": "2026-05-01", "to": "2026-04-01"})
    assert answer.status_code == 400
    page = tree(answer)
    [field] = page.xpath('//div[contains(@class, "has-error")]')
    assert field.xpath('.//input[@name="from"]/@value') == ["2026-05-01"]
    assert "The start date must not be after the end date." in text(field)
    assert not page.xpath("//table[@data-table]")


def test_a_page_past_the_end_shows_the_last_page(board: World) -> None:
    answer = web(board.analyst).get(CASES, {"figure": "success", "page": "999"})
    assert answer.status_code == 200


# --- exports -------------------------------------------------------------------------------------


def test_csv_export_of_a_table_matches_the_page(board: World) -> None:
    response = web(board.analyst, "en").get(PAGE, {"table": "category", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="fengqiao-category.csv"'
    rows = csv_rows(response)
    assert rows[0] == [
        "Category",
        "Accepted",
        "Mediated",
        "Success",
        "Failure",
        "Withdrawn",
        "Declined",
        "Open",
        "Overdue",
        "Success rate (%)",
        "Completion rate (%)",
    ]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    with translation.override("en"):
        financial = by_label[str(Category.FINANCIAL.label)]
    assert financial == ["160", "160", "66", "94", "0", "0", "0", "0", "41.3", "100.0"]
    assert by_label["Total"] == ["170", "166", "71", "95", "1", "1", "4", "2", "42.8", "98.2"]


def test_csv_headers_follow_the_users_language(board: World) -> None:
    rows = csv_rows(web(board.analyst, "zh-hans").get(PAGE, {"table": "track", "format": "csv"}))
    with translation.override("zh-hans"):
        assert rows[0][0] == str(dashboard.SLICE_FIELDS["track"].label)
        assert rows[0][0] != "Track"
        assert str(Track.PEOPLE.label) in {row[0] for row in rows}


def test_csv_export_of_the_amounts_and_of_a_range(board: World) -> None:
    response = web(board.analyst, "en").get(
        PAGE, {"table": "amounts", "format": "csv", "from": "2026-03-01", "to": "2026-03-31"}
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="fengqiao-amounts-from-2026-03-01-to-2026-03-31.csv"'
    )
    rows = csv_rows(response)
    header = rows[0]
    medical = dict(zip(header, next(r for r in rows if r[0] == "Medical"), strict=True))
    assert medical["Claimed total"] == "90000.00"
    assert medical["Agreed total"] == "53000.00"
    assert medical["Smallest agreed"] == "0.00"
    assert medical["Zero compensation"] == "1"
    assert medical["Confirmation rate (%)"] == "66.7"


def test_drill_down_exports_every_case_not_one_page(board: World) -> None:
    client = web(board.analyst, "en")
    rows = csv_rows(
        client.get(CASES, {"figure": "failure", "category": "financial", "format": "csv"})
    )
    assert rows[0] == [
        "Reference",
        "Category",
        "Track",
        "Mediation body",
        "Mediator",
        "State",
        "Received on",
        "Accepted on",
        "Concluded on",
        "Deadline",
        "Claimed (¥)",
        "Agreed (¥)",
    ]
    assert len(rows) == 1 + 94
    assert {row[6] for row in rows[1:]} == {MARCH.isoformat()}
    assert {row[10] for row in rows[1:]} == {"1000.00"}
    sheet = xlsx_sheet(
        client.get(CASES, {"figure": "failure", "category": "financial", "format": "xlsx"})
    )
    assert sheet.max_row == 1 + 94


def test_xlsx_export_reads_back_with_numbers_dates_and_percentages(board: World) -> None:
    client = web(board.analyst, "en")
    response = client.get(PAGE, {"table": "category", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="fengqiao-category.xlsx"' in response["Content-Disposition"]
    sheet = xlsx_sheet(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Category", "Accepted", "Mediated")
    financial = next(r for r in rows if r[0] == "Financial")
    assert financial[1:5] == (160, 160, 66, 94)
    assert financial[9] == pytest.approx(0.4125)
    row = next(r for r in sheet.iter_rows() if r[0].value == "Financial")
    assert row[9].number_format == "0.0%"
    assert rows[-1][0] == "Total"

    amounts = xlsx_sheet(client.get(PAGE, {"table": "amounts", "format": "xlsx"}))
    medical = next(r for r in amounts.iter_rows() if r[0].value == "Medical")
    assert medical[2].value == pytest.approx(90000)
    assert medical[2].number_format == "#,##0.00"

    cases = xlsx_sheet(client.get(PAGE, {"table": "overdue", "format": "xlsx"}))
    first = next(cases.iter_rows(min_row=2, max_row=2))
    assert first[0].value == board.secret.reference
    assert isinstance(first[6].value, datetime.datetime | datetime.date)  # a date, not text


def test_exports_never_hand_a_spreadsheet_a_formula(board: World) -> None:
    evil_body = f.MediationBodyFactory(
        name='=HYPERLINK("http://evil.example","点我")', region="@SUM(1)"
    )
    evil_user = f.UserFactory(last_name="+", first_name="1+1", roles=[])
    evil_mediator = f.MediatorFactory(body=evil_body, user=evil_user)
    case(
        evil_body,
        Outcome.SUCCESS,
        agreed_amount=Decimal("5.00"),
        mediator=evil_mediator,
        category=Category.SCHOOL,
    )
    client = web(board.analyst, "en")

    rows = csv_rows(client.get(PAGE, {"table": "mediator", "format": "csv"}))
    [row] = [r for r in rows if "HYPERLINK" in r[0]]
    assert row[0] == "'" + evil_body.name
    assert row[1] == "'+1+1"
    rows = csv_rows(client.get(CASES, {"figure": "success", "category": "school", "format": "csv"}))
    assert rows[1][3] == "'" + evil_body.name
    assert rows[1][4] == "'+1+1"

    sheet = xlsx_sheet(client.get(PAGE, {"table": "body", "format": "xlsx"}))
    [evil] = [r for r in sheet.iter_rows() if "HYPERLINK" in str(r[0].value)]
    assert evil[0].value == evil_body.name  # the text itself, kept as text
    assert evil[0].data_type == "s"
    sheet = xlsx_sheet(
        client.get(CASES, {"figure": "success", "category": "school", "format": "xlsx"})
    )
    row = next(sheet.iter_rows(min_row=2, max_row=2))
    assert (row[3].value, row[3].data_type) == (evil_body.name, "s")
    assert row[4].data_type == "s"


def test_guard_prefixes_every_formula_start() -> None:
    for text_ in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert guard(text_) == "'" + text_
    for text_ in ("东湖区", "1+1", "a=b", ""):
        assert guard(text_) == text_


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
