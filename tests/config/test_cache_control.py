"""Nothing the app answers may be kept by a browser or a proxy: pages, API answers, PDFs and
the portal carry ID and phone numbers. Static files keep their long cache lifetime."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.cache import get_max_age
from rest_framework.test import APIClient

from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in

pytestmark = pytest.mark.django_db


def _directives(response: Any) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def _not_kept(response: Any) -> bool:
    return {"no-store", "private"} <= _directives(response) and "public" not in _directives(
        response
    )


def test_a_page_for_a_signed_in_user(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    client = Client()
    client.force_login(world.director)
    for path in ("/cases/", f"/cases/{dispute.pk}/"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert _not_kept(page), (path, page.get("Cache-Control"))


def test_an_api_answer_by_token_and_by_session(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    by_session = client_for(world.director).get(f"/api/v1/disputes/{dispute.pk}/")
    assert by_session.status_code == 200 and _not_kept(by_session)
    world.clerk.set_password("a-long-enough-Passw0rd")
    world.clerk.save()
    signed_in = APIClient().post(
        "/api/v1/auth/token/",
        {"username": world.clerk.username, "password": "a-long-enough-Passw0rd"},
    )
    assert _not_kept(signed_in)  # the token itself
    client = APIClient(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
    listed = client.get("/api/v1/disputes/")
    assert listed.status_code == 200 and _not_kept(listed)
    refused = APIClient().get("/api/v1/disputes/")
    assert refused.status_code == 401 and _not_kept(refused)


def test_a_pdf_download(world: World, settings: Any, tmp_path: Any) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"
    dispute = dispute_in(world, "mediating")
    url = f"/api/v1/disputes/{dispute.pk}/documents/acceptance_notice/pdf/"
    pdf = client_for(world.director).get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert _not_kept(pdf), pdf.get("Cache-Control")


def test_the_portal(world: World) -> None:
    client = Client()
    client.force_login(world.party_user)
    page = client.get("/portal/")
    assert page.status_code < 500
    assert _not_kept(page), page.get("Cache-Control")
    sign_in = Client().get("/portal/login/")
    assert sign_in.status_code == 200 and _not_kept(sign_in)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/verify/NOSUCHCODE/", "/nowhere/"])
def test_public_pages_too(path: str) -> None:
    assert _not_kept(Client().get(path))


def test_the_health_check_keeps_its_own_directives_first() -> None:
    answer = Client().get("/health/")
    assert answer["Cache-Control"].startswith("max-age=0") and _not_kept(answer)


def test_a_static_file_keeps_its_cache_lifetime(settings: Any) -> None:
    # The suite runs no collectstatic: WhiteNoise finds the files where they are.
    settings.WHITENOISE_USE_FINDERS = True
    answer = Client().get("/static/css/app.css")  # a new client: WhiteNoise set up anew
    assert answer.status_code == 200
    assert "no-store" not in _directives(answer) and "private" not in _directives(answer)
    max_age = get_max_age(answer)
    assert max_age is not None and max_age > 0
