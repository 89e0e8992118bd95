"""ID numbers encrypted at rest, found by a keyed hash (parties/crypto.py)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from parties.crypto import PREFIX, encrypt, search_hash
from parties.models import Party
from tests import factories as f

pytestmark = pytest.mark.django_db
NUMBER = "11010519491231002X"


def _stored(party: Party) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_hash FROM parties_party WHERE id = %s", [party.pk]
        )
        return cursor.fetchone()


def test_the_column_holds_a_token_and_python_the_number() -> None:
    party = f.PartyFactory(id_type="resident_id", id_number=NUMBER)
    stored, hashed = _stored(party)
    assert stored.startswith(PREFIX) and NUMBER not in stored
    assert hashed == search_hash(NUMBER) and len(hashed) == 64
    assert Party.objects.get(pk=party.pk).id_number == NUMBER
    # The history keeps the token too, not the number.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM parties_historicalparty WHERE id = %s", [party.pk])
        assert all(NUMBER not in row[0] for row in cursor.fetchall())


def test_tokens_differ_but_the_hash_finds_the_party() -> None:
    first = f.PartyFactory(id_type="resident_id", id_number=NUMBER)
    other = f.OrganizationFactory()
    assert encrypt(NUMBER) != encrypt(NUMBER)  # random IV: equal numbers, different tokens
    assert Party.objects.get(id_number_hash=search_hash(NUMBER)) == first
    assert Party.objects.filter(id_number_hash=search_hash(other.id_number)).get() == other


def test_searching_the_encrypted_column_by_value_is_refused() -> None:
    with pytest.raises(TypeError, match="search hash"):
        list(Party.objects.filter(id_number=NUMBER))
    assert Party.objects.filter(id_number="").count() >= 0  # "no ID" is still askable


def test_no_party_without_an_id_gets_a_hash() -> None:
    party = f.PartyFactory(id_type="", id_number="")
    assert _stored(party) == ("", "")


def test_keys_can_be_rotated(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FENGQIAO_FIELD_KEYS = [old]
    party = f.PartyFactory(id_type="resident_id", id_number=NUMBER)
    settings.FENGQIAO_FIELD_KEYS = [new, old]  # the new key first: it encrypts, both decrypt
    assert Party.objects.get(pk=party.pk).id_number == NUMBER
    Party.objects.get(pk=party.pk).save()  # re-saved under the new key
    settings.FENGQIAO_FIELD_KEYS = [new]
    assert Party.objects.get(pk=party.pk).id_number == NUMBER
    settings.FENGQIAO_FIELD_KEYS = [old]
    with pytest.raises(ImproperlyConfigured, match="lacks its key"):
        Party.objects.get(pk=party.pk)
