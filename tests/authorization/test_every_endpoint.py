"""What holds across every table module of the authorization matrix: every URL under the covered
prefixes has rows, and a dead API token opens none of the API endpoints."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from tests.authorization import test_api_cases as api_cases
from tests.authorization import test_api_courts_and_reference as api_courts_and_reference
from tests.authorization import test_api_documents as api_documents
from tests.authorization import test_api_parties as api_parties
from tests.authorization import test_confirmation_consents as confirmation_consents
from tests.authorization import test_pages_calendar_and_dashboard as pages_calendar_and_dashboard
from tests.authorization import test_pages_court_and_portal as pages_court_and_portal
from tests.authorization import test_pages_workbench as pages_workbench
from tests.authorization.harness import OWN, Row, Scene
from tests.conftest import World

# The rows of every table module: the URLs must be covered by all of them together, and a dead
# token tried on every API endpoint of any of them.
TABLES = (
    api_cases.TABLE,
    api_documents.TABLE,
    api_courts_and_reference.TABLE,
    api_parties.TABLE,
    pages_workbench.TABLE,
    pages_court_and_portal.TABLE,
    pages_calendar_and_dashboard.TABLE,
    confirmation_consents.TABLE,
)
TABLE: list[Row] = [row for table in TABLES for row in table]


# --- every URL is in the table -------------------------------------------------------------------

# The areas whose URLs must all be in the table. Not walked, because nothing in them is scoped to
# a role's objects: admin/ (Django's admin, superusers only, its own permission system),
# accounts/ and api-auth/ (sign-in and sign-out views), i18n/ (language switch), api/schema/,
# api/docs/, api/redoc/ (the public API description), verify/ (the public check of a document's
# code, by design for anyone holding the printed code), health/, start/ and the home page; static
# files are served by WhiteNoise outside the URL configuration.
COVERED_PREFIXES = ("api/v1/", "cases/", "court/", "portal/", "dashboard/", "calendar/")

# URL names under the covered prefixes that cannot be rows of the matrix, each with the reason.
EXCLUDED = {
    # POST username + password → token: an authentication view, the same for every role; it is
    # how a client becomes a role, not something a role is scoped to.
    "api-token": "authentication view",
    # Revoke the caller's own token, or all of the caller's tokens: the same for every role.
    "api-logout": "authentication view",
    "api-logout-all": "authentication view",
}


def _routes(
    patterns: Sequence[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(route, name) of every URL pattern, names with their namespaces."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").replace("\\", "")
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, f"{namespace}{pattern.name}" if pattern.name else ""


def test_every_url_is_in_the_matrix() -> None:
    routes = list(_routes(get_resolver().url_patterns))
    covered = [(route, name) for route, name in routes if route.startswith(COVERED_PREFIXES)]
    in_table = {row.endpoint.name for row in TABLE}

    unnamed = [route for route, name in covered if not name]
    missing = sorted({name for _, name in covered if name} - in_table - set(EXCLUDED))
    assert not unnamed, f"unnamed URL patterns cannot be put in the matrix: {unnamed}"
    assert not missing, f"URL patterns without rows in the authorization matrix: {missing}"
    # Neither the table nor the exclusions name URLs that no longer exist.
    known = {name for _, name in routes}
    assert in_table <= known, in_table - known
    assert set(EXCLUDED) <= known, set(EXCLUDED) - known
    # An endpoint's rows are one test, so they are kept in one table module.
    keys = sorted(key for table in TABLES for key in dict.fromkeys(r.endpoint.key for r in table))
    assert len(keys) == len(set(keys)), [key for key in set(keys) if keys.count(key) > 1]


# --- tokens: one that was revoked or has expired opens nothing -----------------------------------

API_ENDPOINTS = {row.endpoint.key: row.endpoint for row in TABLE if row.endpoint.api}


@pytest.mark.parametrize("how", ["revoked", "expired", "after a password change"])
def test_a_dead_token_opens_no_endpoint(world: World, how: str) -> None:
    """Every API endpoint of the table, asked with the director's token once it is dead,
    answers 401 — and the same endpoints answered the live token otherwise."""
    from knox.models import AuthToken

    scene = Scene(world)
    instance, key = AuthToken.objects.create(world.director)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/disputes/").status_code == 200
    if how == "revoked":
        instance.delete()
    elif how == "expired":
        AuthToken.objects.filter(pk=instance.pk).update(
            expiry=timezone.now() - datetime.timedelta(seconds=1)
        )
    else:
        world.director.set_password("a-new-password-for-this-test")
        world.director.save()
    wrong = []
    for endpoint in API_ENDPOINTS.values():
        url = endpoint.url(scene, OWN)
        data = endpoint.data(scene, OWN) if endpoint.data is not None else None
        method = endpoint.method.lower()
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, data, format="json")
        if response.status_code != 401:
            wrong.append(f"{endpoint.key} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
