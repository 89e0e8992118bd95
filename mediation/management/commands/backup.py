"""python manage.py backup FOLDER — the database (pg_dump) and media into FOLDER
(mediation/ops/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mediation.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the PostgreSQL database and the media folder into an empty folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counted = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
        self.stdout.write(f"Backed up into {folder}: {counted}.")
