"""Mark cases due soon or overdue (SPEC §4) and list the newly marked ones.

Run daily by Celery beat (`CELERY_BEAT_SCHEDULE`), or by cron where there is no beat:
    python manage.py check_deadlines [--date YYYY-MM-DD]
Idempotent: a case is listed once, on the day it crosses a line; running it again that day
changes nothing. Court-delegated cases are listed under their court as well as their body, so
both sides see overdue delegations.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courts.models import INBOUND_KINDS, Referral
from mediation.cases.models import Dispute
from mediation.cases.services import mark_deadlines


class Command(BaseCommand):
    help = "Mark cases due soon or overdue and list those newly marked."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="check as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: not a date in the form YYYY-MM-DD: {exc}") from exc
        marks = mark_deadlines(today)
        for label, disputes in (("overdue", marks.overdue), ("due soon", marks.due_soon)):
            self.stdout.write(f"{len(disputes)} newly {label}")
            for heading, cases in self._grouped(disputes):
                self.stdout.write(f"  {heading}")
                for dispute in cases:
                    self.stdout.write(f"    {dispute.reference}  deadline {dispute.deadline}")
        self.stdout.write(f"{marks.cleared} marks cleared")

    def _grouped(self, disputes: list[Dispute]) -> list[tuple[str, list[Dispute]]]:
        groups: dict[str, list[Dispute]] = defaultdict(list)
        courts = dict(
            Referral.objects.filter(dispute__in=disputes, kind__in=INBOUND_KINDS).values_list(
                "dispute_id", "court__name"
            )
        )
        for dispute in disputes:
            groups[dispute.body.name].append(dispute)
            if dispute.pk in courts:
                groups[courts[dispute.pk]].append(dispute)
        return sorted(groups.items())
