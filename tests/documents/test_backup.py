"""Backup and restore: a backup restored into a fresh PostgreSQL database and an
empty media folder finds every case, log row and document hash again."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from documents.models import Document
from mediation.cases.models import Dispute, TransitionLog
from tests.conftest import needs_postgresql
from tests.documents.conftest import Case

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


def _server(dbname: str) -> psycopg.Connection[Any]:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"],
        autocommit=True,
    )


def _snapshot() -> dict[str, Any]:
    documents = {}
    for document in Document.objects.select_related("file"):
        with default_storage.open(document.file.path, "rb") as handle:
            documents[document.pk] = (document.sha256, hashlib.sha256(handle.read()).hexdigest())
    return {
        "disputes": sorted(Dispute.objects.values_list("reference", "state")),
        "log": sorted(TransitionLog.objects.values_list("id", "dispute_id", "to_state", "at")),
        "documents": documents,
    }


def test_a_backup_restores_into_a_fresh_database(
    signed: Case, tmp_path: Path, settings: Any
) -> None:
    before = _snapshot()
    assert before["documents"] and before["log"]
    assert all(stored == content for stored, content in before["documents"].values())
    folder = tmp_path / "backup"
    call_command("backup", str(folder))

    fresh = f"fengqiao_restore_{uuid.uuid4().hex[:8]}"
    test_database = connection.settings_dict["NAME"]
    with _server(test_database) as server:
        server.execute(f'CREATE DATABASE "{fresh}"')
    try:
        connection.close()
        connection.settings_dict["NAME"] = fresh
        settings.MEDIA_ROOT = tmp_path / "restored-media"
        call_command("restore", str(folder), "--yes")
        after = _snapshot()
    finally:
        connection.close()
        connection.settings_dict["NAME"] = test_database
        with _server(test_database) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    assert after == before


def test_a_tampered_backup_is_refused(signed: Case, tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    call_command("backup", str(folder))
    with (folder / "media.tar.gz").open("ab") as handle:
        handle.write(b"tampered")
    disputes = Dispute.objects.count()
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("restore", str(folder), "--yes")
    assert Dispute.objects.count() == disputes  # nothing was touched


def test_a_backup_goes_into_an_empty_folder(signed: Case, tmp_path: Path) -> None:
    (tmp_path / "old").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path))
