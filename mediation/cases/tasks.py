"""Background work of cases: the daily deadline check.
Eager (in the caller's process) when no broker is configured.

The task keeps the name it was first queued under (`mediation.tasks.check_deadlines`), so messages
already in the broker and the beat schedule still find it."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="mediation.tasks.check_deadlines")
def check_deadlines() -> dict[str, int]:
    """Celery beat's daily run of `manage.py check_deadlines` (SPEC §4): idempotent, so a
    second delivery the same day marks nothing more."""
    from mediation.cases.services import mark_deadlines

    marks = mark_deadlines()
    return {
        "overdue": len(marks.overdue),
        "due_soon": len(marks.due_soon),
        "cleared": marks.cleared,
    }
