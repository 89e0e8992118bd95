"""Background work of cases. Eager (in the caller's process) when no broker is configured."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_ledger_import(import_id: int) -> str:
    """Import an uploaded ledger; the LedgerImport row is its report. Not retried: an import
    either committed (a retry would only skip every row) or left nothing behind."""
    from .ledger import LedgerFileError, run_import
    from .models import LedgerImport

    record = LedgerImport.objects.select_related("uploaded_by").get(pk=import_id)
    if record.status != LedgerImport.Status.PENDING:
        return record.status  # delivered twice: the first delivery did the work
    try:
        with record.file.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise LedgerFileError(f"The uploaded file is gone: {exc}") from exc
    return run_import(record, data).status
