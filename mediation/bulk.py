"""Writing many rows at once: the ledger import and the case generator (issue #6).

`insert` gives every object its primary key and writes them in as few statements as the database
allows. On PostgreSQL the keys are taken from the table's own sequence in one query and the rows go
in with COPY, several times faster than multi-row INSERTs; elsewhere (SQLite) `bulk_create` does
the job and sets the keys itself. Either way the caller can point foreign keys at the objects
afterwards, so a dispute, its parties and its log rows are written table by table, not row by row.

Nothing here validates: callers check their rows first. Model `save()` is not called (no signals),
but field defaults and `auto_now_add` are applied as `save()` would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)

BATCH_SIZE = 5_000


def reserve_ids(model: type[models.Model], count: int, *, using: str = "default") -> list[int]:
    """`count` fresh primary keys from the table's sequence (PostgreSQL only)."""
    if count <= 0:
        return []
    connection = connections[using]
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _concrete_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.generated]


def _copy(model: type[models.Model], objects: Sequence[models.Model], using: str) -> None:
    connection = connections[using]
    fields = _concrete_fields(model)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            copy.write_row(
                [
                    f.get_db_prep_save(f.pre_save(obj, add=True), connection=connection)
                    for f in fields
                ]
            )


def insert(
    model: type[M], objects: Iterable[M], *, batch_size: int = BATCH_SIZE, using: str | None = None
) -> list[M]:
    """Write `objects` (all new) and give each its primary key; returns them as a list."""
    objects = list(objects)
    if not objects:
        return objects
    using = using or router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        model._default_manager.db_manager(using).bulk_create(objects, batch_size=batch_size)
        return objects
    for obj, pk in zip(objects, reserve_ids(model, len(objects), using=using), strict=True):
        # Copies the keys of parents written earlier onto their foreign keys, as bulk_create does.
        obj._prepare_related_fields_for_save(operation_name="insert")
        obj.pk = pk
    for start in range(0, len(objects), batch_size):
        _copy(model, objects[start : start + batch_size], using)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = using
    return objects


def insert_all(batches: Sequence[tuple[type[Any], Sequence[Any]]], **kwargs: Any) -> None:
    """`insert` several tables in order (parents before the rows pointing at them)."""
    for model, objects in batches:
        insert(model, objects, **kwargs)
