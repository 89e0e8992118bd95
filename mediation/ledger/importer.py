"""Ledger import (调解台账, SPEC §8): a centre's history, one row per dispute, from CSV or XLSX.

The work is in three steps, each of which can stop the file with a clear reason:

1. **Read** (`read_ledger`): find out what the file is from its bytes, not its name (an XLSX is a
   ZIP archive; a CSV is text in UTF-8 or GB18030, the encoding Chinese Excel saves in), check
   the size and that every column of SPEC §8 is there, under its English or Chinese header.
2. **Check** (`check_rows`): every row on its own (known codes, dates in order, amounts, parties)
   and against the others (a reference twice in one file) and the database (references already
   imported are skipped, so importing a file again creates nothing new). Each problem is reported
   with its line, its column and the reason.
3. **Write** (`write_rows`): the good rows in one transaction, table by table with
   `mediation.kernel.bulk` (COPY on PostgreSQL), each dispute in the final state its outcome names
   with one `import` entry in its transition log, so the rates count it like a live case.

All or nothing (the page's default, `--all-or-nothing` on the command line) writes nothing when
any row is bad; otherwise the good rows go in and the bad ones are reported. A dry run checks
and reports what would happen, and writes nothing.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mediation.cases.models import (
    Dispute,
    MediationBody,
    Mediator,
    SliceDims,
    TransitionLog,
    court_deadline_days,
    deadline_dates,
)
from mediation.figures import kept as figures
from mediation.kernel import bulk
from mediation.kernel.choices import BodyKind, Category, Channel, Outcome, State, Track
from mediation.kernel.exceptions import Forbidden
from mediation.kernel.roles import Role, scope_of
from mediation.ledger import xlsx
from mediation.ledger.models import LedgerImport
from parties.models import (
    PRINCIPAL_ROLES,
    CaseParty,
    OrganizationType,
    Party,
    PartyKind,
    PartyRole,
)

# --- the columns of SPEC §8 ----------------------------------------------------------------------

COLUMNS = (
    "reference",
    "category",
    "track",
    "body",
    "mediator",
    "channel",
    "received",
    "accepted",
    "concluded",
    "outcome",
    "claimed",
    "agreed",
    "parties",
)
CHINESE_HEADERS = dict(
    zip(
        (
            "编号",
            "纠纷类型",
            "调解类型",
            "调解组织",
            "调解员",
            "来源",
            "收到日期",
            "受理日期",
            "办结日期",
            "结果",
            "标的金额",
            "协议金额",
            "当事人",
        ),
        COLUMNS,
        strict=True,
    )
)
HEADERS = {name: name for name in COLUMNS} | CHINESE_HEADERS
CHINESE_OF_COLUMN = {name: chinese for chinese, name in CHINESE_HEADERS.items()}


def column_label(name: str) -> str:
    """A column as reports name it: `accepted (受理日期)`."""
    return f"{name} ({CHINESE_OF_COLUMN[name]})" if name in CHINESE_OF_COLUMN else name


# Values as ledgers write them: the code, its English label, its Chinese name (SPEC §2) and the
# short forms clerks use. Matching ignores case and surrounding blanks.
CATEGORY_NAMES = {
    Category.TRAFFIC: ("道路交通事故纠纷", "交通事故纠纷", "交通事故", "道路交通"),
    Category.FINANCIAL: ("金融纠纷", "金融", "借贷纠纷"),
    Category.MEDICAL: ("医疗纠纷", "医疗", "医患纠纷"),
    Category.SCHOOL: ("校园纠纷", "校园", "学校纠纷"),
    Category.FAMILY: ("婚姻家事纠纷", "婚姻家庭纠纷", "婚姻家事", "家事纠纷", "婚姻家庭"),
}
TRACK_NAMES = {
    Track.PEOPLE: ("人民调解",),
    Track.ADMINISTRATIVE: ("行政调解",),
    Track.JUDICIAL: ("司法调解", "特邀调解"),
}
CHANNEL_NAMES = {
    Channel.WALK_IN: ("来访", "来访登记", "当面申请"),
    Channel.HOTLINE: ("电话", "12348", "热线", "电话/12348"),
    Channel.ONLINE: ("网上申请", "网上", "在线申请"),
    Channel.GRID: ("网格员上报", "网格", "网格员"),
    Channel.POLICE: ("公安/交警移送", "公安移送", "交警移送", "公安", "交警"),
    Channel.INSTITUTION: ("机构申请", "机构"),
    Channel.PETITION: ("信访转办", "信访"),
    Channel.COURT_DELEGATED: ("法院诉前委派", "诉前委派", "委派"),
    Channel.COURT_ENTRUSTED: ("法院诉中委托", "诉中委托", "委托调解"),
}
OPEN = "open"
OUTCOME_NAMES = {
    Outcome.SUCCESS: ("调解成功", "成功", "达成协议"),
    Outcome.FAILURE: ("调解不成", "调解失败", "失败", "不成功", "未达成协议"),
    Outcome.WITHDRAWN: ("已撤回", "撤回", "申请人撤回"),
    Outcome.DECLINED: ("不予受理", "不受理"),
    OPEN: ("在办", "未结", "办理中", "调解中", "进行中"),
}
ROLE_NAMES = {
    PartyRole.APPLICANT: ("申请人",),
    PartyRole.RESPONDENT: ("被申请人",),
    PartyRole.THIRD_PARTY: ("第三人",),
    PartyRole.AGENT: ("委托代理人", "代理人"),
    PartyRole.GUARDIAN: ("法定代理人", "监护人", "法定代理人/监护人"),
}


def _lookup(names: dict[Any, tuple[str, ...]], labels: Iterable[tuple[str, Any]] = ()) -> dict:
    table: dict[str, str] = {}
    for code, aliases in names.items():
        table[str(code).lower()] = str(code)
        for alias in aliases:
            table[alias.lower()] = str(code)
    with translation.override("en"):  # English labels, whatever language is active now
        for code, label in labels:
            table[str(label).lower()] = str(code)
    return table


CATEGORIES = _lookup(CATEGORY_NAMES, Category.choices)
TRACKS = _lookup(TRACK_NAMES, Track.choices)
CHANNELS = _lookup(CHANNEL_NAMES, Channel.choices)
OUTCOMES = _lookup(OUTCOME_NAMES, [*Outcome.choices, (OPEN, "Open")])
ROLES = _lookup(ROLE_NAMES, PartyRole.choices)

# The state an imported dispute is put in, by its outcome.
STATE_OF_OUTCOME = {
    Outcome.SUCCESS: State.SIGNED,
    Outcome.FAILURE: State.FAILED,
    Outcome.WITHDRAWN: State.WITHDRAWN,
    Outcome.DECLINED: State.DECLINED,
}
BODY_KIND_OF_TRACK = {
    Track.PEOPLE: BodyKind.PEOPLES_COMMITTEE,
    Track.ADMINISTRATIVE: BodyKind.ADMINISTRATIVE,
    Track.JUDICIAL: BodyKind.COURT_INVITED,
}
# Fengqiao's own numbers (FQ-2026-000123): a ledger may name one only if it exists already.
OWN_REFERENCE = re.compile(r"^[A-Z]+-\d{4}-\d{6}$")
DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
# A party named like this is an organisation (ledgers carry no ID type), with its likely type.
ORGANIZATION_MARKERS: tuple[tuple[str, str], ...] = (
    ("保险", OrganizationType.INSURER),
    ("银行", OrganizationType.BANK),
    ("支行", OrganizationType.BANK),
    ("分行", OrganizationType.BANK),
    ("信用社", OrganizationType.BANK),
    ("医院", OrganizationType.HOSPITAL),
    ("卫生院", OrganizationType.HOSPITAL),
    ("诊所", OrganizationType.HOSPITAL),
    ("学校", OrganizationType.SCHOOL),
    ("中学", OrganizationType.SCHOOL),
    ("小学", OrganizationType.SCHOOL),
    ("幼儿园", OrganizationType.SCHOOL),
    ("大学", OrganizationType.SCHOOL),
    ("学院", OrganizationType.SCHOOL),
    ("公司", OrganizationType.OTHER),
    ("集团", OrganizationType.OTHER),
    ("委员会", OrganizationType.OTHER),
    ("合作社", OrganizationType.OTHER),
    ("局", OrganizationType.GOVERNMENT),
)
MAX_AMOUNT = Decimal("999999999999.99")  # what Dispute's 14-digit amount columns hold
PROGRESS_EVERY = 2_000
WRITE_CHUNK = 5_000


class LedgerFileError(Exception):
    """The whole file cannot be imported: not a CSV or XLSX, too large, columns missing."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass(slots=True)
class LedgerRow:
    """One checked row, ready to be written."""

    line: int
    reference: str
    category: str
    track: str
    body: str
    mediator: str
    channel: str
    received: datetime.date
    accepted: datetime.date | None
    concluded: datetime.date | None
    outcome: str
    claimed: Decimal | None
    agreed: Decimal | None
    parties: list[tuple[str, str]]


@dataclass
class Checked:
    rows: list[LedgerRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    skipped: int = 0
    new_bodies: list[str] = field(default_factory=list)
    new_mediators: list[str] = field(default_factory=list)


# --- 1. reading ----------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise LedgerFileError(_("This is not a CSV or XLSX file (it contains binary data)."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Text has few control characters; a binary file decoded by chance has many.
        controls = sum(1 for ch in text[:20_000] if ord(ch) < 32 and ch not in "\r\n\t")
        if controls:
            break
        return text
    raise LedgerFileError(
        _("This is not a CSV or XLSX file: save the ledger as CSV (UTF-8) or XLSX.")
    )


def _csv_records(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LedgerFileError(
            _("Line %(line)d is not valid CSV: %(reason)s") % {"line": start, "reason": exc}
        ) from exc


def xlsx_limits() -> xlsx.Limits:
    """How much of an XLSX ledger is read before it is refused (settings, see config)."""
    return xlsx.Limits(
        uncompressed_bytes=settings.FENGQIAO_LEDGER_XLSX_MAX_UNPACKED_BYTES,
        cells=settings.FENGQIAO_LEDGER_XLSX_MAX_CELLS,
        shared_strings=settings.FENGQIAO_LEDGER_XLSX_MAX_SHARED_STRINGS,
        shared_strings_chars=settings.FENGQIAO_LEDGER_XLSX_MAX_SHARED_STRINGS_CHARS,
        cell_chars=settings.FENGQIAO_LEDGER_XLSX_MAX_CELL_CHARS,
    )


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    # Not openpyxl: it builds whatever the file describes (a 400 MB string, a row padded to
    # column XFD) before handing over a value. mediation.ledger.xlsx reads within limits.
    try:
        yield from xlsx.read_rows(data, xlsx_limits())
    except xlsx.XlsxError as exc:
        raise LedgerFileError(str(exc)) from exc


def check_xlsx(data: bytes) -> None:
    """Read a whole XLSX ledger, keeping nothing: LedgerFileError if it is not within limits."""
    for _row in _xlsx_records(data):
        pass


def _records(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_records(data)
    return _csv_records(data)


def _text(value: Any) -> str:
    if type(value) is str:  # nearly every value of a CSV: the quick way first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header(line: int, record: list[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(record):
        name = HEADERS.get(_text(raw).lstrip("\ufeff").lower())
        if name is None:
            continue  # other columns (notes, phone numbers…) are ignored
        if name in positions:
            raise LedgerFileError(
                _("Line %(line)d: the column “%(column)s” appears twice.")
                % {"line": line, "column": _text(raw)}
            )
        positions[name] = index
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        raise LedgerFileError(
            _("Line %(line)d: columns missing: %(columns)s.")
            % {
                "line": line,
                "columns": ", ".join(column_label(name) for name in missing),
            }
        )
    return positions


def read_ledger(data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, {column: raw value}) for every non-empty row after the header."""
    if len(data) > settings.FENGQIAO_LEDGER_MAX_BYTES:
        raise LedgerFileError(too_large(len(data)))
    if not data.strip():
        raise LedgerFileError(_("The file is empty."))
    positions: dict[str, int] | None = None
    rows = 0
    for line, record in _records(data):
        if not any(_text(value) for value in record):
            continue
        if positions is None:
            positions = _header(line, record)
            continue
        rows += 1
        if rows > settings.FENGQIAO_LEDGER_MAX_ROWS:
            raise LedgerFileError(
                _("The file has more than %(limit)d rows. Split it in parts.")
                % {"limit": settings.FENGQIAO_LEDGER_MAX_ROWS}
            )
        yield (
            line,
            {
                name: record[index] if index < len(record) else None
                for name, index in positions.items()
            },
        )
    if positions is None:
        raise LedgerFileError(_("The file has no header row."))


# --- 2. checking ---------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, column: str, reason: str) -> None:
        self.column = column
        self.reason = reason


def _code(table: dict[str, str], column: str, raw: Any, *, required: bool = True) -> str:
    text = _text(raw)
    if not text:
        if required:
            raise _Bad(column, _("Required."))
        return ""
    try:
        return table[text.lower()]
    except KeyError:
        raise _Bad(column, _("Unknown value “%(value)s”.") % {"value": text[:50]}) from None


def _date(column: str, raw: Any, today: datetime.date) -> datetime.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime.datetime):
        value = raw.date()
    elif isinstance(raw, datetime.date):
        value = raw
    else:
        text = _text(raw)
        value = _day(text)
        if value is None:
            if DATE.match(text):
                raise _Bad(column, _("“%(value)s” is not a day.") % {"value": text})
            raise _Bad(column, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text[:30]})
    if value > today:
        raise _Bad(column, _("The date is in the future."))
    return value


@functools.lru_cache(maxsize=8_192)
def _day(text: str) -> datetime.date | None:
    """The day `text` names, or None. Cached: a ledger's 100,000 rows name a few thousand days."""
    match = DATE.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _amount(column: str, raw: Any) -> Decimal | None:
    text = _text(raw).replace(",", "").removeprefix("¥").removesuffix("元").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Bad(column, _("“%(value)s” is not an amount.") % {"value": text[:30]}) from None
    if not value.is_finite():
        raise _Bad(column, _("“%(value)s” is not an amount.") % {"value": text[:30]})
    if value < 0:
        raise _Bad(column, _("An amount cannot be negative."))
    if value != value.quantize(Decimal("0.01")):
        raise _Bad(column, _("An amount has at most two decimal places."))
    if value > MAX_AMOUNT:
        raise _Bad(column, _("The amount is too large."))
    return value.quantize(Decimal("0.01"))


def _parties(raw: Any) -> list[tuple[str, str]]:
    text = _text(raw).replace("；", ";").replace("：", ":")
    parties: list[tuple[str, str]] = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        role_text, sep, name = item.partition(":")
        if not sep or not name.strip():
            raise _Bad(
                "parties",
                _("“%(item)s” is not role:name (e.g. applicant:张伟).") % {"item": item[:50]},
            )
        role = _code(ROLES, "parties", role_text)
        name = name.strip()
        if len(name) > 200:
            raise _Bad("parties", _("A party's name is at most 200 characters."))
        if role not in PRINCIPAL_ROLES and not any(r in PRINCIPAL_ROLES for r, _n in parties):
            raise _Bad(
                "parties",
                _("%(name)s acts for someone: list the party they act for before them.")
                % {"name": name},
            )
        parties.append((role, name))
    if not any(role == PartyRole.APPLICANT for role, _name in parties):
        raise _Bad("parties", _("A dispute needs at least one applicant."))
    return parties


class _Collector:
    """Runs each column's check and keeps every problem, so a row's report names them all."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def take(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except _Bad as exc:
            self.problems.append((exc.column, exc.reason))
            return None

    def fail(self, column: str, reason: str) -> None:
        self.problems.append((column, reason))


def _text_column(raw: dict[str, Any], column: str, limit: int, *, required: bool) -> str:
    text = _text(raw[column])
    if required and not text:
        raise _Bad(column, _("Required."))
    if len(text) > limit:
        raise _Bad(column, _("At most %(limit)d characters.") % {"limit": limit})
    return text


def _check_row(
    line: int, raw: dict[str, Any], today: datetime.date
) -> tuple[LedgerRow | None, list[tuple[str, str]]]:
    """One row on its own: the checked row, or None and every (column, reason) wrong with it."""
    c = _Collector()
    reference = c.take(_text_column, raw, "reference", 30, required=True)
    body = c.take(_text_column, raw, "body", 100, required=True)
    mediator = c.take(_text_column, raw, "mediator", 150, required=False)
    category = c.take(_code, CATEGORIES, "category", raw["category"])
    track = c.take(_code, TRACKS, "track", raw["track"], required=False)
    channel = c.take(_code, CHANNELS, "channel", raw["channel"])
    outcome = c.take(_code, OUTCOMES, "outcome", raw["outcome"])
    received = c.take(_date, "received", raw["received"], today)
    accepted = c.take(_date, "accepted", raw["accepted"], today)
    concluded = c.take(_date, "concluded", raw["concluded"], today)
    claimed = c.take(_amount, "claimed", raw["claimed"])
    agreed = c.take(_amount, "agreed", raw["agreed"])
    parties = c.take(_parties, raw["parties"])

    if received is None and not _text(raw["received"]):
        c.fail("received", _("Required."))
    if received and accepted and accepted < received:
        c.fail("accepted", _("Accepted before it was received."))
    if concluded and (accepted or received) and concluded < (accepted or received):
        c.fail("concluded", _("Concluded before it was received or accepted."))
    if outcome == OPEN and concluded:
        c.fail("concluded", _("An open case has no conclusion date."))
    if outcome and outcome != OPEN and not _text(raw["concluded"]):
        c.fail("concluded", _("Required for a concluded case."))
    if outcome in (Outcome.SUCCESS, Outcome.FAILURE) and not _text(raw["accepted"]):
        c.fail("accepted", _("A mediated case must have been accepted."))
    if outcome == Outcome.DECLINED and accepted:
        c.fail("accepted", _("A declined case was never accepted."))
    if agreed is not None and outcome and outcome != Outcome.SUCCESS:
        c.fail("agreed", _("Only a successful mediation has an agreed amount."))
    if c.problems:
        return None, c.problems
    return (
        LedgerRow(
            line=line,
            reference=reference,
            category=category,
            track=track,
            body=body,
            mediator=mediator,
            channel=channel,
            received=received,
            accepted=accepted,
            concluded=concluded,
            outcome=outcome,
            claimed=claimed,
            agreed=agreed,
            parties=parties,
        ),
        [],
    )


def _existing_references(references: list[str]) -> set[str]:
    """Which of these references are already in Fengqiao."""
    if connection.vendor == "postgresql":
        # One array parameter: an IN list of 100,000 placeholders costs more to build than
        # to run.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT reference FROM {Dispute._meta.db_table} WHERE reference = ANY(%s)",
                [references],
            )
            return {reference for (reference,) in cursor.fetchall()}
    found: set[str] = set()
    for start in range(0, len(references), 500):  # SQLite's limit on parameters
        chunk = references[start : start + 500]
        found.update(
            Dispute.objects.filter(reference__in=chunk).values_list("reference", flat=True)
        )
    return found


def check_rows(
    records: Iterable[tuple[int, dict[str, Any]]],
    *,
    actor: Any,
    today: datetime.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Checked:
    """Check every row; nothing is written. Rows already in Fengqiao are counted as skipped."""
    today = today or timezone.localdate()
    scope = scope_of(actor)
    own_body = None
    if actor is not None and not scope.is_superuser:
        own_body = MediationBody.objects.get(pk=scope.body_id)
    checked = Checked()
    first_line: dict[str, int] = {}

    def bad(line: int, column: str, reason: str) -> None:
        checked.errors.append(RowError(line, column, reason))
        checked.bad_lines.add(line)

    for count, (line, raw) in enumerate(records, start=1):
        row, problems = _check_row(line, raw, today)
        for column, reason in problems:
            bad(line, column, reason)
        if row is not None:
            if row.reference in first_line:
                bad(
                    line,
                    "reference",
                    _("The reference %(reference)s is already on line %(line)d.")
                    % {"reference": row.reference, "line": first_line[row.reference]},
                )
            else:
                first_line[row.reference] = line
                if own_body is not None and row.body != own_body.name:
                    bad(
                        line,
                        "body",
                        _("You may import only the cases of %(body)s.") % {"body": own_body.name},
                    )
                else:
                    checked.rows.append(row)
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)

    _check_against_database(checked)
    return checked


def _check_against_database(checked: Checked) -> None:
    """Skip what is already imported; check bodies and mediators; note what would be created."""
    existing = _existing_references([row.reference for row in checked.rows])
    bodies = {
        b.name: b for b in MediationBody.objects.filter(name__in={r.body for r in checked.rows})
    }
    mediators = _mediators_by_name(bodies.values())
    new_bodies: dict[str, None] = {}
    new_mediators: dict[tuple[str, str], None] = {}
    kept: list[LedgerRow] = []
    for row in checked.rows:
        if row.reference in existing:
            checked.skipped += 1
            continue
        problem = _row_against_database(row, bodies.get(row.body), mediators)
        if problem:
            checked.errors.append(RowError(row.line, *problem))
            checked.bad_lines.add(row.line)
            continue
        if row.body not in bodies:
            new_bodies.setdefault(row.body)
        if row.mediator and (row.body, row.mediator) not in mediators:
            new_mediators.setdefault((row.body, row.mediator))
        kept.append(row)
    checked.rows = kept
    checked.errors.sort(key=lambda error: error.line)
    checked.new_bodies = list(new_bodies)
    checked.new_mediators = [f"{name} ({body})" for body, name in new_mediators]


def _row_against_database(
    row: LedgerRow, body: MediationBody | None, mediators: dict[tuple[str, str], list[Mediator]]
) -> tuple[str, str] | None:
    if OWN_REFERENCE.match(row.reference):
        return "reference", _(
            "%(reference)s looks like a Fengqiao number but no such case exists; use the "
            "ledger's own number."
        ) % {"reference": row.reference}
    if body is None:
        if not row.track:
            return "track", _("Required for a body that does not exist yet.")
    elif body.categories and row.category not in body.categories:
        return "category", _("%(body)s does not take %(category)s disputes.") % {
            "body": body.name,
            "category": Category(row.category).label,
        }
    if row.mediator and len(mediators.get((row.body, row.mediator), [])) > 1:
        return "mediator", _("Two mediators of %(body)s are called %(name)s.") % {
            "body": row.body,
            "name": row.mediator,
        }
    return None


def _mediators_by_name(bodies: Iterable[MediationBody]) -> dict[tuple[str, str], list[Mediator]]:
    names = {body.pk: body.name for body in bodies}
    found: dict[tuple[str, str], list[Mediator]] = {}
    for mediator in Mediator.objects.filter(body_id__in=names).select_related("user"):
        found.setdefault((names[mediator.body_id], mediator.display_name), []).append(mediator)
    return found


# --- 3. writing ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65_536)
def _organization_type(name: str) -> str | None:
    # Cached: a ledger names the same people and firms over and over, and every name was
    # searched for every marker twice (a second of a 100,000-row import).
    for marker, kind in ORGANIZATION_MARKERS:
        if marker in name:
            return kind
    return None


def _title(row: LedgerRow) -> str:
    applicants = "、".join(name for role, name in row.parties if role == PartyRole.APPLICANT)
    respondents = "、".join(name for role, name in row.parties if role == PartyRole.RESPONDENT)
    sides = f"{applicants}与{respondents}" if respondents else applicants
    return f"{sides}{CATEGORY_NAMES[Category(row.category)][0]}"[:200]


def _create_bodies(rows: list[LedgerRow]) -> tuple[dict[str, MediationBody], list[str]]:
    names = {row.body for row in rows}
    bodies = {b.name: b for b in MediationBody.objects.filter(name__in=names)}
    created = []
    for row in rows:
        if row.body not in bodies:
            body = MediationBody.objects.create(
                name=row.body, kind=BODY_KIND_OF_TRACK[Track(row.track)], track=row.track
            )
            bodies[row.body] = body
            created.append(body.name)
    return bodies, created


def _create_mediators(
    rows: list[LedgerRow], bodies: dict[str, MediationBody]
) -> tuple[dict[tuple[str, str], Mediator], list[str]]:
    known = {key: found[0] for key, found in _mediators_by_name(bodies.values()).items()}
    group = Group.objects.get_or_create(name=Role.MEDIATOR.value)[0]
    created = []
    for row in rows:
        key = (row.body, row.mediator)
        if row.mediator and key not in known:
            # Mediators known only from the ledger get an account that cannot sign in until an
            # administrator gives it a password; their cases are credited to them all the same.
            user = get_user_model().objects.create(
                username=f"ledger-{os.urandom(6).hex()}", last_name=row.mediator, is_active=False
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
            known[key] = Mediator.objects.create(user=user, body=bodies[row.body])
            created.append(f"{row.mediator} ({row.body})")
    return known, created


def _dispute_values(
    row: LedgerRow, body: MediationBody, mediator_id: int | None, actor_id: int | None
) -> dict[str, Any]:
    """The columns of one imported dispute (the others take their defaults)."""
    if row.outcome == OPEN:
        if row.accepted:
            state = State.ASSIGNED if mediator_id else State.ACCEPTED
        else:
            state = State.REGISTERED
        outcome = ""
    else:
        state = STATE_OF_OUTCOME[Outcome(row.outcome)]
        outcome = row.outcome
    # The deadline the case had (or has, if still open), as accepting it would have set.
    deadline = due_soon_on = None
    court_days = court_deadline_days(row.channel)
    if court_days is not None:
        deadline, due_soon_on = deadline_dates(row.received, court_days)
    elif row.accepted:
        deadline, due_soon_on = deadline_dates(row.accepted, body.deadline_days_for(row.category))
    return {
        "reference": row.reference,
        "category": row.category,
        "channel": row.channel,
        "track": row.track or body.track,
        "body_id": body.pk,
        "mediator_id": mediator_id,
        "title": _title(row),
        "claimed_amount": row.claimed,
        "agreed_amount": row.agreed,
        "received_at": row.received,
        "accepted_at": row.accepted,
        "signed_at": row.concluded if row.outcome == Outcome.SUCCESS else None,
        "concluded_at": row.concluded,
        "deadline": deadline,
        "due_soon_on": due_soon_on,
        "outcome": outcome,
        "state": state,
        "created_by_id": actor_id,
    }


@functools.lru_cache(maxsize=8_192)
def _noon(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    # Cached, with the zone passed in: looking the current zone up per row (a thread-local
    # read) took 0.4 s of a 100,000-row import.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)), zone)


def _party_values(body_id: int, kind: str, name: str, organization_type: str) -> dict[str, Any]:
    return {"body_id": body_id, "kind": kind, "name": name, "organization_type": organization_type}


def _write_chunk(
    rows: list[LedgerRow],
    *,
    bodies: dict[str, MediationBody],
    mediators: dict[tuple[str, str], Mediator],
    organizations: dict[tuple[int, str], int],
    actor_id: int | None,
    source: str,
    import_id: int | None,
    slices: set[SliceDims],
) -> list[int]:
    """Disputes, then parties, then their roles, then the log: one COPY per table. Answers
    the new disputes' ids, and adds the slices of the kept figures they fall in to `slices`."""
    mediator_ids = {key: mediator.pk for key, mediator in mediators.items()}
    disputes = [
        _dispute_values(row, bodies[row.body], mediator_ids.get((row.body, row.mediator)), actor_id)
        for row in rows
    ]
    slices.update(
        SliceDims(
            d["body_id"],
            d["mediator_id"],
            d.get("court_id"),
            d["category"],
            d["track"],
            d["channel"],
            d["received_at"],
        )
        for d in disputes
    )
    dispute_ids = bulk.insert_values(Dispute, disputes)

    # An organisation is one record of a body in every case of that body that names it; people
    # are not merged by name (two 张伟 are two people), so each mention of a person is a record
    # of its own.
    new_parties: list[dict[str, Any]] = []
    new_organizations: dict[tuple[int, str], int] = {}  # (body, name): index in new_parties
    # (dispute id, role, party id) — or, for a party written below, minus one minus its index.
    mentions: list[tuple[int, str, int]] = []
    for row, dispute, dispute_id in zip(rows, disputes, dispute_ids, strict=True):
        body_id = dispute["body_id"]
        for role, name in row.parties:
            kind = _organization_type(name)
            key = (body_id, name)
            if kind is not None and key in organizations:
                mentions.append((dispute_id, role, organizations[key]))
                continue
            if kind is not None and key in new_organizations:
                index = new_organizations[key]
            else:
                index = len(new_parties)
                if kind is None:
                    new_parties.append(_party_values(body_id, PartyKind.PERSON, name, ""))
                else:
                    new_parties.append(_party_values(body_id, PartyKind.ORGANIZATION, name, kind))
                    new_organizations[key] = index
            mentions.append((dispute_id, role, -1 - index))
    party_ids = bulk.insert_values(Party, new_parties)
    organizations.update({key: party_ids[index] for key, index in new_organizations.items()})

    # Principals first, so an agent or guardian can point at the party listed before them.
    principals: list[dict[str, Any]] = []
    representatives: list[tuple[dict[str, Any], int]] = []  # row, index of its principal
    seen: set[tuple[int, int, str]] = set()
    last_principal: dict[int, int] = {}
    for dispute_id, role, ref in mentions:
        party_id = ref if ref > 0 else party_ids[-1 - ref]
        if (dispute_id, party_id, role) in seen:
            continue  # the same organisation named twice in one role
        seen.add((dispute_id, party_id, role))
        values = {"dispute_id": dispute_id, "party_id": party_id, "role": role}
        if role in PRINCIPAL_ROLES:
            last_principal[dispute_id] = len(principals)
            principals.append({**values, "represents_id": None})
        else:
            representatives.append((values, last_principal[dispute_id]))
    principal_ids = bulk.insert_values(CaseParty, principals)
    bulk.insert_values(
        CaseParty,
        [{**values, "represents_id": principal_ids[index]} for values, index in representatives],
    )

    zone = timezone.get_current_timezone()
    bulk.insert_values(
        TransitionLog,
        [
            {
                "dispute_id": dispute_id,
                "transition": "import",
                "from_state": "",
                "to_state": dispute["state"],
                "actor_id": actor_id,
                "at": _noon(row.concluded or row.accepted or row.received, zone),
                "reason": source,
                "data": {"imported": True, "import": import_id, "line": row.line},
            }
            for row, dispute, dispute_id in zip(rows, disputes, dispute_ids, strict=True)
        ],
    )
    return dispute_ids


def _lock_imports() -> None:
    """One import writes at a time, so two uploads of one file cannot both pass the check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('fengqiao.ledger_import'))")


@dataclass
class Written:
    imported: int
    skipped: int
    bodies: list[str]
    mediators: list[str]


def write_rows(
    rows: list[LedgerRow],
    *,
    actor: Any,
    source: str,
    import_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Write checked rows in one transaction: all of them, or none if anything fails."""
    actor_id = getattr(actor, "pk", None)
    with transaction.atomic():
        _lock_imports()
        # Checked before the lock: another import may have written some references since.
        existing = _existing_references([row.reference for row in rows])
        todo = [row for row in rows if row.reference not in existing]
        bodies, new_bodies = _create_bodies(todo)
        mediators, new_mediators = _create_mediators(todo, bodies)
        organizations = {
            (body_id, name): party_id
            for body_id, name, party_id in Party.objects.filter(
                kind=PartyKind.ORGANIZATION,
                id_number="",
                body__in=list(bodies.values()),
                name__in={
                    name
                    for row in todo
                    for _role, name in row.parties
                    if _organization_type(name) is not None
                },
            )
            .order_by("-id")  # the first of several of one name wins
            .values_list("body_id", "name", "id")
        }
        written: list[int] = []
        slices: set[SliceDims] = set()
        for start in range(0, len(todo), WRITE_CHUNK):
            written += _write_chunk(
                todo[start : start + WRITE_CHUNK],
                bodies=bodies,
                mediators=mediators,
                organizations=organizations,
                actor_id=actor_id,
                source=source,
                import_id=import_id,
                slices=slices,
            )
            if progress:
                progress(min(start + WRITE_CHUNK, len(todo)))
        # Written without save(): counted in the kept figures, as new cases, in one pass.
        figures.add_new(written, slices)
    return Written(len(todo), len(rows) - len(todo), new_bodies, new_mediators)


# --- the whole import, with its report ------------------------------------------------------------


def may_import(user: Any) -> bool:
    """Superusers for any body; a body's directors for their own body."""
    scope = scope_of(user)
    return scope.is_superuser or (scope.body_id is not None and scope.is_director_of(scope.body_id))


def _save_progress(record: LedgerImport, **fields: Any) -> None:
    # An UPDATE outside the import's transaction, so the upload page sees it at once.
    for name, value in fields.items():
        setattr(record, name, value)
    if record.pk:
        LedgerImport.objects.filter(pk=record.pk).update(**fields)


def run_import(record: LedgerImport, data: bytes) -> LedgerImport:
    """Read, check and (unless a dry run, or all-or-nothing with bad rows) write one ledger.

    The record is the report: counts, the first errors, bodies and mediators created.
    """
    actor = record.uploaded_by
    if actor is not None and not may_import(actor):
        raise Forbidden(_("Only a body's directors may import its ledger."))
    _save_progress(record, status=LedgerImport.Status.RUNNING, phase=LedgerImport.Phase.READING)
    try:
        records = list(read_ledger(data))
    except LedgerFileError as exc:
        return _finish(record, status=LedgerImport.Status.REJECTED, message=str(exc))
    _save_progress(record, rows_total=len(records), phase=LedgerImport.Phase.CHECKING)
    checked = check_rows(
        records, actor=actor, progress=lambda done: _save_progress(record, rows_done=done)
    )
    del records
    max_errors = settings.FENGQIAO_LEDGER_MAX_ERRORS
    report: dict[str, Any] = {
        "rows_done": record.rows_total,
        "skipped": checked.skipped,
        "rejected": len(checked.bad_lines),
        "errors": [error.as_dict() for error in checked.errors[:max_errors]],
        "errors_total": len(checked.errors),
        "created_bodies": checked.new_bodies,
        "created_mediators": checked.new_mediators,
    }
    if record.dry_run:
        # A dry run's "imported" is what would be imported.
        return _finish(
            record, status=LedgerImport.Status.DONE, imported=len(checked.rows), **report
        )
    if checked.errors and record.all_or_nothing:
        return _finish(
            record,
            status=LedgerImport.Status.REJECTED,
            message=_("Nothing was imported: %(count)d rows have errors.")
            % {"count": len(checked.bad_lines)},
            **report,
        )
    _save_progress(record, phase=LedgerImport.Phase.WRITING, **report)
    source = _("Imported from the ledger “%(file)s”.") % {"file": record.file_name}
    try:
        written = write_rows(checked.rows, actor=actor, source=source, import_id=record.pk)
    except IntegrityError:
        return _finish(
            record,
            status=LedgerImport.Status.REJECTED,
            message=_(
                "Nothing was imported: another import wrote some of these cases at the same "
                "time. Import the file again; what is already there will be skipped."
            ),
        )
    return _finish(
        record,
        status=LedgerImport.Status.DONE,
        imported=written.imported,
        skipped=checked.skipped + written.skipped,
        created_bodies=written.bodies,
        created_mediators=written.mediators,
    )


def _finish(record: LedgerImport, **fields: Any) -> LedgerImport:
    _save_progress(record, phase=LedgerImport.Phase.FINISHED, finished_at=timezone.now(), **fields)
    return record


def reject(record: LedgerImport, message: str) -> LedgerImport:
    """End an import that cannot start, with the reason on its report."""
    return _finish(record, status=LedgerImport.Status.REJECTED, message=message)


def import_ledger(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    actor: Any = None,
    dry_run: bool = False,
    all_or_nothing: bool = True,
    file_name: str = "",
) -> LedgerImport:
    """Import a ledger file (a path or a binary file object); answers the saved report."""
    limit = settings.FENGQIAO_LEDGER_MAX_BYTES
    data: bytes | None = None
    if isinstance(source, (str, os.PathLike)):
        file_name = file_name or os.path.basename(source)
        size = os.path.getsize(source)
        if size <= limit:
            with open(source, "rb") as handle:
                data = handle.read()
    else:
        size = getattr(source, "size", None) or 0
        if size <= limit:
            data = source.read(limit + 1)
            size = len(data)
    record = LedgerImport.objects.create(
        uploaded_by=actor,
        file_name=file_name or "ledger",
        file_size=size,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
    )
    if data is None or len(data) > limit:
        return _finish(record, status=LedgerImport.Status.REJECTED, message=too_large(size))
    return run_import(record, data)


def too_large(size: int) -> str:
    limit = settings.FENGQIAO_LEDGER_MAX_BYTES
    return _(
        "The file is %(size)s MB; a ledger may be at most %(limit)s MB. Split it in parts."
    ) % {"size": f"{size / 1_000_000:.1f}", "limit": f"{limit / 1_000_000:.0f}"}
