"""Rates and figures per slice (SPEC §6), computed by the database.

Every figure is a conditional aggregate over `Dispute` rows grouped by the requested fields, so
the number of queries does not depend on the number of disputes: one for the rows, one for the
total, and on SQLite (which has no `percentile_cont`) one more fetching the ordered durations.

A dispute counts by the state it reached, read from its `outcome` (set when it concluded, kept
when it is later closed, cleared again if a court denies confirmation), and is credited to the
body, track and mediator on its row: a concluded case no longer moves, so those are the ones that
held it when it concluded.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import OPEN_STATES, CloseOutcome, Outcome, State
from .exceptions import Forbidden
from .models import Dispute, TransitionLog, overdue_q
from .roles import Role, scope_of

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


def counted_filters(today: datetime.date) -> dict[str, Q]:
    """The filter behind each counted figure, by the figure's name in a row.

    The aggregates count with exactly these, so a list of disputes filtered the same way (the
    dashboard's drill-down, `mediation.dashboard`) has as many rows as the figure says.
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


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(p) WITHIN GROUP (ORDER BY …)`."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, percentile: float, **extra: Any) -> None:
        if not 0 <= percentile <= 1:
            raise ValueError("percentile must lie in [0, 1]")
        # A literal we control, not user input.
        super().__init__(expression, percentile=repr(float(percentile)), **extra)


def percentile_cont(ordered: list[float], fraction: float) -> float | None:
    """`percentile_cont` on an ascending list: linear interpolation between closest ranks."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower))


def _aggregates(today: datetime.date, *, percentiles: bool) -> dict[str, Any]:
    figures: dict[str, Any] = {
        name: Count("pk", filter=q) for name, q in counted_filters(today).items()
    }
    figures.update(
        {
            "claimed_total": Sum("claimed_amount"),
            "agreed_total": Sum("agreed_amount", filter=SUCCESS),
            "agreed_max": Max("agreed_amount", filter=SUCCESS),
            "agreed_min": Min("agreed_amount", filter=SUCCESS),
        }
    )
    if percentiles:
        days = DaysBetween("concluded_at", "accepted_at")
        figures["median_days"] = PercentileCont(days, 0.5, filter=TIMED)
        figures["p90_days"] = PercentileCont(days, 0.9, filter=TIMED)
    return figures


def _values(qs: QuerySet[Dispute], columns: dict[str, Any], **more: Any) -> QuerySet[Any]:
    """`values()` of the columns: model fields by name, the others as named expressions."""
    plain = [name for name, expression in columns.items() if expression is None]
    named = {name: expression for name, expression in columns.items() if expression is not None}
    return qs.order_by().values(*plain, **named, **more)


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


def disputes_counted_for(user: Any) -> QuerySet[Dispute]:
    """Whose figures the user may read: analysts and superusers all, body staff their body."""
    scope = scope_of(user)
    if scope.is_superuser or scope.has(Role.ANALYST):
        return Dispute.objects.all()
    if scope.is_body_staff:
        return Dispute.objects.filter(body_id=scope.body_id)
    raise Forbidden(_("Only analysts and the staff of a mediation body may read the figures."))


def counted_disputes(user: Any, query: RatesQuery) -> QuerySet[Dispute]:
    """The disputes `rates` counts for the user: those they may read, received in the range."""
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationError({"from": _("The start date must not be after the end date.")})
    qs = disputes_counted_for(user)
    if query.date_from:
        qs = qs.filter(received_at__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(received_at__lte=query.date_to)
    return qs


def rates(user: Any, query: RatesQuery, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Figures per slice and in total (SPEC §6, §7.1), for what the user may read."""
    qs = counted_disputes(user, query)
    today = today or timezone.localdate()
    in_db = connection.vendor == "postgresql"
    figures = _aggregates(today, percentiles=in_db)

    total = qs.aggregate(**figures)
    columns: dict[str, Any] = {}
    for name in query.group_by:
        columns.update(GROUP_FIELDS[name])
    keys = [next(iter(GROUP_FIELDS[name])) for name in query.group_by]
    if query.group_by:
        grouped = _values(qs, columns).annotate(**figures).order_by(*keys)
        rows = [dict(row) for row in grouped]
    else:
        rows = []

    if not in_db:
        _durations_in_python(qs, columns, keys, rows, total)
    for row in rows:
        if "month" in row and row["month"] is not None:
            row["month"] = row["month"].strftime("%Y-%m")
        _finish(row)
    if not query.group_by:
        rows = [_finish(dict(total))]
    return {
        "group_by": list(query.group_by),
        "from": query.date_from,
        "to": query.date_to,
        "rows": rows,
        "total": _finish(total),
    }


def _durations_in_python(
    qs: QuerySet[Dispute],
    columns: dict[str, Any],
    keys: list[str],
    rows: list[dict[str, Any]],
    total: dict[str, Any],
) -> None:
    """Median and p90 where the database has no `percentile_cont` (SQLite).

    One query fetches every timed case's slice key and duration, ordered by duration; the
    percentiles are interpolated as `percentile_cont` does, so both databases agree.
    """
    timed = _values(
        qs.filter(TIMED),
        {k: columns[k] for k in keys},
        days_=DaysBetween("concluded_at", "accepted_at"),
    ).order_by("days_")
    by_slice: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    everything: list[float] = []
    for case in timed:
        days = float(case["days_"])
        by_slice[tuple(case[k] for k in keys)].append(days)
        everything.append(days)
    total["median_days"] = percentile_cont(everything, 0.5)
    total["p90_days"] = percentile_cont(everything, 0.9)
    for row in rows:
        durations = by_slice.get(tuple(row[k] for k in keys), [])
        row["median_days"] = percentile_cont(durations, 0.5)
        row["p90_days"] = percentile_cont(durations, 0.9)
