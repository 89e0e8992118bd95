"""Backups: the PostgreSQL database by pg_dump, the media folder by tar, and a
manifest to check a restore against.

A backup is a folder: `database.dump` (pg_dump's custom format, restored by pg_restore),
`media.tar.gz` (signed PDFs, uploaded ledgers) and `manifest.json` (when, the counts of the
main tables and the SHA-256 of both files). `restore` refuses a folder whose files do not match
their manifest, restores into the configured database (dropping what is there) and media
folder, and then checks the counts against the manifest.

Only PostgreSQL: on SQLite (`make run`), copy db.sqlite3 and media/ while the app is stopped.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"
# What a restore must find again, counted in the restored database.
COUNTED = {
    "disputes": "mediation_dispute",
    "transition_log": "mediation_transitionlog",
    "parties": "parties_party",
    "documents": "documents_document",
    "stored_files": "documents_storedfile",
    "figure_slices": "mediation_figureslice",
}


class BackupError(Exception):
    pass


def _database() -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise BackupError(
            "Backups need PostgreSQL (DATABASE_URL). On SQLite, copy db.sqlite3 and the media "
            "folder while the app is stopped."
        )
    return connection.settings_dict


def _client_args(database: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = []
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    env = {**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")}
    return args, env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for name, table in COUNTED.items():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            found[name] = cursor.fetchone()[0]
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def backup(folder: Path) -> dict[str, Any]:
    """Write a backup into `folder` (created; must be empty) and answer its manifest."""
    database = _database()
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: a backup goes into a folder of its own.")
    args, env = _client_args(database)
    # --no-owner/--no-acl: restorable by another role on another server.
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-acl",
            *args,
            "--file",
            str(folder / DUMP),
            str(database["NAME"]),
        ],
        env,
    )
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA, "w:gz") as archive:
        if media.is_dir():
            archive.add(media, arcname=".")
    manifest = {
        "taken_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "database": str(database["NAME"]),
        "counts": counts(),
        "files": {name: _sha256(folder / name) for name in (DUMP, MEDIA)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    return [m for m in archive.getmembers() if m.isfile() or m.isdir()]


def restore(folder: Path) -> dict[str, Any]:
    """Restore the backup in `folder` over the configured database and media folder; answer
    the manifest after checking the restored counts against it."""
    database = _database()
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from exc
    for name, expected in manifest["files"].items():
        if not (folder / name).is_file() or _sha256(folder / name) != expected:
            raise BackupError(f"{folder / name} is missing or does not match its manifest.")
    args, env = _client_args(database)
    connection.close()  # pg_restore drops and recreates what this connection may hold open
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            *args,
            "--dbname",
            str(database["NAME"]),
            str(folder / DUMP),
        ],
        env,
    )
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.rmtree(media)
    media.mkdir(parents=True)
    with tarfile.open(folder / MEDIA, "r:gz") as archive:
        archive.extractall(media, members=_safe_members(archive), filter="data")
    found = counts()
    if found != manifest["counts"]:
        raise BackupError(
            f"Restored counts {found} differ from the manifest's {manifest['counts']}."
        )
    return manifest
