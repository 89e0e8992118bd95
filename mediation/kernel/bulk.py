"""Writing many rows at once: the ledger import and the case generator.

`insert` gives every object its primary key and writes them in as few statements as the database
allows. On PostgreSQL the keys are taken from the table's own sequence in one query and the rows go
in with COPY, several times faster than multi-row INSERTs; elsewhere (SQLite) `bulk_create` does
the job and sets the keys itself. Either way the caller can point foreign keys at the objects
afterwards, so a dispute, its parties and its log rows are written table by table, not row by row.
One call is all or nothing: it runs in a transaction (a savepoint inside the caller's).

Nothing here validates: callers check their rows first. Model `save()` is not called (no signals),
but field defaults and `auto_now`/`auto_now_add` are applied as `save()` would (one timestamp
for the whole call).

Objects that point at other objects written by the same call (an agent at the party they
represent) work on PostgreSQL only; write the parties pointed at in an earlier call, as
`bulk_create` requires on every database.
"""

from __future__ import annotations

import datetime
import decimal
import json
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.db.models.fields.json import JSONField
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

BATCH_SIZE = 5_000

NoneType = type(None)


def reserve_ids(model: type[models.Model], count: int, *, using: str = "default") -> list[int]:
    """`count` fresh primary keys from the table's sequence (PostgreSQL only)."""
    if count <= 0:
        return []
    connection = connections[using]
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), column]
        )
        (sequence,) = cursor.fetchone()
        if sequence is None:
            raise ValueError(f"{model.__name__}.{column} takes its values from no sequence.")
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [row[0] for row in cursor.fetchall()]


def _concrete_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.generated]


# Values of these exact types go to COPY as they are: for them the stock fields'
# `get_db_prep_save` on PostgreSQL returns its argument (text, numbers, dates; decimals are
# rounded to the column's places by the database, as in an INSERT). That spares most of the
# per-value work; anything else (enums, lazy strings, expressions…) takes the full path.
_PLAIN_TYPES: dict[type[models.Field], frozenset[type]] = {
    models.AutoField: frozenset({int, NoneType}),
    models.BigAutoField: frozenset({int, NoneType}),
    models.SmallAutoField: frozenset({int, NoneType}),
    models.IntegerField: frozenset({int, NoneType}),
    models.BigIntegerField: frozenset({int, NoneType}),
    models.SmallIntegerField: frozenset({int, NoneType}),
    models.PositiveIntegerField: frozenset({int, NoneType}),
    models.PositiveBigIntegerField: frozenset({int, NoneType}),
    models.PositiveSmallIntegerField: frozenset({int, NoneType}),
    models.BooleanField: frozenset({bool, NoneType}),
    models.CharField: frozenset({str, NoneType}),
    models.TextField: frozenset({str, NoneType}),
    models.DateField: frozenset({datetime.date, NoneType}),
    models.DecimalField: frozenset({decimal.Decimal, NoneType}),
}
_PREP_METHODS = ("to_python", "get_prep_value", "get_db_prep_value", "get_db_prep_save")


def _stock(field: models.Field, base: type[models.Field]) -> bool:
    """Whether `field` converts values exactly as Django's `base` field class does."""
    return isinstance(field, base) and all(
        getattr(type(field), name) is getattr(base, name) for name in _PREP_METHODS
    )


def _conversion(
    field: models.Field, connection: Any
) -> tuple[frozenset[type] | None, Callable[[Any], Any]]:
    """How COPY gets `field`'s values: the types that go as they are (None: every value is
    converted), and what converts the others (`get_db_prep_save`, as `save()` does)."""

    def full(value: Any) -> Any:
        return field.get_db_prep_save(value, connection=connection)

    if field.is_relation:
        # A foreign key holds its target's value; ForeignKey's own methods only delegate.
        if type(field) not in (models.ForeignKey, models.OneToOneField):
            return frozenset(), full
        target = field.target_field
    else:
        target = field
    base = _base_class(target)
    if base is not None:
        return _PLAIN_TYPES[base], full
    if _stock(field, models.DateTimeField):
        # Aware datetimes when USE_TZ (naive ones otherwise): `_copy` checks that too.
        return frozenset({datetime.datetime, NoneType}), full
    if _stock(field, JSONField):
        encoder = field.encoder

        def json_value(value: Any) -> Any:
            if type(value) in (dict, list):
                # COPY takes JSON as text: the same as the adapter would send, dumped once.
                return json.dumps(value, cls=encoder)
            return full(value)

        return None, json_value
    return frozenset(), full


def _base_class(field: models.Field) -> type[models.Field] | None:
    """The stock field class `field` behaves as, among those with plain values; else None."""
    if isinstance(field, models.DateTimeField):
        return None  # a DateField too, but with time zones to mind
    for base in _PLAIN_TYPES:
        if _stock(field, base):
            return base
    return None


def _has_pre_save(field: models.Field) -> bool:
    """Whether `pre_save` does more than read the attribute (auto_now, files…)."""
    if isinstance(field, models.DateField):  # DateTimeField too
        return bool(field.auto_now or field.auto_now_add)
    return type(field).pre_save is not models.Field.pre_save


def _copy_statement(connection: Any, model: type[models.Model], fields: Iterable[Any]) -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    return f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"


def _copy(model: type[models.Model], objects: Sequence[models.Model], using: str) -> None:
    connection = connections[using]
    fields = _concrete_fields(model)
    # auto_now(_add) and the like: the value `save()` would set, once for the whole call.
    for field in fields:
        if not _has_pre_save(field):
            continue
        if isinstance(field, models.DateField):
            value = field.pre_save(objects[0], add=True)
            for obj in objects:
                setattr(obj, field.attname, value)
        else:
            for obj in objects:
                field.pre_save(obj, add=True)
    # Every concrete field's value is in the instance's dict: take each row's values in one go,
    # then convert column by column only the values that need it.
    names = [f.attname for f in fields]
    getter = itemgetter(*names) if len(names) > 1 else (lambda values: (values[names[0]],))
    rows: list[Any] = [getter(obj.__dict__) for obj in objects]
    changed = False
    use_tz = settings.USE_TZ
    for index, field in enumerate(fields):
        plain, convert = _conversion(field, connection)
        if plain is not None and {type(row[index]) for row in rows} <= plain:
            if not isinstance(field, models.DateTimeField):
                continue
            if all(row[index] is None or (row[index].tzinfo is not None) == use_tz for row in rows):
                continue
            plain = frozenset({NoneType})  # convert every datetime, as save() would
        if not changed:
            rows = [list(row) for row in rows]
            changed = True
        done: dict[int, Any] = {}  # one JSON value shared by many rows is converted once
        for row in rows:
            value = row[index]
            if plain is None or type(value) not in plain:
                key = id(value)
                if key not in done:
                    done[key] = convert(value)
                row[index] = done[key]
    sql = _copy_statement(connection, model, fields)
    # Straight on psycopg's cursor, hence the wrapper: errors arrive as Django's (IntegrityError
    # for a duplicate key…), as from any other query.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        write_row = copy.write_row
        for row in rows:
            write_row(row)


def _prepare_related(obj: models.Model) -> None:
    """Copy the keys of related objects set on `obj` onto its foreign keys (as `save()` does)."""
    # No related object cached, nothing to copy: spares the per-field checks on plain ids.
    if obj._state.__dict__.get("fields_cache"):
        obj._prepare_related_fields_for_save(operation_name="insert")


def insert(
    model: type[M], objects: Iterable[M], *, batch_size: int = BATCH_SIZE, using: str | None = None
) -> list[M]:
    """Write `objects` (all new) and give each its primary key; returns them as a list.

    Objects that already have a primary key keep it (on PostgreSQL only when the key is not
    taken from a sequence, or is one the sequence already gave out).
    """
    objects = list(objects)
    if not objects:
        return objects
    if model._meta.parents:
        raise ValueError(f"{model.__name__} inherits from another model: use save().")
    using = using or router.db_for_write(model)
    connection = connections[using]
    fields = _concrete_fields(model)
    if connection.vendor != "postgresql" or any(f.has_db_default() for f in fields):
        # COPY cannot leave a column to its database default row by row; bulk_create can.
        with transaction.atomic(using=using, savepoint=True):
            model._default_manager.db_manager(using).bulk_create(objects, batch_size=batch_size)
        return objects

    pk_name = model._meta.pk.attname
    without_pk = [obj for obj in objects if getattr(obj, pk_name) is None]
    if without_pk:
        if not isinstance(model._meta.pk, AutoFieldMixin):
            raise ValueError(f"{model.__name__} objects need their primary key set.")
        for obj, pk in zip(
            without_pk, reserve_ids(model, len(without_pk), using=using), strict=True
        ):
            setattr(obj, pk_name, pk)
    # After every key is known, so objects of this call may point at each other.
    for obj in objects:
        _prepare_related(obj)
    with transaction.atomic(using=using, savepoint=True):
        for start in range(0, len(objects), batch_size):
            _copy(model, objects[start : start + batch_size], using)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = using
    return objects


class Builder:
    """Makes unsaved instances of `model` several times faster than `Model(**values)`.

    For rows made by the hundred thousand that are only written with `insert`: the instance gets
    every field's default (callable defaults called per instance) and then `values`, given by
    attribute name (`dispute_id=…`, not `dispute=…`), straight into its dict. `Model.__init__` is
    skipped, so are the `pre_init`/`post_init` signals and whatever a model mixin sets up there
    (django-fsm's concurrency check): read such rows back from the database before saving them.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.static: dict[str, Any] = {}
        self.dynamic: list[tuple[str, Callable[[], Any]]] = []
        for field in model._meta.concrete_fields:
            if field.has_default() and callable(field.default):
                self.dynamic.append((field.attname, field.default))
            else:
                self.static[field.attname] = field.get_default()
        self.names = frozenset(self.static) | {name for name, _default in self.dynamic}

    def __call__(self, **values: Any) -> M:
        if not self.names.issuperset(values):
            unknown = ", ".join(sorted(values.keys() - self.names))
            raise TypeError(f"{self.model.__name__} has no field (attribute name) {unknown}.")
        obj = self.model.__new__(self.model)
        obj._state = ModelState()
        attributes = obj.__dict__
        attributes.update(self.static)
        for name, default in self.dynamic:
            if name not in values:
                attributes[name] = default()
        attributes.update(values)
        return obj


def insert_all(batches: Sequence[tuple[type[Any], Sequence[Any]]], **kwargs: Any) -> None:
    """`insert` several tables in order (parents before the rows pointing at them)."""
    for model, objects in batches:
        insert(model, objects, **kwargs)


def insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Write rows given as plain values, `{attname: value}` with the same keys in every row, and
    answer their new primary keys in order.

    For callers writing hundreds of thousands of rows (the ledger import): no model instance is
    made on PostgreSQL, where the values go to COPY as they are, so they must already be what the
    column holds (str, int, Decimal, date, aware datetime, None; dicts and lists for JSON).
    Fields left out take their default (`auto_now(_add)`: now), evaluated once per call.
    """
    if not rows:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        insert(model, objects, using=using)
        return [obj.pk for obj in objects]

    given = list(rows[0])
    fields = {f.attname: f for f in _concrete_fields(model)}
    unknown = [name for name in given if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(unknown)}.")
    pk_name = model._meta.pk.attname
    defaults: dict[str, Any] = {}
    now = timezone.now()
    for name, field in fields.items():
        if name in given or name == pk_name:
            continue
        if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):
            defaults[name] = now if isinstance(field, models.DateTimeField) else now.date()
        elif field.has_default() or field.null or field.empty_strings_allowed:
            defaults[name] = field.get_default()  # "" for text without a default
        else:
            raise ValueError(f"{model.__name__}.{name} has no default: give it in every row.")
    json_fields = {name for name, f in fields.items() if isinstance(f, JSONField)}

    def prepared(name: str, value: Any) -> Any:
        if name in json_fields and value is not None:
            return connection.ops.adapt_json_value(value, fields[name].encoder)
        return value

    fixed = [prepared(name, value) for name, value in defaults.items()]
    columns = [pk_name, *given, *defaults]
    ids = reserve_ids(model, len(rows), using=using)
    sql = _copy_statement(connection, model, [fields[name] for name in columns])
    # The row's values in column order in one call; only JSON values are converted one by one.
    values_of = itemgetter(*given) if len(given) > 1 else (lambda row: (row[given[0]],))
    json_at = [(index, name) for index, name in enumerate(given) if name in json_fields]
    with (
        transaction.atomic(using=using, savepoint=True),
        connection.cursor() as cursor,
        connection.wrap_database_errors,  # Django's IntegrityError, as in `_copy`
        cursor.cursor.copy(sql) as copy,
    ):
        write_row = copy.write_row
        for pk, row in zip(ids, rows, strict=True):
            values = values_of(row)
            if json_at:
                values = list(values)
                for index, name in json_at:
                    values[index] = prepared(name, values[index])
            write_row((pk, *values, *fixed))
    return ids
