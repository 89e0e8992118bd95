"""`python manage.py import_ledger FILE [--dry-run] [--all-or-nothing]` (SPEC §8)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mediation.ledger.importer import import_ledger, may_import
from mediation.ledger.models import LedgerImport


class Command(BaseCommand):
    help = (
        "Import a mediation ledger (CSV or XLSX, one row per dispute, English or Chinese "
        "headers). Rows already imported (same reference) are skipped. By default the valid "
        "rows are imported and the bad ones reported; --all-or-nothing imports nothing when "
        "any row is bad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv or .xlsx ledger")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report; write nothing"
        )
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="import nothing if any row has an error",
        )
        parser.add_argument(
            "--user",
            help="username the import is recorded for (a superuser, or a director: only their "
            "body's rows are imported, the others counted); by default the system's",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None or not may_import(actor):
                raise CommandError(f"{options['user']} may not import ledgers.")
        try:
            started = time.perf_counter()
            report = import_ledger(
                options["file"],
                actor=actor,
                dry_run=options["dry_run"],
                all_or_nothing=options["all_or_nothing"],
            )
            seconds = time.perf_counter() - started
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {options['file']}") from exc

        for error in report.errors:
            self.stderr.write(f"line {error['line']}, {error['column']}: {error['reason']}")
        if report.errors_total > len(report.errors):
            self.stderr.write(f"… and {report.errors_total - len(report.errors)} more errors")
        if report.other_rows:
            self.stdout.write(
                f"{report.other_rows} rows belong to other bodies, left for their directors: "
                f"{report.other_bodies_text}"
            )
        for name in report.created_bodies:
            self.stdout.write(f"body created: {name}")
        for name in report.created_mediators:
            self.stdout.write(f"mediator created: {name}")
        if report.status == LedgerImport.Status.REJECTED:
            raise CommandError(report.message)
        verb = "would import" if report.dry_run else "imported"
        rate = (
            f", {report.rows_total / seconds:,.0f} rows/s" if seconds and report.rows_total else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rows_total} rows: {verb} {report.imported}, "
                f"already there {report.skipped}, with errors {report.rejected} "
                f"({seconds:.1f} s{rate})"
            )
        )
