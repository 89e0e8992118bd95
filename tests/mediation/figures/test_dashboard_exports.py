"""The dashboard's exports: CSV and XLSX of its tables and drill-downs, matching the page, in
the user's language, never with a formula a spreadsheet would run.

The data set is `board` (conftest.py): test_rates.py's hand-counted `figures` and two more cases.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from mediation.figures import dashboard
from mediation.figures.views import guard
from mediation.kernel.choices import Category, Outcome, Track
from tests import factories as f
from tests.conftest import World
from tests.mediation.figures.dashboard_helpers import CASES, PAGE, download, web, xlsx_sheet
from tests.mediation.figures.test_rates import MARCH, case

pytestmark = pytest.mark.django_db


def csv_rows(response: Any) -> list[list[str]]:
    data = download(response)
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


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
