"""Marking cases due soon or overdue (SPEC §4), daily."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from mediation.cases.models import (
    Dispute,
)
from mediation.kernel.choices import (
    DeadlineStatus,
)


@dataclass
class DeadlineMarks:
    """What one run of `mark_deadlines` changed."""

    due_soon: list[Dispute] = field(default_factory=list)
    overdue: list[Dispute] = field(default_factory=list)
    cleared: int = 0


@transaction.atomic
def mark_deadlines(today: datetime.date | None = None) -> DeadlineMarks:
    """Mark open cases due soon or overdue as of `today` (SPEC §4); clear the mark of cases that
    concluded or had their deadline extended. Idempotent: a second run the same day changes
    nothing, so each case is reported once when it crosses a line."""
    today = today or timezone.localdate()
    marks = DeadlineMarks()
    wanted = {
        DeadlineStatus.OVERDUE: Dispute.objects.overdue(today),
        DeadlineStatus.DUE_SOON: Dispute.objects.due_soon(today),
    }
    for status, queryset in wanted.items():
        changed = list(
            queryset.exclude(deadline_status=status)
            .select_for_update(of=("self",))
            .select_related("body", "court")
        )
        Dispute.objects.filter(pk__in=[d.pk for d in changed]).update(
            deadline_status=status, deadline_status_since=today
        )
        (marks.overdue if status == DeadlineStatus.OVERDUE else marks.due_soon).extend(changed)
    marked = Dispute.objects.exclude(deadline_status=DeadlineStatus.NONE)
    stale = marked.exclude(pk__in=wanted[DeadlineStatus.OVERDUE].values("pk")).exclude(
        pk__in=wanted[DeadlineStatus.DUE_SOON].values("pk")
    )
    marks.cleared = stale.update(deadline_status=DeadlineStatus.NONE, deadline_status_since=None)
    return marks
