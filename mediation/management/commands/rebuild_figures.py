"""Recount the kept figures (`mediation.figures.kept`) from every dispute.

Needed only after disputes were written behind Django's back (a restore from a dump taken
without the figures' tables, hand-written SQL); `--check` reports what is wrong without writing.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mediation.figures import kept as figures
from mediation.figures.models import FigureDays, FigureSlice


class Command(BaseCommand):
    help = "Recount the figures kept per slice from the disputes (or only check them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare with a recount and fail if anything differs; write nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["check"]:
            wrong = figures.differences(limit=50)
            for line in wrong:
                self.stdout.write(line)
            if wrong:
                raise CommandError(
                    _("%(count)s kept figure rows differ from a recount (at most 50 shown).")
                    % {"count": len(wrong)}
                )
            self.stdout.write(_("The kept figures equal a recount."))
            return
        figures.rebuild()
        self.stdout.write(
            _("Recounted in %(seconds).1f s: %(slices)s slices, %(days)s duration rows.")
            % {
                "seconds": time.perf_counter() - started,
                "slices": f"{FigureSlice.objects.count():,}",
                "days": f"{FigureDays.objects.count():,}",
            }
        )
