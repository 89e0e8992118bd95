"""Shared fixtures: one body with its staff, a second body, two courts, a party with an account;
and `stack`, real Redis and Celery processes on the test database (tests/celery_stack.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from mediation.kernel.roles import Role
from parties.models import PartyRole
from tests import factories as f
from tests.celery_stack import Stack, running_stack


@dataclass
class World:
    body: Any
    other_body: Any
    court: Any
    other_court: Any
    clerk: Any
    director: Any
    mediator: Any  # a Mediator row; its user is mediator.user
    second_mediator: Any
    other_director: Any
    other_mediator: Any
    court_user: Any
    other_court_user: Any
    party_user: Any
    party: Any  # the body's record that party_user's portal account acts for
    analyst: Any
    admin: Any


# Threaded tests need PostgreSQL's row locks and concurrent writers; SQLite lets one
# transaction write at a time, so there they would prove nothing (CI runs them on PostgreSQL).
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks and concurrent writers; SQLite serialises the whole file",
)


@pytest.fixture
def world(db: Any) -> World:
    body = f.MediationBodyFactory(name="东湖区医疗纠纷人民调解委员会")
    other_body = f.MediationBodyFactory(name="西湖区人民调解委员会")
    court = f.CourtFactory(name="南昌市东湖区人民法院", code="赣0102")
    other_court = f.CourtFactory(name="南昌市西湖区人民法院", code="赣0103")

    def staff(role: Role, on: Any) -> Any:
        user = f.UserFactory(roles=[role])
        f.StaffMemberFactory(user=user, body=on)
        return user

    party_user = f.UserFactory(roles=[Role.PARTY])
    party = f.PartyFactory(user=party_user, name="张伟", body=body)
    return World(
        body=body,
        other_body=other_body,
        court=court,
        other_court=other_court,
        clerk=staff(Role.CLERK, body),
        director=staff(Role.DIRECTOR, body),
        mediator=f.MediatorFactory(body=body),
        second_mediator=f.MediatorFactory(body=body),
        other_director=staff(Role.DIRECTOR, other_body),
        other_mediator=f.MediatorFactory(body=other_body),
        court_user=f.CourtStaffFactory(court=court).user,
        other_court_user=f.CourtStaffFactory(court=other_court).user,
        party_user=party_user,
        party=party,
        analyst=f.UserFactory(roles=[Role.ANALYST]),
        admin=f.UserFactory(is_superuser=True, is_staff=True),
    )


@pytest.fixture
def dispute(world: World) -> Any:
    """A registered dispute of the world's body; the world's party user is its applicant."""
    d = f.DisputeFactory(body=world.body)
    f.CasePartyFactory(dispute=d, party=world.party, role=PartyRole.APPLICANT)
    f.CasePartyFactory(dispute=d, role=PartyRole.RESPONDENT)
    return d


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 on every factory user would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # Production serves hashed files listed in a manifest that `collectstatic` writes; the suite
    # does not run collectstatic, so it resolves static names without the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Rate limits count in the cache: one test's requests must not throttle the next test's.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _keep_the_test_language() -> Iterator[None]:
    # A request activates its language in the test's own thread, and many tests ask in English:
    # the next test in the same worker (whichever it is under xdist) expects the default again.
    from django.utils import translation

    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A redis-server of the test's own; `stack.start_worker(name)` and `stack.start_beat()`
    start Celery on the test database. Needs committed rows: use it in `transaction=True` tests."""
    with running_stack(tmp_path) as started:
        yield started
