"""Content-addressed storage: a file is kept once under its SHA-256 and never overwritten."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from documents.models import StoredFile

EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png"}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(data: bytes, content_type: str) -> StoredFile:
    """The stored file holding exactly `data`; stored now if it was not already."""
    digest = sha256_of(data)
    existing = StoredFile.objects.filter(pk=digest).first()
    if existing is not None:
        return existing
    path = f"store/{digest[:2]}/{digest}{EXTENSIONS.get(content_type, '')}"
    # Same name, same bytes: if another worker wrote it first there is nothing to do.
    if not default_storage.exists(path):
        saved = default_storage.save(path, ContentFile(data))
        if saved != path:  # the storage picked another name: someone raced us to `path`
            default_storage.delete(saved)
    try:
        with transaction.atomic():
            return StoredFile.objects.create(
                sha256=digest, size=len(data), content_type=content_type, path=path
            )
    except IntegrityError:
        return StoredFile.objects.get(pk=digest)


def discard_unrecorded(paths: list[str]) -> None:
    """Delete the files at `paths` that no StoredFile row records: written by a transaction that
    then rolled back, they belong to nothing (content-addressed, a recorded file is never one of
    them)."""
    for path in paths:
        if not StoredFile.objects.filter(path=path).exists():
            default_storage.delete(path)


class DamagedFile(OSError):
    """A stored file whose bytes no longer match its SHA-256: altered or corrupted in storage."""


def read(stored: StoredFile) -> bytes:
    """The file's bytes, checked against its name: storage that lost integrity says so
    (`DamagedFile`; a file gone from storage raises FileNotFoundError, also an OSError)."""
    with default_storage.open(stored.path, "rb") as handle:
        data = handle.read()
    if sha256_of(data) != stored.sha256:
        raise DamagedFile(f"Stored file {stored.path} does not match its SHA-256.")
    return data
