"""The dashboard's reads: tables of figures per slice, the overdue list, and the cases
behind any figure (the drill-down).

The tables are `stats.rates` grouped one way or another: the database counts, nothing here loops
over cases to count them. Every number links to the cases behind it:

- a count (accepted, success, overdue, …) to the cases it counts;
- a rate to the cases of its denominator (success rate → mediated, completion rate → accepted,
  confirmation rate → success);
- an amount to the cases it is computed over (claimed total → every case of the slice; agreed
  total, largest and smallest → the successes, sorted by agreed amount), a duration to the timed
  cases (sorted by duration).

The drill-down filters the same disputes (`stats.counted_disputes`) with the same filters the
figures count with (`stats.counted_filters`) and the slice of the row (`Slice.q`), so its count is
always the number it came from. A slice names each group field by the token its row carries: a
code, an id, a region, a month `YYYY-MM`, or `none` for a blank one (no mediator, no track).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mediation.figures import stats
from mediation.figures.slices import SLICE_FIELDS, Slice, blank_label, token, value_label
from mediation.kernel.choices import OPEN_STATES, Category, State, Track
from mediation.kernel.roles import Role, scope_of

NONE = "none"  # the token of a blank group value: no mediator, no court, no track, no region
OVERDUE_SHOWN = 20  # overdue cases listed on the dashboard itself; the rest in the drill-down


# --- figures and what each links to --------------------------------------------------------------

FIGURE_LABELS: dict[str, Promise] = {
    "all": _("All cases"),
    "accepted": _("Accepted"),
    "mediated": _("Mediated"),
    "success": _("Success"),
    "failure": _("Failure"),
    "withdrawn": _("Withdrawn"),
    "declined": _("Declined"),
    "open": _("Open"),
    "overdue": _("Overdue"),
    "confirmed": _("Judicially confirmed"),
    "repudiated": _("Repudiated"),
    "zero_compensation": _("Zero compensation"),
    "timed": _("Concluded, with a duration"),
}
FIGURES = tuple(FIGURE_LABELS)


def figure_q(figure: str, today: datetime.date) -> Q:
    """The cases behind a figure: the filter its count uses (`stats.counted_filters`)."""
    counted = stats.counted_filters(today)
    if figure in counted:
        return counted[figure]
    if figure == "mediated":
        return stats.SUCCESS | stats.FAILURE
    if figure == "timed":
        return stats.TIMED
    if figure == "all":
        return Q()
    raise KeyError(figure)


@dataclass(frozen=True)
class Column:
    """A figure of a row: its key in `stats.rates`' rows, its header, and how it shows."""

    key: str
    label: Promise
    kind: str  # "count", "rate", "amount" or "days"
    figure: str  # the drill-down it links to
    sort: str = ""  # and the order of that list


def _count(key: str) -> Column:
    return Column(key, FIGURE_LABELS[key], "count", key)


COLUMNS: dict[str, Column] = {
    **{
        key: _count(key)
        for key in (
            "accepted",
            "mediated",
            "success",
            "failure",
            "withdrawn",
            "declined",
            "open",
            "overdue",
            "confirmed",
            "repudiated",
            "zero_compensation",
        )
    },
    "success_rate": Column("success_rate", _("Success rate"), "rate", "mediated"),
    "completion_rate": Column("completion_rate", _("Completion rate"), "rate", "accepted"),
    "confirmation_rate": Column("confirmation_rate", _("Confirmation rate"), "rate", "success"),
    "claimed_total": Column("claimed_total", _("Claimed total"), "amount", "all", "-claimed"),
    "agreed_total": Column("agreed_total", _("Agreed total"), "amount", "success", "-agreed"),
    "agreed_max": Column("agreed_max", _("Largest agreed"), "amount", "success", "-agreed"),
    "agreed_min": Column("agreed_min", _("Smallest agreed"), "amount", "success", "agreed"),
    "median_days": Column("median_days", _("Median days"), "days", "timed", "days"),
    "p90_days": Column("p90_days", _("90th percentile days"), "days", "timed", "-days"),
}

# The order a drill-down list may be sorted in; the id breaks ties so pages do not overlap.
SORTS: dict[str, list[Any]] = {
    "-received": ["-received_at", "-id"],
    "received": ["received_at", "id"],
    "deadline": [F("deadline").asc(nulls_last=True), "id"],
    "-claimed": [F("claimed_amount").desc(nulls_last=True), "id"],
    "-agreed": [F("agreed_amount").desc(nulls_last=True), "id"],
    "agreed": [F("agreed_amount").asc(nulls_last=True), "id"],
    "days": [stats.DaysBetween("concluded_at", "accepted_at").asc(nulls_last=True), "id"],
    "-days": [stats.DaysBetween("concluded_at", "accepted_at").desc(nulls_last=True), "id"],
}
DEFAULT_SORT = "-received"


def percent(fraction: float | None) -> Decimal | None:
    """A rate as a percentage with one decimal, rounded half up: 0.4125 → 41.3."""
    if fraction is None:
        return None
    return (Decimal(repr(fraction)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- tables --------------------------------------------------------------------------------------

RATE_COLUMNS = (
    "accepted",
    "mediated",
    "success",
    "failure",
    "withdrawn",
    "declined",
    "open",
    "overdue",
    "success_rate",
    "completion_rate",
)
MEDIATOR_COLUMNS = (
    "accepted",
    "mediated",
    "success",
    "failure",
    "withdrawn",
    "open",
    "overdue",
    "success_rate",
    "completion_rate",
    "median_days",
)
AMOUNT_COLUMNS = (
    "success",
    "claimed_total",
    "agreed_total",
    "agreed_max",
    "agreed_min",
    "zero_compensation",
    "confirmed",
    "confirmation_rate",
    "repudiated",
    "median_days",
    "p90_days",
)
TILE_COLUMNS = (
    "accepted",
    "mediated",
    "success_rate",
    "completion_rate",
    "open",
    "overdue",
    "zero_compensation",
    "agreed_total",
)


@dataclass(frozen=True)
class TableSpec:
    name: str
    caption: Promise
    group_by: tuple[str, ...]
    columns: tuple[str, ...]
    all_bodies_only: bool = False  # shown to those who read every body's figures


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("category", _("Success and completion by category"), ("category",), RATE_COLUMNS),
        TableSpec("track", _("Success and completion by track"), ("track",), RATE_COLUMNS),
        TableSpec("month", _("Trend by month received"), ("month",), RATE_COLUMNS),
        TableSpec(
            "body",
            _("By mediation body"),
            ("body",),
            (*RATE_COLUMNS, "median_days"),
            all_bodies_only=True,
        ),
        TableSpec("mediator", _("Mediators"), ("body", "mediator"), MEDIATOR_COLUMNS),
        TableSpec(
            "amounts",
            _("Amounts, zero compensation and confirmation by category"),
            ("category",),
            AMOUNT_COLUMNS,
        ),
    )
}


@dataclass(frozen=True)
class Cell:
    column: Column
    value: Any  # int, a fraction, Decimal, float days, or None (no figure)
    query: str  # the drill-down's query string; "" when there is no number to follow

    @property
    def kind(self) -> str:
        return self.column.kind

    @property
    def percent(self) -> Decimal | None:
        return percent(self.value) if self.column.kind == "rate" else None


@dataclass(frozen=True)
class Row:
    key: str  # the slice as "category=traffic&…" ("" for the total), for tests and scripts
    labels: list[str]
    cells: list[Cell]
    is_total: bool = False


@dataclass(frozen=True)
class Table:
    spec: TableSpec
    group_labels: list[str]
    columns: list[Column]
    rows: list[Row]
    total: Row

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def width(self) -> int:
        return len(self.group_labels) + len(self.columns)


def drilldown_query(column: Column, slice_: Slice) -> str:
    params = {"figure": column.figure, **slice_.params()}
    if column.sort:
        params["sort"] = column.sort
    return urlencode(params)


def _cells(columns: Iterable[Column], figures: Mapping[str, Any], slice_: Slice) -> list[Cell]:
    return [
        Cell(
            column,
            figures[column.key],
            "" if figures[column.key] is None else drilldown_query(column, slice_),
        )
        for column in columns
    ]


def build_table(spec: TableSpec, result: Mapping[str, Any], range_: Slice) -> Table:
    """A table of one `stats.rates` result: one row per slice, then the total."""
    columns = [COLUMNS[key] for key in spec.columns]
    keys = [next(iter(stats.GROUP_FIELDS[name])) for name in spec.group_by]
    rows = []
    for figures in result["rows"]:
        tokens = {name: token(figures[key]) for name, key in zip(spec.group_by, keys, strict=True)}
        row_slice = range_.narrowed(**tokens)
        rows.append(
            Row(
                key=urlencode(tokens),
                labels=[value_label(name, figures) for name in spec.group_by],
                cells=_cells(columns, figures, row_slice),
            )
        )
    total = Row(
        key="",
        labels=[gettext("Total"), *[""] * (len(spec.group_by) - 1)],
        cells=_cells(columns, result["total"], range_),
        is_total=True,
    )
    return Table(
        spec=spec,
        group_labels=[str(SLICE_FIELDS[name].label) for name in spec.group_by],
        columns=columns,
        rows=rows,
        total=total,
    )


def reads_all_bodies(user: Any) -> bool:
    scope = scope_of(user)
    return scope.is_superuser or scope.has(Role.ANALYST)


def tables_for(user: Any) -> list[TableSpec]:
    """The tables the user's dashboard shows (the body table only to those who see them all)."""
    every = reads_all_bodies(user)
    return [spec for spec in TABLES.values() if every or not spec.all_bodies_only]


def table(user: Any, name: str, range_: Slice, *, today: datetime.date | None = None) -> Table:
    """One table of the dashboard (for its export); KeyError for a table the user has not."""
    specs = {spec.name: spec for spec in tables_for(user)}
    spec = specs[name]
    result = stats.rates(
        user, stats.RatesQuery(spec.group_by, range_.date_from, range_.date_to), today=today
    )
    return build_table(spec, result, range_)


@dataclass(frozen=True)
class Dashboard:
    tiles: list[Cell]
    tables: list[Table]
    overdue: list[CaseRow]
    overdue_count: int


def dashboard(user: Any, range_: Slice, *, today: datetime.date) -> Dashboard:
    """Every table of the user's dashboard: one `stats.rates` per grouping, and the overdue list.

    Raises `Forbidden` for users who may not read figures, ValidationError for an inverted range.
    """
    results: dict[tuple[str, ...], dict[str, Any]] = {}
    tables = []
    for spec in tables_for(user):
        if spec.group_by not in results:
            query = stats.RatesQuery(spec.group_by, range_.date_from, range_.date_to)
            results[spec.group_by] = stats.rates(user, query, today=today)
        tables.append(build_table(spec, results[spec.group_by], range_))
    total = next(iter(results.values()))["total"]
    overdue = [
        case_row(row, today=today)
        for row in cases(user, "overdue", range_, today=today, sort="deadline")[:OVERDUE_SHOWN]
    ]
    return Dashboard(
        tiles=_cells([COLUMNS[key] for key in TILE_COLUMNS], total, range_),
        tables=tables,
        overdue=overdue,
        overdue_count=total["overdue"],
    )


def month_series(months: list[str]) -> list[str]:
    """Every month from the first to the last of these `YYYY-MM` (a trend has no holes)."""
    if not months:
        return []
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- the drill-down ------------------------------------------------------------------------------

# What a drill-down row carries: no title, facts or party; names of the body and mediator only.
CASE_VALUES: dict[str, Any] = {
    "id": None,
    "reference": None,
    "category": None,
    "track": None,
    "body_id": None,
    "body_name": F("body__name"),
    "mediator_name": stats.GROUP_FIELDS["mediator"]["mediator_name"],
    "state": None,
    "received_at": None,
    "accepted_at": None,
    "concluded_at": None,
    "deadline": None,
    "claimed_amount": None,
    "agreed_amount": None,
}


def cases(
    user: Any,
    figure: str,
    slice_: Slice,
    *,
    today: datetime.date,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Any]:
    """The cases behind `figure` in the slice, as rows of `CASE_VALUES` (a values queryset).

    Raises `Forbidden` for users who may not read figures, KeyError for an unknown figure or sort.
    """
    qs = (
        stats.counted_disputes(user, slice_.range)
        .filter(slice_.q())
        .filter(figure_q(figure, today))
    )
    plain = [name for name, expression in CASE_VALUES.items() if expression is None]
    named = {name: expression for name, expression in CASE_VALUES.items() if expression is not None}
    return qs.order_by(*SORTS[sort]).values(*plain, **named)


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    body_id: int
    category: str
    track: str
    body: str
    mediator: str
    state: str
    received_at: datetime.date
    accepted_at: datetime.date | None
    concluded_at: datetime.date | None
    deadline: datetime.date | None
    claimed_amount: Decimal | None
    agreed_amount: Decimal | None
    days_overdue: int | None


def _label(choices: type[models.TextChoices], value: str, blank: str) -> str:
    if not value:
        return blank
    return str(choices(value).label) if value in choices.values else value


def case_row(row: Mapping[str, Any], *, today: datetime.date) -> CaseRow:
    """A drill-down row in words: labels for codes, the mediator's name or “not assigned”."""
    deadline = row["deadline"]
    overdue = row["state"] in OPEN_STATES
    return CaseRow(
        id=row["id"],
        reference=row["reference"],
        body_id=row["body_id"],
        category=_label(Category, row["category"], str(blank_label("category"))),
        track=_label(Track, row["track"], str(blank_label("track"))),
        body=row["body_name"],
        mediator=row["mediator_name"] or str(blank_label("mediator")),
        state=_label(State, row["state"], ""),
        received_at=row["received_at"],
        accepted_at=row["accepted_at"],
        concluded_at=row["concluded_at"],
        deadline=deadline,
        claimed_amount=row["claimed_amount"],
        agreed_amount=row["agreed_amount"],
        days_overdue=(today - deadline).days
        if overdue and deadline is not None and deadline < today
        else None,
    )


# Columns of the drill-down list and its exports: (attribute of CaseRow, header, kind).
CASE_COLUMNS: list[tuple[str, Promise, str]] = [
    ("reference", _("Reference"), "text"),
    ("category", _("Category"), "text"),
    ("track", _("Track"), "text"),
    ("body", _("Mediation body"), "text"),
    ("mediator", _("Mediator"), "text"),
    ("state", _("State"), "text"),
    ("received_at", _("Received on"), "date"),
    ("accepted_at", _("Accepted on"), "date"),
    ("concluded_at", _("Concluded on"), "date"),
    ("deadline", _("Deadline"), "date"),
    ("claimed_amount", _("Claimed (¥)"), "amount"),
    ("agreed_amount", _("Agreed (¥)"), "amount"),
]
