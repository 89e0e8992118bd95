"""ID numbers encrypted at rest, with a keyed hash for exact-match search.

`EncryptedTextField` stores Fernet tokens (AES-128-CBC with HMAC-SHA256), prefixed `enc1:`, and
gives plaintext back when read. A token differs on every write, so nobody can search the column:
`search_hash()` (HMAC-SHA256 of the value under a second key) is stored beside it and indexed, and
`Party.id_number_hash` is what lookups and the uniqueness constraint use. An exact lookup on the
encrypted column itself raises instead of silently matching nothing.

Keys come from FENGQIAO_FIELD_KEYS (comma-separated; the first encrypts, all decrypt, so a key
can be rotated by putting a new one first and re-saving) and FENGQIAO_SEARCH_KEY. Without them
(development, tests) both are derived from a fixed development secret; production refuses to
start without them (config/production.py). Losing the keys loses the ID numbers: keep them with
the backups' keys, not with the backups.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import lookups

PREFIX = "enc1:"
_DEVELOPMENT = "fengqiao-development-only-field-key"


def _derived(purpose: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(f"{_DEVELOPMENT}:{purpose}".encode()).digest())


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FENGQIAO_FIELD_KEYS must be Fernet keys (32 url-safe base64 bytes each): "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'"
        ) from exc


def _keys() -> tuple[str, ...]:
    configured = tuple(k.strip() for k in settings.FENGQIAO_FIELD_KEYS if k.strip())
    return configured or (_derived("encrypt").decode(),)


def _search_key() -> bytes:
    return settings.FENGQIAO_SEARCH_KEY.encode() or _derived("search")


def encrypt(text: str) -> str:
    return PREFIX + _fernet(_keys()).encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption (the migration encrypts every such row)
    try:
        return _fernet(_keys()).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted ID number cannot be decrypted: FENGQIAO_FIELD_KEYS lacks its key."
        ) from exc


def search_hash(text: str) -> str:
    """The keyed hash an ID number is found by ("" for none)."""
    if not text:
        return ""
    return hmac.new(_search_key(), text.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Plaintext in Python, a Fernet token in the database; "" stays "" (no ID given)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, "") or str(value).startswith(PREFIX):
            return value
        return encrypt(str(value))


@EncryptedTextField.register_lookup
class EncryptedExact(lookups.Exact):
    """Only `= ""` can be asked of an encrypted column; an ID is found by its search hash."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise TypeError(
                "An encrypted field cannot be searched by value: filter on its search hash "
                "(parties.crypto.search_hash) instead."
            )
        return super().get_prep_lookup()
