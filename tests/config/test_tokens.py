"""API tokens: a new one at every sign-in, kept only as a digest, expiring, and revoked on
sign-out and when the password changes."""

from __future__ import annotations

import datetime
import importlib
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories as f
from tests.config.helpers import python

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
NEW_PASSWORD = "another-long-Passw0rd"


def _user(username: str) -> Any:
    user = f.UserFactory(username=username, is_staff=False)
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(username: str, password: str = PASSWORD) -> Any:
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password})


def _token(username: str) -> str:
    answer = _sign_in(username)
    assert answer.status_code == 200, answer.content
    return answer.json()["token"]


def _status_with(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/disputes/").status_code


def test_every_sign_in_gives_a_new_token_with_its_expiry() -> None:
    _user("api-clerk")
    before = timezone.now()
    first, second = _sign_in("api-clerk"), _sign_in("api-clerk")
    assert first.status_code == second.status_code == 200
    assert first.json()["token"] != second.json()["token"]
    expiry = parse_datetime(first.json()["expiry"])
    assert expiry is not None
    # Twelve hours by default.
    assert before + datetime.timedelta(hours=12) <= expiry
    assert expiry <= timezone.now() + datetime.timedelta(hours=12)
    # Both work: a second device signing in does not sign the first out.
    assert _status_with(first.json()["token"]) == 200
    assert _status_with(second.json()["token"]) == 200


def test_the_key_is_nowhere_in_the_database() -> None:
    """Only a digest is kept: whoever reads the database (a backup, a replica) cannot use it."""
    _user("api-reader")
    key = _token("api-reader")
    assert len(key) == 64
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found += [(table, row) for row in cursor.fetchall() if key in repr(row)]
    assert found == []
    row = AuthToken.objects.get(user__username="api-reader")
    assert row.digest != key and len(row.digest) == 128  # SHA-512
    assert _status_with(key) == 200


def test_a_token_expires_after_twelve_hours() -> None:
    _user("api-late")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        key = _token("api-late")
        clock.shift(datetime.timedelta(hours=11, minutes=59))
        assert _status_with(key) == 200
        clock.shift(datetime.timedelta(minutes=2))
        answer = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/disputes/")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(user__username="api-late").exists()  # and gone


def test_the_lifetime_is_read_from_the_environment() -> None:
    done = python(
        "import django; django.setup(); from knox.settings import knox_settings; "
        "print(knox_settings.TOKEN_TTL.total_seconds())",
        DJANGO_SETTINGS_MODULE="config.settings",
        FENGQIAO_API_TOKEN_HOURS="2",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "7200.0"


def _change_on_the_page(user: Any) -> None:
    client = Client()
    client.force_login(user)
    answer = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer.status_code == 302, answer.content.decode()


def _change_in_the_admin(user: Any) -> None:
    admin = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    answer = client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert answer.status_code == 302, answer.content.decode()


def _change_in_code(user: Any) -> None:
    user.set_password(NEW_PASSWORD)
    user.save()


@pytest.mark.parametrize("change", [_change_on_the_page, _change_in_the_admin, _change_in_code])
def test_a_password_change_revokes_every_token_of_that_user(change: Any) -> None:
    user, other = _user("api-changer"), _user("api-colleague")
    keys = [_token("api-changer"), _token("api-changer")]
    kept = _token("api-colleague")
    change(user)
    assert [_status_with(key) for key in keys] == [401, 401]
    assert _status_with(kept) == 200
    assert _sign_in("api-changer", NEW_PASSWORD).status_code == 200
    assert other.auth_token_set.count() == 1


def test_saving_a_user_without_changing_the_password_keeps_the_tokens() -> None:
    user = _user("api-renamed")
    key = _token("api-renamed")
    user.first_name = "新名"
    user.save()
    assert _status_with(key) == 200


def test_signing_out_of_the_pages_revokes_the_api_tokens() -> None:
    user = _user("api-browser")
    key = _token("api-browser")
    client = Client()
    client.force_login(user)
    assert client.post("/accounts/logout/").status_code == 302
    assert _status_with(key) == 401


def test_the_api_sign_out_revokes_the_token_it_is_sent_with() -> None:
    _user("api-script")
    used, other = _token("api-script"), _token("api-script")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {used}")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert _status_with(used) == 401
    assert client.post("/api/v1/auth/logout/").status_code == 401
    assert _status_with(other) == 200  # another device stays signed in


def test_the_api_sign_out_of_everything_revokes_all_of_them() -> None:
    _user("api-lost-phone")
    keys = [_token("api-lost-phone") for _ in range(3)]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {keys[0]}")
    assert client.post("/api/v1/auth/logout/all/").status_code == 204
    assert [_status_with(key) for key in keys] == [401, 401, 401]


@pytest.mark.parametrize("header", ["Token é", "Token \u00ff\u00fe", "Token a b", "Token"])
def test_a_malformed_key_is_401_not_500(header: str) -> None:
    answer = APIClient(HTTP_AUTHORIZATION=header).get("/api/v1/disputes/")
    assert answer.status_code == 401


def test_a_wrong_password_gets_no_token() -> None:
    _user("api-wrong")
    answer = _sign_in("api-wrong", "not-the-password")
    assert answer.status_code == 400
    assert "token" not in answer.json()
    assert not AuthToken.objects.filter(user__username="api-wrong").exists()


# --- the upgrade from DRF's tokens ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_drops_the_plaintext_tokens_drf_left() -> None:
    """A database from before the change still has DRF's token table, keys in plaintext."""
    user = _user("api-old")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {quote('authtoken_token')} (key varchar(40) PRIMARY KEY, "
            "user_id integer NOT NULL, created timestamp NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {quote('authtoken_token')} VALUES (%s, %s, %s)",
            ["9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", user.pk, timezone.now()],
        )
    token_type = ContentType.objects.create(app_label="authtoken", model="token")
    Permission.objects.create(content_type=token_type, codename="view_token", name="Can view")
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")

    migration = importlib.import_module("config.migrations.0001_drop_plaintext_api_tokens")
    with connection.schema_editor() as editor:
        migration.forget_drf_tokens(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not ContentType.objects.filter(app_label="authtoken").exists()
    assert not Permission.objects.filter(codename="view_token").exists()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()
    with connection.schema_editor() as editor:  # run again, as on a new database: nothing
        migration.forget_drf_tokens(apps, editor)
