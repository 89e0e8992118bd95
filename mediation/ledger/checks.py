"""Checking a ledger's rows (step 2 of the import): each row on its own, against the others
and against the database. Nothing is written here; each problem is kept with its line, its
column and the reason.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.cases.models import Dispute, MediationBody, Mediator
from mediation.kernel.choices import Category, Outcome
from mediation.kernel.roles import scope_of
from mediation.ledger.columns import (
    CATEGORIES,
    CHANNELS,
    OPEN,
    OUTCOMES,
    ROLES,
    TRACKS,
    cell_text,
)
from parties.models import PRINCIPAL_ROLES, PartyRole

# Fengqiao's own numbers (FQ-2026-000123): a ledger may name one only if it exists already.
OWN_REFERENCE = re.compile(r"^[A-Z]+-\d{4}-\d{6}$")
DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
MAX_AMOUNT = Decimal("999999999999.99")  # what Dispute's 14-digit amount columns hold
PROGRESS_EVERY = 2_000


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str
    # The reason without the row's particulars (the value, the other line), so the report can
    # count the rows that fail the same way; empty when the reason has none.
    kind: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


SUMMARY_LINES = 5


def summarise(errors: Iterable[RowError]) -> list[dict[str, Any]]:
    """The errors by column and reason, most frequent first: how many, and the first lines."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for error in errors:
        key = (error.column, error.kind or error.reason)
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"column": key[0], "reason": key[1], "count": 0, "lines": []}
        group["count"] += 1
        if len(group["lines"]) < SUMMARY_LINES and error.line not in group["lines"]:
            group["lines"].append(error.line)
    return sorted(groups.values(), key=lambda group: (-group["count"], group["lines"][0]))


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
    # Rows a director's file holds for other bodies: {body as written: rows}, left for them.
    other_bodies: dict[str, int] = field(default_factory=dict)

    @property
    def other_rows(self) -> int:
        return sum(self.other_bodies.values())


class _Bad(Exception):
    def __init__(self, column: str, reason: str, kind: str = "") -> None:
        self.column = column
        self.reason = reason
        self.kind = kind


def _code(table: dict[str, str], column: str, raw: Any, *, required: bool = True) -> str:
    text = cell_text(raw)
    if not text:
        if required:
            raise _Bad(column, _("Required."))
        return ""
    try:
        return table[text.lower()]
    except KeyError:
        raise _Bad(
            column,
            _("Unknown value “%(value)s”.") % {"value": text[:50]},
            _("Unknown value."),
        ) from None


def _date(column: str, raw: Any, today: datetime.date) -> datetime.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime.datetime):
        value = raw.date()
    elif isinstance(raw, datetime.date):
        value = raw
    else:
        text = cell_text(raw)
        value = _day(text)
        if value is None:
            if DATE.match(text):
                raise _Bad(
                    column, _("“%(value)s” is not a day.") % {"value": text}, _("Not a day.")
                )
            raise _Bad(
                column,
                _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text[:30]},
                _("Not a date (YYYY-MM-DD)."),
            )
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
    text = cell_text(raw).replace(",", "").removeprefix("¥").removesuffix("元").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Bad(
            column, _("“%(value)s” is not an amount.") % {"value": text[:30]}, _("Not an amount.")
        ) from None
    if not value.is_finite():
        raise _Bad(
            column, _("“%(value)s” is not an amount.") % {"value": text[:30]}, _("Not an amount.")
        )
    if value < 0:
        raise _Bad(column, _("An amount cannot be negative."))
    if value != value.quantize(Decimal("0.01")):
        raise _Bad(column, _("An amount has at most two decimal places."))
    if value > MAX_AMOUNT:
        raise _Bad(column, _("The amount is too large."))
    return value.quantize(Decimal("0.01"))


def _parties(raw: Any) -> list[tuple[str, str]]:
    text = cell_text(raw).replace("；", ";").replace("：", ":")
    parties: list[tuple[str, str]] = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        role_text, sep, name = item.partition(":")
        if not sep or not name.strip():
            raise _Bad(
                "parties",
                _("“%(item)s” is not role:name (e.g. applicant:张伟).") % {"item": item[:50]},
                _("Not role:name (e.g. applicant:张伟)."),
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
                _("An agent or guardian comes before the party they act for."),
            )
        parties.append((role, name))
    if not any(role == PartyRole.APPLICANT for role, _name in parties):
        raise _Bad("parties", _("A dispute needs at least one applicant."))
    return parties


class _Collector:
    """Runs each column's check and keeps every problem, so a row's report names them all."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str, str]] = []

    def take(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except _Bad as exc:
            self.problems.append((exc.column, exc.reason, exc.kind))
            return None

    def fail(self, column: str, reason: str) -> None:
        self.problems.append((column, reason, ""))


def _text_column(raw: dict[str, Any], column: str, limit: int, *, required: bool) -> str:
    text = cell_text(raw[column])
    if required and not text:
        raise _Bad(column, _("Required."))
    if len(text) > limit:
        raise _Bad(column, _("At most %(limit)d characters.") % {"limit": limit})
    return text


def _check_row(
    line: int, raw: dict[str, Any], today: datetime.date
) -> tuple[LedgerRow | None, list[tuple[str, str, str]]]:
    """One row on its own: the checked row, or None and every (column, reason, kind) wrong
    with it."""
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

    if received is None and not cell_text(raw["received"]):
        c.fail("received", _("Required."))
    if received and accepted and accepted < received:
        c.fail("accepted", _("Accepted before it was received."))
    if concluded and (accepted or received) and concluded < (accepted or received):
        c.fail("concluded", _("Concluded before it was received or accepted."))
    if outcome == OPEN and concluded:
        c.fail("concluded", _("An open case has no conclusion date."))
    if outcome and outcome != OPEN and not cell_text(raw["concluded"]):
        c.fail("concluded", _("Required for a concluded case."))
    if outcome in (Outcome.SUCCESS, Outcome.FAILURE) and not cell_text(raw["accepted"]):
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


def existing_references(references: list[str]) -> set[str]:
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

    def bad(line: int, column: str, reason: str, kind: str = "") -> None:
        checked.errors.append(RowError(line, column, reason, kind))
        checked.bad_lines.add(line)

    own_names = {own_body.name, own_body.short_name} - {""} if own_body is not None else set()
    for count, (line, raw) in enumerate(records, start=1):
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
        if own_body is not None:
            # A centre keeps one ledger for all its bodies, so a director's file holds the others'
            # rows too: those are left for their own directors, counted by body, not checked.
            body_text = cell_text(raw["body"])
            if body_text and body_text not in own_names:
                checked.other_bodies[body_text] = checked.other_bodies.get(body_text, 0) + 1
                continue
            raw["body"] = own_body.name
        row, problems = _check_row(line, raw, today)
        for column, reason, kind in problems:
            bad(line, column, reason, kind)
        if row is not None:
            if row.reference in first_line:
                bad(
                    line,
                    "reference",
                    _("The reference %(reference)s is already on line %(line)d.")
                    % {"reference": row.reference, "line": first_line[row.reference]},
                    _("The same reference is on an earlier line."),
                )
            else:
                first_line[row.reference] = line
                checked.rows.append(row)

    _check_against_database(checked)
    return checked


def _check_against_database(checked: Checked) -> None:
    """Skip what is already imported; check bodies and mediators; note what would be created."""
    existing = existing_references([row.reference for row in checked.rows])
    bodies = {
        b.name: b for b in MediationBody.objects.filter(name__in={r.body for r in checked.rows})
    }
    mediators = mediators_by_name(bodies.values())
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
) -> tuple[str, str, str] | None:
    """(column, reason, kind) of what is wrong with a row given the database, or None."""
    if OWN_REFERENCE.match(row.reference):
        return (
            "reference",
            _(
                "%(reference)s looks like a Fengqiao number but no such case exists; use the "
                "ledger's own number."
            )
            % {"reference": row.reference},
            _("Looks like a Fengqiao number, but no such case exists."),
        )
    if body is None:
        if not row.track:
            return "track", _("Required for a body that does not exist yet."), ""
    elif body.categories and row.category not in body.categories:
        return (
            "category",
            _("%(body)s does not take %(category)s disputes.")
            % {"body": body.name, "category": Category(row.category).label},
            _("The body does not take disputes of this category."),
        )
    if row.mediator and len(mediators.get((row.body, row.mediator), [])) > 1:
        return (
            "mediator",
            _("Two mediators of %(body)s are called %(name)s.")
            % {"body": row.body, "name": row.mediator},
            _("Two mediators of the body have this name."),
        )
    return None


def mediators_by_name(bodies: Iterable[MediationBody]) -> dict[tuple[str, str], list[Mediator]]:
    names = {body.pk: body.name for body in bodies}
    found: dict[tuple[str, str], list[Mediator]] = {}
    for mediator in Mediator.objects.filter(body_id__in=names).select_related("user"):
        found.setdefault((names[mediator.body_id], mediator.display_name), []).append(mediator)
    return found
