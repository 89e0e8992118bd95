"""Ledger import (SPEC §8): headers in both languages, CSV and XLSX, every kind of bad row and
bad file, idempotence, all-or-nothing against row-by-row, and the rates of what was imported."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from mediation.cases.models import Dispute, MediationBody, Mediator, TransitionLog
from mediation.figures import kept as figures
from mediation.figures import stats
from mediation.kernel.choices import Outcome, State
from mediation.kernel.exceptions import Forbidden
from mediation.ledger.columns import CHINESE_HEADERS, COLUMNS
from mediation.ledger.importer import import_ledger
from mediation.ledger.models import LedgerImport
from parties.models import CaseParty, Party, PartyKind, PartyRole
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    # The reasons are asserted in English; the zh-Hans catalogue translates them on the pages.
    with translation.override("en"):
        yield


CHINESE = ",".join(CHINESE_HEADERS)
ENGLISH = ",".join(COLUMNS)
BODY = "青山湖区交通事故人民调解委员会"
ROWS = [
    # reference, category, track, body, mediator, channel, received, accepted, concluded,
    # outcome, claimed, agreed, parties
    "2024-交调-001,交通事故,人民调解,{body},王芳,交警移送,2024-03-02,2024-03-03,2024-03-20,调解成功,"
    "86000,50000.50,申请人:张伟;被申请人:李娜;第三人:某财产保险股份有限公司南昌分公司",
    "2024-交调-002,traffic,people,{body},王芳,police,2024-03-05,2024-03-06,2024-04-01,failure,"
    "12000,,applicant:赵六;respondent:钱七;agent:孙律师",
    "2024-交调-003,medical,people,{body},李强,walk_in,2024-04-01,2024-04-02,2024-05-02,success,"
    "30000,0,applicant:周八;respondent:某某县人民医院",
    "2024-交调-004,school,people,{body},,grid,2024-05-05,2024-05-06,,open,,,"
    "applicant:小明;guardian:小明妈妈;respondent:某某小学",
    "2024-交调-005,family,people,{body},,walk_in,2024-05-07,,2024-05-08,withdrawn,,,applicant:吴九",
    "2024-交调-006,financial,people,{body},,institution,2024-05-09,,2024-05-10,不予受理,5000,,"
    "申请人:某某银行股份有限公司南昌分行;被申请人:郑十",
]


def ledger(*rows: str, header: str = CHINESE, body: str = BODY) -> bytes:
    return ("\n".join([header, *(row.format(body=body) for row in rows)]) + "\n").encode()


def write(tmp_path: Path, data: bytes, name: str = "ledger.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(data: bytes, **options: Any) -> LedgerImport:
    options.setdefault("all_or_nothing", True)
    return import_ledger(io.BytesIO(data), file_name="ledger.csv", **options)


# --- good ledgers ---------------------------------------------------------------------------------


def test_a_chinese_ledger_enters_each_case_in_its_final_state_with_an_import_log_entry() -> None:
    report = run(ledger(*ROWS))

    assert report.status == LedgerImport.Status.DONE
    assert (report.rows_total, report.imported, report.skipped, report.rejected) == (6, 6, 0, 0)
    assert report.created_bodies == [BODY]
    assert sorted(report.created_mediators) == [f"李强 ({BODY})", f"王芳 ({BODY})"]
    states = dict(Dispute.objects.values_list("reference", "state"))
    assert states == {
        "2024-交调-001": State.SIGNED,
        "2024-交调-002": State.FAILED,
        "2024-交调-003": State.SIGNED,
        "2024-交调-004": State.ACCEPTED,
        "2024-交调-005": State.WITHDRAWN,
        "2024-交调-006": State.DECLINED,
    }
    first = Dispute.objects.get(reference="2024-交调-001")
    assert first.outcome == Outcome.SUCCESS
    assert first.title == "张伟与李娜道路交通事故纠纷"
    assert first.agreed_amount == Decimal("50000.50")
    assert first.claimed_amount == Decimal("86000.00")
    assert first.signed_at == first.concluded_at == datetime.date(2024, 3, 20)
    assert first.mediator.display_name == "王芳"
    assert first.body.name == BODY and first.track == "people"
    entries = list(TransitionLog.objects.filter(dispute=first))
    assert [(e.transition, e.from_state, e.to_state) for e in entries] == [
        ("import", "", State.SIGNED)
    ]
    assert entries[0].data == {"imported": True, "import": report.pk, "line": 2}
    assert "ledger.csv" in entries[0].reason
    # Every case has exactly one log entry, and it says it was imported.
    assert TransitionLog.objects.filter(transition="import").count() == 6


def test_parties_organisations_and_representatives() -> None:
    run(ledger(*ROWS))
    roles = {
        (cp.role, cp.party.name, cp.party.kind, cp.represents.party.name if cp.represents else "")
        for cp in CaseParty.objects.filter(dispute__reference="2024-交调-004").select_related(
            "party", "represents__party"
        )
    }
    assert roles == {
        (PartyRole.APPLICANT, "小明", PartyKind.PERSON, ""),
        (PartyRole.GUARDIAN, "小明妈妈", PartyKind.PERSON, "小明"),
        (PartyRole.RESPONDENT, "某某小学", PartyKind.ORGANIZATION, ""),
    }
    insurer = Party.objects.get(name="某财产保险股份有限公司南昌分公司")
    assert (insurer.kind, insurer.organization_type) == (PartyKind.ORGANIZATION, "insurer")
    assert Party.objects.get(name="某某县人民医院").organization_type == "hospital"


def test_an_organisation_named_in_several_rows_is_one_party() -> None:
    rows = [
        f"2024-金-{n:03d},financial,people,{{body}},,institution,2024-05-09,2024-05-10,"
        f"2024-06-01,failure,,,applicant:某某银行股份有限公司南昌分行;respondent:借款人{n}"
        for n in range(3)
    ]
    run(ledger(*rows))
    bank = Party.objects.get(name="某某银行股份有限公司南昌分行")
    assert bank.case_roles.count() == 3
    assert Party.objects.filter(kind=PartyKind.PERSON).count() == 3


def test_imported_cases_count_in_the_rates_like_live_ones(world: World) -> None:
    run(ledger(*ROWS))
    body = MediationBody.objects.get(name=BODY)
    figures = stats.rates(world.admin, stats.RatesQuery(group_by=("body",)))
    row = next(r for r in figures["rows"] if r["body"] == body.pk)
    # By hand: 001 and 003 succeeded, 002 failed, 005 withdrawn, 006 declined, 004 open;
    # accepted: 001, 002, 003, 004.
    assert (row["success"], row["failure"], row["withdrawn"], row["declined"]) == (2, 1, 1, 1)
    assert row["mediated"] == 3 and row["accepted"] == 4 and row["open"] == 1
    assert row["success_rate"] == pytest.approx(2 / 3)
    assert row["completion_rate"] == pytest.approx(4 / 4)
    assert row["zero_compensation"] == 1
    assert row["agreed_total"] == Decimal("50000.50")
    assert row["agreed_max"] == Decimal("50000.50") and row["agreed_min"] == Decimal("0.00")
    assert row["claimed_total"] == Decimal("133000.00")
    by_mediator = stats.rates(world.admin, stats.RatesQuery(group_by=("mediator",)))["rows"]
    wang = Mediator.objects.get(user__last_name="王芳")
    assert next(r for r in by_mediator if r["mediator"] == wang.pk)["success"] == 1


def test_the_import_names_the_slices_it_adds_to_as_the_database_keys_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The import tells `add_new` which slices to lock instead of asking the database: they
    must be exactly the slices the new cases fall in, or a concurrent writer could race."""
    told: list[str] = []
    add_new = figures.add_new

    def spy(dispute_ids: Any, slices: Any = None) -> None:
        told.extend(figures.slice_key(dims) for dims in slices)
        add_new(dispute_ids, slices)

    monkeypatch.setattr(figures, "add_new", spy)
    run(ledger(*ROWS))
    in_database = set(
        Dispute.objects.order_by().values_list(figures._key_expression(), flat=True).distinct()
    )
    assert len(in_database) >= 5  # several bodies' months and categories, not one
    assert set(told) == in_database
    assert figures.differences() == []


def test_an_english_xlsx_with_typed_dates_and_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            "XL-1",
            "Medical",
            "People's mediation",
            BODY,
            "王芳",
            "Walk-in",
            datetime.datetime(2024, 3, 2),
            datetime.date(2024, 3, 3),
            datetime.date(2024, 3, 30),
            "Success",
            86000,
            680.52,
            "applicant:张伟;respondent:某某医院",
        ]
    )
    sheet.append([None] * len(COLUMNS))  # Excel's empty trailing rows are ignored
    path = tmp_path / "ledger.xlsx"
    book.save(path)

    report = import_ledger(path, all_or_nothing=True)

    assert (report.status, report.imported, report.rejected) == ("done", 1, 0), report.errors
    case = Dispute.objects.get(reference="XL-1")
    assert (case.category, case.channel, case.state) == ("medical", "walk_in", State.SIGNED)
    assert case.received_at == datetime.date(2024, 3, 2)
    assert case.agreed_amount == Decimal("680.52")


def test_a_gb18030_csv_as_chinese_excel_saves_it() -> None:
    data = ledger(*ROWS[:1]).decode().encode("gb18030")
    report = run(data)
    assert report.imported == 1
    assert Dispute.objects.get().title == "张伟与李娜道路交通事故纠纷"


def test_columns_in_another_order_and_extra_columns_are_fine() -> None:
    header = "备注," + ",".join(reversed(CHINESE.split(",")))
    row = ",".join(reversed(ROWS[1].format(body=BODY).split(",")))
    report = run(ledger("随便写点," + row, header=header))
    assert report.imported == 1
    assert Dispute.objects.get().state == State.FAILED


# --- idempotence and modes -----------------------------------------------------------------------


def test_importing_the_same_file_again_creates_nothing() -> None:
    run(ledger(*ROWS))
    counts = (Dispute.objects.count(), Party.objects.count(), TransitionLog.objects.count())

    again = run(ledger(*ROWS))

    assert (again.status, again.imported, again.skipped) == ("done", 0, 6)
    assert again.created_bodies == [] and again.created_mediators == []
    after = (Dispute.objects.count(), Party.objects.count(), TransitionLog.objects.count())
    assert after == counts
    assert Mediator.objects.count() == 2 and MediationBody.objects.count() == 1


def test_a_dry_run_reports_what_would_happen_and_writes_nothing() -> None:
    report = run(
        ledger(*ROWS, "BAD,traffic,,{body},,police,2024-02-30,,,open,,,applicant:甲"), dry_run=True
    )
    assert report.status == LedgerImport.Status.DONE
    assert (report.imported, report.rejected) == (6, 1)
    assert report.created_bodies == [BODY]
    assert not Dispute.objects.exists()
    assert not MediationBody.objects.exists() and not Mediator.objects.exists()


BAD_ROW = "BAD-1,unknown,people,{body},,walk_in,2024-03-02,,,open,,,applicant:甲"


def test_all_or_nothing_imports_nothing_when_one_row_is_bad() -> None:
    report = run(ledger(*ROWS, BAD_ROW), all_or_nothing=True)
    assert report.status == LedgerImport.Status.REJECTED
    assert "1 rows have errors" in report.message
    assert report.errors == [
        {"line": 8, "column": "category", "reason": "Unknown value “unknown”."}
    ]
    assert not Dispute.objects.exists() and not MediationBody.objects.exists()


def test_row_by_row_imports_the_good_rows_and_reports_the_bad() -> None:
    report = run(ledger(*ROWS, BAD_ROW), all_or_nothing=False)
    assert report.status == LedgerImport.Status.DONE
    assert (report.imported, report.rejected) == (6, 1)
    assert not Dispute.objects.filter(reference="BAD-1").exists()
    assert Dispute.objects.count() == 6


# --- bad rows ------------------------------------------------------------------------------------

GOOD = {
    "reference": "R-1",
    "category": "traffic",
    "track": "people",
    "body": BODY,
    "mediator": "王芳",
    "channel": "police",
    "received": "2024-03-02",
    "accepted": "2024-03-03",
    "concluded": "2024-03-20",
    "outcome": "success",
    "claimed": "1000",
    "agreed": "800",
    "parties": "applicant:张伟;respondent:李娜",
}
# A week ahead: computed when the tests are collected, it must still be ahead if the run
# crosses midnight (Asia/Shanghai).
FUTURE = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


def one_row(**changes: str) -> bytes:
    values = {**GOOD, **changes}
    return ledger(",".join(values[name] for name in COLUMNS), header=ENGLISH)


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"reference": ""}, "reference", "Required."),
        ({"reference": "R" * 31}, "reference", "At most 30 characters."),
        ({"reference": "FQ-2024-000001"}, "reference", "looks like a Fengqiao number"),
        ({"category": "噪音"}, "category", "Unknown value “噪音”."),
        ({"track": "mystery"}, "track", "Unknown value “mystery”."),
        ({"channel": ""}, "channel", "Required."),
        ({"outcome": "maybe"}, "outcome", "Unknown value “maybe”."),
        ({"body": ""}, "body", "Required."),
        ({"received": "02/03/2024"}, "received", "is not a date (YYYY-MM-DD)"),
        ({"received": "2024-02-30"}, "received", "is not a day"),
        ({"received": ""}, "received", "Required."),
        ({"received": FUTURE}, "received", "The date is in the future."),
        ({"accepted": "2024-03-01"}, "accepted", "Accepted before it was received."),
        ({"concluded": "2024-03-02"}, "concluded", "Concluded before it was received or accepted."),
        ({"concluded": ""}, "concluded", "Required for a concluded case."),
        ({"outcome": "open", "agreed": ""}, "concluded", "An open case has no conclusion date."),
        ({"accepted": ""}, "accepted", "A mediated case must have been accepted."),
        ({"outcome": "declined", "agreed": ""}, "accepted", "A declined case was never accepted."),
        ({"claimed": "-5"}, "claimed", "An amount cannot be negative."),
        ({"agreed": "-0.01"}, "agreed", "An amount cannot be negative."),
        ({"claimed": "12.345"}, "claimed", "at most two decimal places"),
        ({"claimed": "lots"}, "claimed", "“lots” is not an amount."),
        ({"claimed": "NaN"}, "claimed", "is not an amount"),
        ({"claimed": "1e20"}, "claimed", "The amount is too large."),
        ({"outcome": "failure"}, "agreed", "Only a successful mediation has an agreed amount."),
        ({"parties": ""}, "parties", "A dispute needs at least one applicant."),
        ({"parties": "respondent:李娜"}, "parties", "A dispute needs at least one applicant."),
        ({"parties": "张伟"}, "parties", "is not role:name"),
        ({"parties": "boss:张伟"}, "parties", "Unknown value “boss”."),
        ({"parties": "agent:孙律师;applicant:张伟"}, "parties", "list the party they act for"),
    ],
)
def test_each_bad_row_is_reported_with_line_column_and_reason(
    changes: dict[str, str], column: str, reason: str
) -> None:
    report = run(one_row(**changes))
    assert report.status == LedgerImport.Status.REJECTED
    assert report.rejected == 1
    assert [(e["line"], e["column"]) for e in report.errors] == [(2, column)]
    assert reason in report.errors[0]["reason"]
    assert not Dispute.objects.exists()


def test_every_problem_of_a_row_is_reported() -> None:
    report = run(one_row(category="?", claimed="-1", received="yesterday"))
    assert {e["column"] for e in report.errors} == {"category", "claimed", "received"}
    assert report.rejected == 1 and report.errors_total == 3


def test_a_reference_twice_in_one_file_names_the_first_line() -> None:
    report = run(one_row() + one_row().split(b"\n", 1)[1])
    assert report.errors == [
        {"line": 3, "column": "reference", "reason": "The reference R-1 is already on line 2."}
    ]


def test_a_body_that_does_not_take_the_category(world: World) -> None:
    world.body.categories = ["medical"]
    world.body.save()
    report = run(one_row(body=world.body.name))
    assert report.errors[0]["column"] == "category"
    assert "does not take" in report.errors[0]["reason"]


def test_a_new_body_needs_a_track() -> None:
    report = run(one_row(track=""))
    assert report.errors[0]["column"] == "track"


def test_line_numbers_count_quoted_line_breaks() -> None:
    good = ",".join(GOOD[name] for name in COLUMNS)
    bad = good.replace("R-1", "R-2").replace("traffic", "nope")
    data = f'{ENGLISH},备注\n{good},"两行\n备注"\n{bad},\n'.encode()
    assert run(data).errors[0]["line"] == 4


# --- bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n", "The file is empty."),
        (b"reference,category\nR-1,traffic\n", "columns missing: 调解类型 (track)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV or XLSX file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n\x00", "not a CSV or XLSX file"),
        (b"PK\x03\x04garbage that is not a zip", "not a readable XLSX workbook"),
        (("编号,编号\n").encode(), "appears twice"),
    ],
)
def test_a_file_that_cannot_be_a_ledger_is_refused_whole(data: bytes, message: str) -> None:
    report = run(data)
    assert report.status == LedgerImport.Status.REJECTED
    assert message in report.message
    assert not Dispute.objects.exists()


def test_a_50_mb_file_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write((ENGLISH + "\n").encode())
        handle.truncate(50 * 1024 * 1024)
    report = import_ledger(path)
    assert report.status == LedgerImport.Status.REJECTED
    assert "The file is 52.4 MB; a ledger may be at most 32 MB" in report.message
    assert report.file_size == 50 * 1024 * 1024


def test_too_many_rows(settings: Any) -> None:
    settings.FENGQIAO_LEDGER_MAX_ROWS = 2
    report = run(ledger(*ROWS[:3]))
    assert report.status == LedgerImport.Status.REJECTED
    assert "more than 2 rows" in report.message


# --- who may import ------------------------------------------------------------------------------


def test_a_director_imports_only_their_own_bodys_rows(world: World) -> None:
    rows = ledger(ROWS[1], ROWS[1].replace("002", "009"), body=world.body.name)
    other = ROWS[2].format(body=world.other_body.name)
    # All or nothing: another body's row is not an error, so the director's rows go in.
    report = run(rows + other.encode() + b"\n", actor=world.director, all_or_nothing=True)
    assert (report.status, report.imported, report.rejected) == ("done", 2, 0)
    assert report.errors == []
    assert (report.other_rows, report.other_bodies) == (1, [[world.other_body.name, 1]])
    assert not Dispute.objects.filter(body=world.other_body).exists()
    case = Dispute.objects.get(reference="2024-交调-002")
    assert case.created_by == world.director
    assert case.log_entries.get().actor == world.director
    assert case.mediator.body == world.body


@pytest.mark.parametrize("who", ["clerk", "analyst", "court_user", "party_user"])
def test_others_may_not_import(world: World, who: str) -> None:
    with pytest.raises(Forbidden):
        run(ledger(*ROWS), actor=getattr(world, who))
    assert not Dispute.objects.exists()


# --- the command ---------------------------------------------------------------------------------


def test_the_command_reports_errors_by_line_and_imports_the_good_rows(
    tmp_path: Path, capsys: Any
) -> None:
    path = write(tmp_path, ledger(*ROWS, BAD_ROW))
    call_command("import_ledger", str(path))
    out, err = capsys.readouterr()
    assert "line 8, category: Unknown value “unknown”." in err
    assert "7 rows: imported 6, already there 0, with errors 1" in out
    assert f"body created: {BODY}" in out
    assert Dispute.objects.count() == 6


def test_the_command_all_or_nothing_fails_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, ledger(*ROWS, BAD_ROW))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_ledger", str(path), "--all-or-nothing")
    assert not Dispute.objects.exists()


def test_the_command_dry_run(tmp_path: Path, capsys: Any) -> None:
    call_command("import_ledger", str(write(tmp_path, ledger(*ROWS))), "--dry-run")
    assert "6 rows: would import 6" in capsys.readouterr().out
    assert not Dispute.objects.exists()


def test_the_command_as_a_user(tmp_path: Path, world: World) -> None:
    path = write(tmp_path, ledger(ROWS[1], body=world.body.name))
    call_command("import_ledger", str(path), "--user", world.director.username)
    assert Dispute.objects.get().created_by == world.director
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_ledger", str(path), "--user", world.clerk.username)


def test_the_command_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_ledger", str(tmp_path / "nope.csv"))


def test_an_xlsx_with_a_bad_cell_reports_its_row_number(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(CHINESE.split(","))
    sheet.append([GOOD[name] for name in COLUMNS])
    sheet.append([{"reference": "R-2", "claimed": -3}.get(name, GOOD[name]) for name in COLUMNS])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    assert load_workbook(path).active.max_row == 3

    report = import_ledger(path, all_or_nothing=False)

    assert report.imported == 1
    assert report.errors == [
        {"line": 3, "column": "claimed", "reason": "An amount cannot be negative."}
    ]
