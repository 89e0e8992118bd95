"""Figures kept per slice, so that rates over a million disputes answer in milliseconds.

`FigureSlice` holds the counts and sums `stats.rates` reports for every finest slice: one month of
receipt × category × track × intake channel × body × mediator × court. `FigureDays` holds how many
cases of a slice took each number of days from acceptance to conclusion, so the median and 90th
percentile of any grouping stay exact. A rate sums a few thousand of those rows instead of reading
every dispute (`stats.rates`).

They are kept exact, inside the transaction that changes a dispute:

- a dispute saved or deleted recounts the slice it is in and, if it moved, the one it left
  (signals below: every service, the admin and the factories go through `save()`);
- a log entry saying a case reached `confirmed` recounts its slice ("confirmed" reads the log);
- writers that bypass `save()` call `add_new` for disputes never counted before (ledger import,
  case generator) or `refresh` (imported conclusions).

`rebuild()` recounts everything and `differences()` lists what the kept rows get wrong against a
recount: for tests, and for `manage.py rebuild_figures` after anything wrote disputes behind
Django's back (a restore, hand-written SQL).

Concurrency, on PostgreSQL: whoever writes a slice's rows first takes a transaction-scoped
advisory lock on the slice and holds it until commit, so two transactions recounting one slice
take turns and the second one's recount (a new statement, a new snapshot under READ COMMITTED)
sees what the first committed. `rebuild` takes a lock that the others take shared. SQLite lets one
transaction write at a time anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Func,
    IntegerField,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, TruncMonth
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

from mediation.cases.models import Dispute, SliceDims, TransitionLog
from mediation.figures.models import FigureDays, FigureSlice
from mediation.figures.stats import KEPT_COUNTS, TIMED, DaysBetween, kept_figures, next_month
from mediation.kernel.choices import State

DIMENSIONS = ("category", "track", "channel", "body_id", "mediator_id", "court_id")
# The advisory locks' key spaces: (namespace, hash of a slice's key) per slice, and one 64-bit key
# that `rebuild` holds exclusively and everybody else shared.
LOCK_NAMESPACE = 0x46510
REBUILD_LOCK = "fengqiao.figures.rebuild"


# --- a slice's key ------------------------------------------------------------------------------


def _normalised(dims: SliceDims) -> SliceDims:
    """Values as stored: a date assigned as text, an id as a string, the first of the month."""
    received = Dispute._meta.get_field("received_at").to_python(dims.received_at)

    def number(value: Any) -> int | None:
        return None if value in (None, "") else int(value)

    return SliceDims(
        int(dims.body_id),
        number(dims.mediator_id),
        number(dims.court_id),
        str(dims.category),
        str(dims.track or ""),
        str(dims.channel),
        received.replace(day=1),
    )


def slice_key(dims: SliceDims) -> str:
    """`body|mediator|court|category|track|channel|YYYY-MM`, as `_key_expression` spells it."""
    dims = _normalised(dims)
    return "|".join(
        [
            str(dims.body_id),
            "" if dims.mediator_id is None else str(dims.mediator_id),
            "" if dims.court_id is None else str(dims.court_id),
            dims.category,
            dims.track,
            dims.channel,
            f"{dims.received_at:%Y-%m}",
        ]
    )


class MonthText(Func):
    """`YYYY-MM` of a date, in the database."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        (date,) = self.get_source_expressions()
        if connection.vendor == "sqlite":
            call = Func(Value("%Y-%m"), date, function="strftime", output_field=CharField())
        else:
            call = Func(date, Value("YYYY-MM"), function="to_char", output_field=CharField())
        return compiler.compile(call)


def _text(column: str) -> Any:
    return Coalesce(Cast(column, CharField()), Value(""), output_field=CharField())


def _key_expression() -> Concat:
    bar = Value("|")
    return Concat(
        Cast("body_id", CharField()),
        bar,
        _text("mediator_id"),
        bar,
        _text("court_id"),
        bar,
        "category",
        bar,
        "track",
        bar,
        "channel",
        bar,
        MonthText("received_at"),
        output_field=CharField(),
    )


# --- what a set of disputes adds to its slices -------------------------------------------------


def _by_slice(disputes: QuerySet[Dispute], **more: Any) -> QuerySet[Any]:
    return disputes.order_by().values(
        *DIMENSIONS, key=_key_expression(), month=TruncMonth("received_at"), **more
    )


def _slices(disputes: QuerySet[Dispute]) -> QuerySet[Any]:
    return _by_slice(disputes).annotate(cases=Count("pk"), **kept_figures())


def _days(disputes: QuerySet[Dispute], *, then: Any = None) -> QuerySet[Any]:
    timed = disputes.filter(TIMED)
    if then is not None:
        timed = timed.filter(then)
    days = Cast(DaysBetween("concluded_at", "accepted_at"), IntegerField())
    return _by_slice(timed, days=days).annotate(cases=Count("pk"))


# Upserts add a set of new disputes to the slices that already count others.
_ADDED = {
    FigureSlice: ["cases", *KEPT_COUNTS, "claimed_total", "agreed_total"],
    FigureDays: ["cases"],
}
_KEEP_LARGER = {FigureSlice: ["agreed_max"], FigureDays: []}
_KEEP_SMALLER = {FigureSlice: ["agreed_min"], FigureDays: []}
_CONFLICT = {FigureSlice: ["key"], FigureDays: ["key", "days"]}


def _upsert_clause(model: type[FigureSlice | FigureDays]) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sets = [f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in _ADDED[model]]
    for column, better in [(c, ">") for c in _KEEP_LARGER[model]] + [
        (c, "<") for c in _KEEP_SMALLER[model]
    ]:
        mine, theirs = f"{table}.{quote(column)}", f"excluded.{quote(column)}"
        sets.append(
            f"{quote(column)} = CASE WHEN {theirs} IS NULL THEN {mine} "
            f"WHEN {mine} IS NULL OR {theirs} {better} {mine} THEN {theirs} ELSE {mine} END"
        )
    conflict = ", ".join(quote(c) for c in _CONFLICT[model])
    return f" ON CONFLICT ({conflict}) DO UPDATE SET {', '.join(sets)}"


def _insert_statement(
    model: type[FigureSlice | FigureDays], rows: QuerySet[Any], *, add: bool
) -> tuple[str, list[Any]]:
    """INSERT … SELECT the grouped rows: the database does the counting and the writing."""
    compiler = rows.query.get_compiler(using=rows.db)
    select, params = compiler.as_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(alias) for _expression, _sql, alias in compiler.select)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {select}"
    if add:
        sql += _upsert_clause(model)
    return sql, list(params)


def _insert(model: type[FigureSlice | FigureDays], rows: QuerySet[Any], *, add: bool) -> None:
    sql, params = _insert_statement(model, rows, add=add)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# A slice of disputes in SQL, for `refresh`: the body and dates first, which an index answers.
_IN_SLICE = (
    "({t}.body_id = %s AND {t}.received_at >= %s AND {t}.received_at < %s"
    " AND {t}.category = %s AND {t}.track = %s AND {t}.channel = %s"
    " AND {t}.mediator_id {same} %s AND {t}.court_id {same} %s)"
)


@functools.cache
def _recount_statements(vendor: str, slices: int) -> list[tuple[str, list[Any]]]:
    """The statements recounting `slices` slices, with the slices' values left to append.

    Compiling the ORM's aggregates takes ten times as long as running them on a slice, and
    `refresh` runs on every save of a dispute: so they are compiled once per number of slices,
    with the slices' condition as raw SQL whose parameters come last.
    """
    table = connection.ops.quote_name(Dispute._meta.db_table)
    same = "IS" if vendor == "sqlite" else "IS NOT DISTINCT FROM"  # equal, or both null
    condition = " OR ".join([_IN_SLICE.format(t=table, same=same)] * slices)
    in_slices = RawSQL(condition, [], output_field=BooleanField())
    statements = [
        _insert_statement(FigureSlice, _slices(Dispute.objects.filter(in_slices)), add=False),
        _insert_statement(FigureDays, _days(Dispute.objects.all(), then=in_slices), add=False),
    ]
    for sql, params in statements:
        # The slices' parameters are appended: nothing after their condition may take one.
        before, after = sql.rsplit(condition, 1)
        assert before.count("%s") == len(params) and "%s" not in after, sql
    return statements


def _slice_params(dims: SliceDims) -> list[Any]:
    date = connection.ops.adapt_datefield_value
    return [
        dims.body_id,
        date(dims.received_at),
        date(next_month(dims.received_at)),
        dims.category,
        dims.track,
        dims.channel,
        dims.mediator_id,
        dims.court_id,
    ]


# --- locks ---------------------------------------------------------------------------------------


def _lock(keys: Iterable[str]) -> None:
    """Hold the slices' locks (and the rebuild lock, shared) until the transaction ends."""
    keys = sorted(set(keys))
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(hashtext(%s))", [REBUILD_LOCK])
        # In the hashes' order, whoever asks: two writers never wait for each other in a circle.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, h) FROM "
            "(SELECT DISTINCT hashtext(k) AS h FROM unnest(%s::text[]) AS k) AS hashes ORDER BY h",
            [LOCK_NAMESPACE, keys],
        )


# --- keeping the figures -------------------------------------------------------------------------


def refresh(slices: Iterable[SliceDims | None]) -> None:
    """Recount these slices from their disputes."""
    by_key = {slice_key(d): d for d in (_normalised(s) for s in slices if s is not None)}
    if not by_key:
        return
    keys = sorted(by_key)
    in_slices = [value for key in keys for value in _slice_params(by_key[key])]
    quote = connection.ops.quote_name
    matching = f"{quote('key')} IN ({', '.join(['%s'] * len(keys))})"
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(keys)
        for model in (FigureSlice, FigureDays):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {matching}", keys)
        for sql, params in _recount_statements(connection.vendor, len(keys)):
            cursor.execute(sql, [*params, *in_slices])


def add_new(dispute_ids: Sequence[int], slices: Iterable[SliceDims] | None = None) -> None:
    """Count disputes written without `save()` that no slice counts yet.

    Adding rather than recounting keeps a large import as fast at a million cases as at none.
    Only for disputes never counted: anything else would be counted twice. A caller that knows
    the disputes' slices passes them, sparing a pass over the disputes to find which slices to
    lock (a second of a 100,000-row import); they must be every slice the disputes fall in.
    """
    known = None if slices is None else {slice_key(dims) for dims in slices}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Room to sort a whole import's rows by slice in memory, not in temp files.
                cursor.execute("SET LOCAL work_mem = '64MB'")
        if known is not None:
            _lock(known)
        for disputes in _by_ids(dispute_ids):
            if known is None:
                _lock(disputes.order_by().values_list(_key_expression(), flat=True).distinct())
            _insert(FigureSlice, _slices(disputes), add=True)
            _insert(FigureDays, _days(disputes), add=True)


# SQLite's limit on a statement's parameters, with room to spare.
_SQLITE_IDS = 10_000


def _by_ids(dispute_ids: Sequence[int]) -> Iterator[QuerySet[Dispute]]:
    """The disputes of these ids: on PostgreSQL in one array parameter, whose plan does not
    grow with the list as an `IN (%s, …)` does; on SQLite in lists it accepts."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Dispute._meta.db_table)
        in_list = RawSQL(f"{table}.id = ANY(%s)", [list(dispute_ids)], output_field=BooleanField())
        yield Dispute.objects.filter(in_list)
        return
    for start in range(0, len(dispute_ids), _SQLITE_IDS):
        yield Dispute.objects.filter(pk__in=dispute_ids[start : start + _SQLITE_IDS])


@transaction.atomic
def rebuild() -> None:
    """Recount every slice from every dispute."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [REBUILD_LOCK])
    FigureSlice.objects.all().delete()
    FigureDays.objects.all().delete()
    everything = Dispute.objects.all()
    _insert(FigureSlice, _slices(everything), add=False)
    _insert(FigureDays, _days(everything), add=False)


def differences(limit: int = 20) -> list[str]:
    """What the kept rows get wrong against a recount of every dispute, at most `limit` lines."""
    columns = ["key", "month", *DIMENSIONS, *_ADDED[FigureSlice], "agreed_max", "agreed_min"]
    found: list[str] = []
    for model, rows, identity in [
        (FigureSlice, _slices(Dispute.objects.all()), ("key",)),
        (FigureDays, _days(Dispute.objects.all()), ("key", "days")),
    ]:
        wanted = columns if model is FigureSlice else ["key", "month", *DIMENSIONS, "days", "cases"]
        expected = {tuple(r[c] for c in identity): r for r in rows}
        kept = {tuple(r[c] for c in identity): r for r in model.objects.values(*wanted)}
        for ident in sorted(expected.keys() | kept.keys(), key=str):
            want, have = expected.get(ident), kept.get(ident)
            if want is not None and have is not None:
                want = {c: want[c] for c in wanted}
                if want == have:
                    continue
                wrong = [c for c in wanted if want[c] != have[c]]
                found.append(
                    f"{model.__name__} {ident}: "
                    + ", ".join(f"{c} {have[c]!r} should be {want[c]!r}" for c in wrong)
                )
            elif want is None:
                found.append(f"{model.__name__} {ident}: kept but no dispute is in it")
            else:
                found.append(f"{model.__name__} {ident}: missing")
            if len(found) >= limit:
                return found
    return found


def cases_in(
    *,
    body_id: int | None = None,
    category: str = "",
    track: str = "",
    channel: str = "",
    mediator_id: int | None = None,
) -> int:
    """How many disputes there are, of one body (every body if None) and the given slice
    dimensions, from the kept slices: a few thousand rows for a body, not its whole history."""
    slices = FigureSlice.objects.all()
    if body_id is not None:
        slices = slices.filter(body_id=body_id)
    if category:
        slices = slices.filter(category=category)
    if track:
        slices = slices.filter(track=track)
    if channel:
        slices = slices.filter(channel=channel)
    if mediator_id is not None:
        slices = slices.filter(mediator_id=mediator_id)
    return slices.aggregate(n=Coalesce(Sum("cases"), 0))["n"]


def cases_matching(*, body_id: int | None, filters: Mapping[str, Any] | None) -> int | None:
    """`cases_in` for a list's filters (category, track, channel, mediator: name → value, the
    mediator as its row), or None when `filters` is None: filters the slices do not keep."""
    if filters is None:
        return None
    mediator = filters.get("mediator")
    return cases_in(
        body_id=body_id,
        category=filters.get("category", ""),
        track=filters.get("track", ""),
        channel=filters.get("channel", ""),
        mediator_id=mediator.pk if mediator else None,
    )


# --- signals: every save() of a dispute ----------------------------------------------------------


# What a dispute's figures and slice are read from: a save of other fields changes no figure.
COUNTED_FIELDS = frozenset(
    {*SliceDims._fields, "body", "mediator", "court", "state", "outcome", "close_outcome"}
    | {"accepted_at", "concluded_at", "claimed_amount", "agreed_amount"}
)


def _counts_nothing(update_fields: frozenset[str] | None) -> bool:
    return update_fields is not None and not update_fields & COUNTED_FIELDS


def _before_save(
    sender: Any,
    instance: Dispute,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    # Read without some of its fields (`only()`), the case's old slice is not known: ask.
    if raw or instance._state.adding or hasattr(instance, "_counted_in"):
        return
    if _counts_nothing(update_fields):
        return
    old = Dispute.objects.filter(pk=instance.pk).values_list(*SliceDims._fields)
    instance._counted_in = next((SliceDims(*row) for row in old), None)


def _after_save(
    sender: Any,
    instance: Dispute,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if raw:  # loaddata: `rebuild_figures` afterwards
        return
    if _counts_nothing(update_fields):
        return  # e.g. a deadline extended
    now = instance.slice_dims()
    refresh([getattr(instance, "_counted_in", None), now])
    instance._counted_in = now


def _after_delete(sender: Any, instance: Dispute, **kwargs: Any) -> None:
    refresh([getattr(instance, "_counted_in", None) or instance.slice_dims()])


def _after_log(
    sender: Any, instance: TransitionLog, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not created or instance.to_state != State.CONFIRMED:
        return
    refresh(
        SliceDims(*row)
        for row in Dispute.objects.filter(pk=instance.dispute_id).values_list(*SliceDims._fields)
    )


def _fill_after_migrate(sender: Any, **kwargs: Any) -> None:
    # A database that had disputes before the figures were kept (migration 0009) gets them now.
    if not FigureSlice.objects.exists() and Dispute.objects.exists():
        rebuild()


def connect() -> None:
    """Called once, from `MediationConfig.ready`."""
    post_migrate.connect(
        _fill_after_migrate,
        sender=apps.get_app_config("mediation"),
        dispatch_uid="figures.fill_after_migrate",
    )
    pre_save.connect(_before_save, sender=Dispute, dispatch_uid="figures.before_save")
    post_save.connect(_after_save, sender=Dispute, dispatch_uid="figures.after_save")
    post_delete.connect(_after_delete, sender=Dispute, dispatch_uid="figures.after_delete")
    post_save.connect(_after_log, sender=TransitionLog, dispatch_uid="figures.after_log")
