"""The ledger import as a centre uses it: a director's share of the centre's ledger, the error
report by reason and by page, the template, the progress it shows, and open cases taken in as
ledger history rather than overdue work."""

from __future__ import annotations

import datetime
import io
import re
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from mediation.cases.models import Dispute, TransitionLog
from mediation.demo.seed import DEMO_LEDGER
from mediation.figures import stats
from mediation.kernel.choices import State
from mediation.ledger.columns import CHINESE_HEADERS, COLUMNS
from mediation.ledger.importer import import_ledger
from mediation.ledger.models import LedgerImport
from tests.conftest import World
from tests.mediation.ledger.test_ledger import ROWS, ledger, run
from tests.mediation.ledger.test_ledger_pages import UPLOAD, post, signed_in  # noqa: F401

pytestmark = pytest.mark.django_db

OPEN_2024 = (
    "东湖医调〔2024〕0001号,医疗纠纷,人民调解,{body},,来访,2024-01-13,2024-01-15,,在办,4000,,"
    "申请人:沈强志;被申请人:东湖区人民医院"
)


# --- the demo centre's ledger, imported body by body ---------------------------------------------


def test_director1_imports_their_bodys_rows_of_the_demo_ledger_and_learns_of_the_others() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    # The seed imported the three other bodies' rows, each by its director.
    assert "Ledger history: 286 cases imported" in out.getvalue()
    director1 = get_user_model().objects.get(username="director1")

    with translation.override("en"):
        report = import_ledger(DEMO_LEDGER, actor=director1, all_or_nothing=True)

    assert (report.status, report.imported, report.skipped) == ("done", 99, 0)
    assert (report.rejected, report.errors, report.message) == (0, [], "")
    assert report.other_rows == 286
    assert report.other_bodies == [
        ["东湖区百花洲街道人民调解委员会", 97],
        ["东湖区诉调对接特邀调解中心", 96],
        ["南昌市公安局交通管理局东湖大队", 93],
    ]
    assert report.other_bodies_text == (
        "东湖区百花洲街道人民调解委员会 (97), 东湖区诉调对接特邀调解中心 (96), "
        "南昌市公安局交通管理局东湖大队 (93)"
    )
    assert Dispute.objects.filter(from_ledger=True).count() == 385
    # Again: the director's rows are there already, the others are still the others'.
    again = import_ledger(DEMO_LEDGER, actor=director1, all_or_nothing=True)
    assert (again.imported, again.skipped, again.other_rows) == (0, 99, 286)


def test_the_report_says_in_one_line_which_bodies_the_other_rows_belong_to(
    post: Any,  # noqa: F811
    world: World,
) -> None:
    rows = [ROWS[1].format(body=world.body.name)]
    rows += [ROWS[2].replace("003", f"1{n:02}").format(body="东湖交警大队") for n in range(3)]
    rows += [ROWS[3].replace("004", "200").format(body=world.other_body.name)]
    client = signed_in(world.director)
    post(client, ledger(*rows))
    record = LedgerImport.objects.get()
    assert (record.status, record.imported, record.other_rows) == ("done", 1, 4)

    html = client.get(reverse("workbench:ledger_import", args=[record.pk])).content.decode()
    assert html.count("rows belong to other bodies") == 1
    assert f"东湖交警大队 (3), {world.other_body.name} (1)" in html
    assert "You may import only" not in html
    chinese = signed_in(world.director)
    chinese.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = chinese.get(reverse("workbench:ledger_import", args=[record.pk])).content.decode()
    assert "4 行属于其他调解组织" in page


def test_a_superuser_imports_the_rows_of_every_body(world: World) -> None:
    rows = ledger(ROWS[1], body=world.body.name) + ledger(
        ROWS[2], header="", body=world.other_body.name
    ).lstrip(b"\n")
    report = run(rows, actor=world.admin)
    assert (report.imported, report.other_rows) == (2, 0)


# --- the errors: by reason, then line by line, a page at a time ---------------------------------


def test_errors_are_summarised_by_reason_and_listed_a_page_at_a_time(
    post: Any,  # noqa: F811
    world: World,
) -> None:
    bad = [ROWS[1].replace("002", f"9{n:03}").replace("traffic", f"交通{n}") for n in range(120)]
    client = signed_in(world.director)
    post(client, ledger(ROWS[1], *bad, body=world.body.name), mode="rows")
    record = LedgerImport.objects.get()
    assert (record.imported, record.rejected, record.errors_total) == (1, 120, 120)
    assert record.error_summary == [
        {"column": "category", "reason": "Unknown value.", "count": 120, "lines": [3, 4, 5, 6, 7]}
    ]

    url = reverse("workbench:ledger_import", args=[record.pk])
    first = client.get(url).content.decode()
    assert '<td class="number">120</td><td>3, 4, 5, 6, 7, …</td>' in first
    lines = re.findall(r'<tr><td class="number">(\d+)</td><td>category</td>', first)
    assert lines == [str(n) for n in range(3, 53)]
    assert "Page 1 of 3" in first and 'rel="next"' in first
    last = client.get(url, {"page": 3}).content.decode()
    assert re.findall(r'<tr><td class="number">(\d+)</td><td>category</td>', last) == [
        str(n) for n in range(103, 123)
    ]
    # A page that is not a number or past the end shows a page, not an error.
    assert client.get(url, {"page": "x"}).status_code == 200
    assert client.get(url, {"page": 99}).status_code == 200


def test_the_same_reason_with_different_values_is_one_group() -> None:
    rows = [
        ROWS[1].replace("002", "101").replace("2024-03-05", "2024-02-30"),
        ROWS[1].replace("002", "102").replace("2024-03-05", "2024-13-01"),
        ROWS[1].replace("002", "103").replace("2024-03-05", "5 March"),
        ROWS[1],
        ROWS[1],
    ]
    with translation.override("en"):
        report = run(ledger(*rows), all_or_nothing=False)
    summary = {(g["column"], g["reason"]): (g["count"], g["lines"]) for g in report.error_summary}
    assert summary == {
        ("received", "Not a day."): (2, [2, 3]),
        ("received", "Not a date (YYYY-MM-DD)."): (1, [4]),
        ("reference", "The same reference is on an earlier line."): (1, [6]),
    }


# --- the template ---------------------------------------------------------------------------------


def test_the_csv_template_has_the_chinese_headers_and_is_read_back(world: World) -> None:
    client = signed_in(world.director)
    answer = client.get(reverse("workbench:ledger_template", args=["csv"]))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    text = answer.content.decode("utf-8")
    assert text == "\ufeff" + ",".join(CHINESE_HEADERS) + "\r\n"
    filled = answer.content + ROWS[1].format(body=world.body.name).encode() + b"\r\n"
    report = run(filled, actor=world.director)
    assert (report.status, report.imported) == ("done", 1)


def test_the_xlsx_template_has_the_chinese_headers_and_is_read_back(world: World) -> None:
    client = signed_in(world.director)
    answer = client.get(reverse("workbench:ledger_template", args=["xlsx"]))
    assert answer.status_code == 200
    assert "attachment" in answer["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(CHINESE_HEADERS)
    assert [row[1] for row in book["填写说明"].iter_rows(min_row=2, values_only=True)] == list(
        COLUMNS
    )
    sheet.append(ROWS[1].format(body=world.body.name).split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(buffer.getvalue(), actor=world.director)
    assert (report.status, report.imported, report.other_rows) == ("done", 1, 0)
    page = client.get(UPLOAD).content.decode()
    assert reverse("workbench:ledger_template", args=["xlsx"]) in page


def test_the_template_is_for_those_who_may_import(world: World) -> None:
    url = reverse("workbench:ledger_template", args=["csv"])
    assert signed_in(world.clerk).get(url).status_code == 403
    assert signed_in(world.director).get(url.replace(".csv", ".pdf")).status_code == 404


# --- progress -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "fields", "text"),
    [
        ("reading", {}, "Reading the file…"),
        ("checking", {"rows_total": 300, "rows_done": 120}, "Checking rows: 120 of 300"),
        (
            "writing",
            {"rows_total": 300, "rows_done": 300, "other_rows": 100, "rejected": 20},
            "Writing 180 cases…",
        ),
    ],
)
def test_a_running_import_says_what_it_is_doing(
    world: World, phase: str, fields: dict[str, int], text: str
) -> None:
    record = LedgerImport.objects.create(
        uploaded_by=world.director,
        file_name="big.csv",
        status=LedgerImport.Status.RUNNING,
        phase=phase,
        **fields,
    )
    html = signed_in(world.director).get(reverse("workbench:ledger_import", args=[record.pk]))
    assert text in html.content.decode()
    assert "<progress" in html.content.decode()


# --- open cases from a ledger are history, not overdue work -------------------------------------


def test_an_open_ledger_case_is_history_not_overdue_work(world: World) -> None:
    today = datetime.date.today()
    before = stats.rates(world.admin, stats.RatesQuery(), today=today)["total"]["overdue"]
    report = run(ledger(OPEN_2024, body=world.body.name), actor=world.director)
    assert report.imported == 1
    case = Dispute.objects.get(reference="东湖医调〔2024〕0001号")
    assert (case.state, case.from_ledger, case.deadline, case.due_soon_on) == (
        State.ACCEPTED,
        True,
        None,
        None,
    )
    assert not case.is_overdue(today)
    assert not Dispute.objects.overdue(today).filter(pk=case.pk).exists()
    assert stats.rates(world.admin, stats.RatesQuery(), today=today)["total"]["overdue"] == before

    client = signed_in(world.director)
    overdue_tab = client.get("/cases/", {"tab": "overdue"}).content.decode()
    assert case.reference not in overdue_tab
    open_tab = client.get("/cases/", {"tab": "open"}).content.decode()
    assert f'data-case="{case.reference}"' in open_tab
    assert "Historical ledger case" in open_tab
    chinese = signed_in(world.director)
    chinese.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    assert "历史台账案件" in chinese.get(f"/cases/{case.pk}/").content.decode()


def test_a_concluded_ledger_case_keeps_the_deadline_it_had(world: World) -> None:
    run(ledger(ROWS[1], body=world.body.name), actor=world.director)
    case = Dispute.objects.get()
    assert case.from_ledger and case.deadline is not None


def test_the_migration_takes_open_imported_cases_off_the_clock(world: World) -> None:
    # Two open cases imported before the marker existed, with the clock the import started then;
    # someone has since worked on the second one here.
    run(ledger(OPEN_2024, ROWS[3], body=world.body.name), actor=world.director)
    Dispute.objects.update(from_ledger=False, deadline=datetime.date(2024, 2, 14))
    worked_on = Dispute.objects.get(reference="2024-交调-004")
    entry = TransitionLog.objects.get(dispute=worked_on)
    entry.pk, entry.transition = None, "assign"
    entry._state.adding = True
    entry.save()
    migration = __import__(
        "mediation.migrations.0020_ledger_history_and_other_bodies", fromlist=["mark_ledger_cases"]
    )
    migration.mark_ledger_cases(apps, None)
    untouched = Dispute.objects.get(reference="东湖医调〔2024〕0001号")
    assert (untouched.from_ledger, untouched.deadline) == (True, None)
    worked_on.refresh_from_db()
    assert (worked_on.from_ledger, worked_on.deadline) == (True, datetime.date(2024, 2, 14))


def test_the_command_as_a_director_names_the_other_bodies(world: World, tmp_path: Any) -> None:
    path = tmp_path / "台账.csv"
    other = ROWS[2].format(body=world.other_body.name)
    path.write_bytes(ledger(ROWS[1], other, body=world.body.name))
    out = StringIO()
    call_command("import_ledger", str(path), "--user", world.director.username, stdout=out)
    assert (
        f"1 rows belong to other bodies, left for their directors: {world.other_body.name} (1)"
        in (out.getvalue())
    )
    assert Dispute.objects.filter(body=world.body).count() == 1
