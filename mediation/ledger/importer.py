"""Ledger import (调解台账, SPEC §8): a centre's history, one row per dispute, from CSV or XLSX.

The work is in three steps, each of which can stop the file with a clear reason:

1. **Read** (`read_ledger`, here): find out what the file is from its bytes, not its name (an
   XLSX is a ZIP archive; a CSV is text in UTF-8 or GB18030, the encoding Chinese Excel saves
   in), check the size and that every column of SPEC §8 is there, under its English or Chinese
   header (`columns`).
2. **Check** (`checks.check_rows`): every row on its own (known codes, dates in order, amounts,
   parties) and against the others (a reference twice in one file) and the database (references
   already imported are skipped, so importing a file again creates nothing new). Each problem is
   reported with its line, its column and the reason.
3. **Write** (`writer.write_rows`): the good rows in one transaction, table by table with
   `mediation.kernel.bulk` (COPY on PostgreSQL), each dispute in the final state its outcome names
   with one `import` entry in its transition log, so the rates count it like a live case.

All or nothing (the page's default, `--all-or-nothing` on the command line) writes nothing when
any row is bad; otherwise the good rows go in and the bad ones are reported. A dry run checks
and reports what would happen, and writes nothing.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.kernel.exceptions import Forbidden
from mediation.kernel.roles import scope_of
from mediation.ledger import xlsx
from mediation.ledger.checks import check_rows, summarise
from mediation.ledger.columns import COLUMNS, HEADERS, cell_text, column_both
from mediation.ledger.models import LedgerImport
from mediation.ledger.writer import write_rows


class LedgerFileError(Exception):
    """The whole file cannot be imported: not a CSV or XLSX, too large, columns missing."""


# --- reading -------------------------------------------------------------------------------------


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


def _header(line: int, record: list[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(record):
        name = HEADERS.get(cell_text(raw).lstrip("\ufeff").lower())
        if name is None:
            continue  # other columns (notes, phone numbers…) are ignored
        if name in positions:
            raise LedgerFileError(
                _("Line %(line)d: the column “%(column)s” appears twice.")
                % {"line": line, "column": cell_text(raw)}
            )
        positions[name] = index
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        raise LedgerFileError(
            _("Line %(line)d: columns missing: %(columns)s.")
            % {
                "line": line,
                "columns": ", ".join(column_both(name) for name in missing),
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
        if not any(cell_text(value) for value in record):
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


# --- the whole import, with its report ------------------------------------------------------------


def may_import(user: Any) -> bool:
    """Superusers for every body; a body's directors for their own body (the rows of other bodies
    in their file are counted and left for those bodies' directors)."""
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
        "error_summary": summarise(checked.errors),
        "other_rows": checked.other_rows,
        "other_bodies": [
            [name, count]
            for name, count in sorted(checked.other_bodies.items(), key=lambda i: (-i[1], i[0]))
        ],
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
