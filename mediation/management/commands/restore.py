"""python manage.py restore FOLDER — replace the database and media with a backup's
(mediation/ops/backup.py). Asks first unless --yes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mediation.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder over the configured database and media folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing")

    def handle(self, *args: Any, folder: Path, yes: bool, **options: Any) -> None:
        if not yes:
            answer = input("This replaces the database and the media folder. Type 'restore': ")
            if answer.strip() != "restore":
                raise CommandError("Not restored.")
        try:
            manifest = restore(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counted = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
        self.stdout.write(f"Restored the backup of {manifest['taken_at']}: {counted}.")
