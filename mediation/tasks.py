"""Background work of cases. Eager (in the caller's process) when no broker is configured."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_ledger_import(import_id: int) -> str:
    """Import an uploaded ledger; the LedgerImport row is its report. Not retried: an import
    either committed (a retry would only skip every row) or left nothing behind. Delivered
    again after its worker died (acks late), a "running" import starts over: its writes were
    one transaction, rolled back with the worker, and imports take turns on an advisory lock."""
    from django.utils.translation import gettext as _

    from .ledger import reject, run_import
    from .models import LedgerImport

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


@shared_task
def check_deadlines() -> dict[str, int]:
    """Celery beat's daily run of `manage.py check_deadlines` (SPEC §4): idempotent, so a
    second delivery the same day marks nothing more."""
    from .services import mark_deadlines

    marks = mark_deadlines()
    return {
        "overdue": len(marks.overdue),
        "due_soon": len(marks.due_soon),
        "cleared": marks.cleared,
    }


@shared_task(acks_late=True)
def send_notification(event: str, builder: str, args: list[int]) -> None:
    """Build and send one event's mails and SMS (`mediation.notifications`), off the request."""
    from .notifications import deliver

    deliver(event, builder, args)
