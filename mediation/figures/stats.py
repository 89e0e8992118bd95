"""Rates and figures per slice (SPEC §6), computed by the database.

A dispute counts by the state it reached, read from its `outcome` (set when it concluded, kept
when it is later closed, cleared again if a court denies confirmation), and is credited to the
body, track and mediator on its row: a concluded case no longer moves, so those are the ones that
held it when it concluded.

The counts are defined once, as filters on disputes (`counted_filters`), and aggregated two ways:
`mediation.figures.kept` keeps them per slice and month as cases change (`FigureSlice`,
`FigureDays`), and `rates` sums those for the whole months of a range; the odd days at either end of
a range, and overdue, are aggregated from the disputes themselves. Either way the database counts
and the number of queries does not depend on the number of disputes.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.cases.deadlines import overdue_q
from mediation.cases.models import Dispute, TransitionLog
from mediation.figures.models import FigureDays, FigureSlice
from mediation.kernel.choices import OPEN_STATES, CloseOutcome, Outcome, State
from mediation.kernel.exceptions import Forbidden
from mediation.kernel.roles import Role, scope_of

# What `group_by` accepts, and the columns each adds to a row: its key first, then any name shown
# with it. None is the model field of that name (an id for a foreign key).
GROUP_FIELDS: dict[str, dict[str, Any]] = {
    "category": {"category": None},
    "track": {"track": None},
    "body": {"body": None, "body_name": F("body__name")},
    "mediator": {
        "mediator": None,
        # Mediator.display_name in SQL: family name + given name, else the username.
        "mediator_name": Coalesce(
            NullIf(
                Concat(
                    "mediator__user__last_name",
                    "mediator__user__first_name",
                    output_field=CharField(),
                ),
                Value(""),
            ),
            F("mediator__user__username"),
            output_field=CharField(),
        ),
    },
    "court": {"court": None, "court_name": F("court__name")},
    "channel": {"channel": None},
    "region": {"region": F("body__region")},
    "month": {"month": TruncMonth("received_at")},
}

SUCCESS = Q(outcome=Outcome.SUCCESS)
FAILURE = Q(outcome=Outcome.FAILURE)
WITHDRAWN = Q(outcome=Outcome.WITHDRAWN)
DECLINED = Q(outcome=Outcome.DECLINED)
# Concluded cases whose time from acceptance to conclusion is measured.
TIMED = (SUCCESS | FAILURE | WITHDRAWN) & Q(accepted_at__isnull=False, concluded_at__isnull=False)
# Signed agreements later recorded as not performed or taken to court (SPEC §6, repudiation).
REPUDIATED = SUCCESS & Q(close_outcome__in=[CloseOutcome.NOT_PERFORMED, CloseOutcome.COURT_FILED])
ACCEPTED = Q(accepted_at__isnull=False)
OPEN = Q(state__in=OPEN_STATES)
ZERO_COMPENSATION = SUCCESS & Q(agreed_amount=0)


def confirmed_q() -> Q:
    """Successes judicially confirmed: in state confirmed, or whose log shows they got there."""
    reached_confirmed = Exists(
        TransitionLog.objects.filter(dispute=OuterRef("pk"), to_state=State.CONFIRMED)
    )
    return SUCCESS & (Q(state=State.CONFIRMED) | Q(reached_confirmed))


# The counts `FigureSlice` keeps: all but overdue, which changes with the calendar.
KEPT_COUNTS = [
    "accepted",
    "success",
    "failure",
    "withdrawn",
    "declined",
    "open",
    "confirmed",
    "repudiated",
    "zero_compensation",
]


def counted_filters(today: datetime.date) -> dict[str, Q]:
    """The filter behind each counted figure, by the figure's name in a row.

    The aggregates count with exactly these, so a list of disputes filtered the same way (the
    dashboard's drill-down, `mediation.figures.dashboard`) has as many rows as the figure says.
    """
    return {
        "accepted": ACCEPTED,
        "success": SUCCESS,
        "failure": FAILURE,
        "withdrawn": WITHDRAWN,
        "declined": DECLINED,
        "open": OPEN,
        "overdue": overdue_q(today),
        "confirmed": confirmed_q(),
        "repudiated": REPUDIATED,
        "zero_compensation": ZERO_COMPENSATION,
    }


class DaysBetween(Func):
    """Whole days from the second date to the first, as a number."""

    arity = 2
    template = "(%(expressions)s)"  # PostgreSQL: date - date is an integer of days
    arg_joiner = " - "
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )


def percentile_cont(ordered: list[float], fraction: float) -> float | None:
    """`percentile_cont` on an ascending list: linear interpolation between closest ranks."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower))


def percentile_of_counts(counts: Mapping[int, int], fraction: float) -> float | None:
    """`percentile_cont` of the values counted in `counts` ({value: how many}), as if listed.

    The same interpolation as `percentile_cont` without listing a value per case: the ranks
    it needs are found walking the distinct values in order.
    """
    size = sum(counts.values())
    if not size:
        return None
    position = fraction * (size - 1)
    lower_rank = math.floor(position)
    upper_rank = min(lower_rank + 1, size - 1)
    lower = upper = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if lower is None and seen > lower_rank:
            lower = value
        if seen > upper_rank:
            upper = value
            break
    assert lower is not None and upper is not None
    return float(lower + (upper - lower) * (position - lower_rank))


def _values(qs: QuerySet[Any], columns: dict[str, Any], **more: Any) -> QuerySet[Any]:
    """`values()` of the columns: model fields by name, the others as named expressions."""
    plain = [name for name, expression in columns.items() if expression is None]
    named = {name: expression for name, expression in columns.items() if expression is not None}
    return qs.order_by().values(*plain, **named, **more)


def _grouped(qs: QuerySet[Any], columns: dict[str, Any], **aggregates: Any) -> list[dict[str, Any]]:
    """The aggregates per distinct value of the columns; with no columns, one row for all."""
    if not columns:
        return [qs.aggregate(**aggregates)]  # (`values()` of nothing would mean every field)
    return list(_values(qs, columns).annotate(**aggregates))


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    """Derived figures of one row: mediated and the rates; zero instead of no amount claimed."""
    row["mediated"] = row["success"] + row["failure"]
    row["success_rate"] = _ratio(row["success"], row["mediated"])
    row["completion_rate"] = _ratio(
        row["success"] + row["failure"] + row["withdrawn"], row["accepted"]
    )
    row["confirmation_rate"] = _ratio(row["confirmed"], row["success"])
    row["claimed_total"] = row["claimed_total"] or Decimal("0")
    row["agreed_total"] = row["agreed_total"] or Decimal("0")
    return row


@dataclass(frozen=True)
class RatesQuery:
    group_by: tuple[str, ...] = ()
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def parse_group_by(raw: str | None) -> tuple[str, ...]:
    """`category,track` → ("category", "track"); unknown names are a 400 naming them."""
    names: list[str] = []
    for name in (raw or "").split(","):
        name = name.strip()
        if name and name not in names:
            names.append(name)
    unknown = [n for n in names if n not in GROUP_FIELDS]
    if unknown:
        raise ValidationError(
            {
                "group_by": _("Unknown field(s): %(unknown)s. Allowed: %(allowed)s.")
                % {"unknown": ", ".join(unknown), "allowed": ", ".join(GROUP_FIELDS)}
            }
        )
    return tuple(names)


def _readable(user: Any, model: type[Dispute] | type[FigureSlice] | type[FigureDays]) -> Any:
    """Whose figures the user may read: analysts and superusers all, body staff their body."""
    scope = scope_of(user)
    if scope.is_superuser or scope.has(Role.ANALYST):
        return model.objects.all()
    if scope.is_body_staff:
        return model.objects.filter(body_id=scope.body_id)
    raise Forbidden(_("Only analysts and the staff of a mediation body may read the figures."))


def disputes_counted_for(user: Any) -> QuerySet[Dispute]:
    """The disputes whose figures the user may read."""
    return _readable(user, Dispute)


def _check_range(query: RatesQuery) -> None:
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationError({"from": _("The start date must not be after the end date.")})


def counted_disputes(user: Any, query: RatesQuery) -> QuerySet[Dispute]:
    """The disputes `rates` counts for the user: those they may read, received in the range."""
    _check_range(query)
    qs = disputes_counted_for(user)
    if query.date_from:
        qs = qs.filter(received_at__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(received_at__lte=query.date_to)
    return qs


# --- rates: kept figures for whole months, disputes for the days around them ---------------------


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class SplitRange:
    """A range of receipt dates cut into whole months and the odd days before and after them.

    The months from `months_from` (inclusive) to `months_until` (exclusive), None for no limit,
    are read from the kept figures; `days`, if any, are the days left over, read from the
    disputes. Without whole months (a range inside one month), `days` is the whole range.
    """

    months_from: datetime.date | None
    months_until: datetime.date | None
    days: Q | None
    any_months: bool


def split_range(start: datetime.date | None, end: datetime.date | None) -> SplitRange:
    months_from = None if start is None else (start if start.day == 1 else next_month(start))
    months_until = None
    if end is not None:
        last_day = next_month(end) - end == datetime.timedelta(days=1)
        months_until = next_month(end) if last_day else end.replace(day=1)
    if months_from is not None and months_until is not None and months_from >= months_until:
        whole = Q(received_at__gte=start, received_at__lte=end)
        return SplitRange(None, None, whole, any_months=False)
    edges: list[Q] = []
    if start is not None and months_from is not None and start < months_from:
        edges.append(Q(received_at__gte=start, received_at__lt=months_from))
    if end is not None and months_until is not None and end >= months_until:
        edges.append(Q(received_at__gte=months_until, received_at__lte=end))
    days = None
    for edge in edges:
        days = edge if days is None else days | edge
    return SplitRange(months_from, months_until, days, any_months=True)


# Figures that add up across slices; the others are the largest and smallest agreed amount, and
# the durations' distribution, from which the percentiles are taken.
SUMMED = [*KEPT_COUNTS, "overdue", "claimed_total", "agreed_total"]
Row = dict[str, Any]


def kept_figures() -> dict[str, Any]:
    """The figures `FigureSlice` keeps, as aggregates over disputes (SPEC §6)."""
    counted = counted_filters(datetime.date.today())  # the date only matters for overdue
    amount = DecimalField(max_digits=20, decimal_places=2)
    figures: dict[str, Any] = {name: Count("pk", filter=counted[name]) for name in KEPT_COUNTS}
    figures.update(
        claimed_total=Coalesce(Sum("claimed_amount"), Value(0), output_field=amount),
        agreed_total=Coalesce(Sum("agreed_amount", filter=SUCCESS), Value(0), output_field=amount),
        agreed_max=Max("agreed_amount", filter=SUCCESS),
        agreed_min=Min("agreed_amount", filter=SUCCESS),
    )
    return figures


def _empty_row() -> Row:
    row: Row = {name: 0 for name in SUMMED}
    row.update(claimed_total=Decimal("0"), agreed_total=Decimal("0"))
    row.update(agreed_max=None, agreed_min=None, durations=Counter())
    return row


def _add(row: Row, part: Row) -> None:
    """Add the figures of `part` (disjoint cases) to `row`."""
    for name in SUMMED:
        row[name] += part.get(name) or 0
    larger, smaller = part.get("agreed_max"), part.get("agreed_min")
    if larger is not None and (row["agreed_max"] is None or larger > row["agreed_max"]):
        row["agreed_max"] = larger
    if smaller is not None and (row["agreed_min"] is None or smaller < row["agreed_min"]):
        row["agreed_min"] = smaller
    if "durations" in part:
        row["durations"].update(part["durations"])


def _row_for(rows: dict[tuple[Any, ...], Row], part: Row, keys: list[str], names: list[str]) -> Row:
    ident = tuple(part[k] for k in keys)
    row = rows.get(ident)
    if row is None:
        row = rows[ident] = _empty_row()
        row.update({name: part[name] for name in names if name in part})
    return row


def _merge(
    rows: dict[tuple[Any, ...], Row], found: Iterable[Row], keys: list[str], names: list[str]
) -> None:
    """Add rows counted one way (kept figures, disputes, open cases) to the merged rows."""
    for part in found:
        _add(_row_for(rows, part, keys, names), part)


def _merge_days(rows: dict[tuple[Any, ...], Row], found: Iterable[Row], keys: list[str]) -> None:
    for part in found:
        _row_for(rows, part, keys, keys)["durations"][int(part["days"])] += part["cases"]


def _finished(row: Row) -> Row:
    durations = row.pop("durations")
    row["median_days"] = percentile_of_counts(durations, 0.5)
    row["p90_days"] = percentile_of_counts(durations, 0.9)
    if isinstance(row.get("month"), datetime.date):
        row["month"] = row["month"].strftime("%Y-%m")
    return _finish(row)


def _none_last(ident: tuple[Any, ...]) -> list[tuple[bool, Any]]:
    return [(value is None, value) for value in ident]


def rates(user: Any, query: RatesQuery, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Figures per slice and in total (SPEC §6, §7.1), for what the user may read.

    Whole months of the range are summed from the kept figures (`mediation.figures.kept`), the days
    around them counted from their disputes, overdue from the open cases (it changes with the
    calendar, so it is never kept). A handful of queries, whatever the number of disputes.
    """
    _check_range(query)
    today = today or timezone.localdate()
    columns: dict[str, Any] = {}
    for name in query.group_by:
        columns.update(GROUP_FIELDS[name])
    names = list(columns)
    keys = [next(iter(GROUP_FIELDS[name])) for name in query.group_by]
    # The kept figures have their month as a column already.
    kept_columns = {**columns, **({"month": None} if "month" in columns else {})}
    split = split_range(query.date_from, query.date_to)
    rows: dict[tuple[Any, ...], Row] = {}

    if split.any_months:
        kept = _readable(user, FigureSlice)
        kept_days = _readable(user, FigureDays)
        if split.months_from:
            kept = kept.filter(month__gte=split.months_from)
            kept_days = kept_days.filter(month__gte=split.months_from)
        if split.months_until:
            kept = kept.filter(month__lt=split.months_until)
            kept_days = kept_days.filter(month__lt=split.months_until)
        summed = {name: Sum(name) for name in [*KEPT_COUNTS, "claimed_total", "agreed_total"]}
        figures = _grouped(
            kept, kept_columns, **summed, agreed_max=Max("agreed_max"), agreed_min=Min("agreed_min")
        )
        _merge(rows, figures, keys, names)
        key_columns = {k: kept_columns[k] for k in keys}
        durations = _grouped(kept_days, {**key_columns, "days": None}, cases=Sum("cases"))
        _merge_days(rows, durations, keys)
    if split.days is not None:
        live = disputes_counted_for(user).filter(split.days)
        _merge(rows, _grouped(live, columns, **kept_figures()), keys, names)
        key_columns = {k: columns[k] for k in keys}
        days = Cast(DaysBetween("concluded_at", "accepted_at"), IntegerField())
        durations = _grouped(live.filter(TIMED), {**key_columns, "days": days}, cases=Count("pk"))
        _merge_days(rows, durations, keys)
    overdue = counted_disputes(user, query).filter(overdue_q(today))
    _merge(rows, _grouped(overdue, columns, overdue=Count("pk")), keys, names)

    total = _empty_row()
    result = []
    for ident in sorted(rows, key=_none_last):
        row = rows[ident]
        _add(total, row)
        result.append(_finished(row))
    total = _finished(total)
    return {
        "group_by": list(query.group_by),
        "from": query.date_from,
        "to": query.date_to,
        "rows": result if query.group_by else [dict(total)],
        "total": total,
    }
