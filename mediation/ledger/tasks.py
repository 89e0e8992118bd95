"""Background work of the ledger import.
Eager (in the caller's process) when no broker is configured.

The task keeps the name it was first queued under (`mediation.tasks.run_ledger_import`), so messages
already in the broker and the beat schedule still find it."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from mediation.ledger.importer import reject, run_import
from mediation.ledger.models import LedgerImport


@shared_task(name="mediation.tasks.run_ledger_import", acks_late=True)
def run_ledger_import(import_id: int) -> str:
    """Import an uploaded ledger; the LedgerImport row is its report. Not retried: an import
    either committed (a retry would only skip every row) or left nothing behind. Delivered
    again after its worker died (acks late), a "running" import starts over: its writes were
    one transaction, rolled back with the worker, and imports take turns on an advisory lock."""
    record = LedgerImport.objects.select_related("uploaded_by").get(pk=import_id)
    if record.status not in (LedgerImport.Status.PENDING, LedgerImport.Status.RUNNING):
        return record.status  # delivered twice: the first delivery finished the work
    try:
        with record.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        # Ended with a reason, so the report page stops waiting for it.
        return reject(record, _("The uploaded file can no longer be read: upload it again.")).status
    return run_import(record, data).status


def queue_import(
    upload: UploadedFile, *, actor: Any, dry_run: bool, all_or_nothing: bool
) -> LedgerImport:
    """Store an uploaded ledger with its report and import it after the commit, in a worker (in
    this process when no broker is configured); answers the report, which the upload page
    follows."""
    record = LedgerImport.objects.create(
        uploaded_by=actor,
        file_name=(upload.name or "")[:255],
        file=upload,
        file_size=upload.size,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
    )
    transaction.on_commit(lambda: run_ledger_import.delay(record.pk))
    return record
