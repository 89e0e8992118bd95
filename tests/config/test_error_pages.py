"""The site's own 403, 404 and 500 pages: in Chinese by default, in the site's look, and the
500 page without the database or a request."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views.defaults import permission_denied, server_error

STYLESHEET = "css/app.css"


@pytest.fixture(autouse=True)
def production_like(settings: Any) -> None:
    settings.DEBUG = False


def test_a_missing_page_answers_the_sites_chinese_404(db: Any) -> None:
    answer = Client().get("/no-such-page/")

    assert answer.status_code == 404
    html = answer.content.decode()
    assert "页面不存在" in html and "返回首页" in html
    assert STYLESHEET in html and "<header>" in html  # the site's layout
    assert "Not Found" not in html  # not Django's bare page


def test_a_missing_page_under_the_api_still_answers_json(db: Any) -> None:
    answer = Client().get("/api/v1/no-such-thing/")
    assert answer.status_code == 404 and answer["Content-Type"].startswith("application/json")


def test_a_case_one_may_not_see_is_the_same_404(world: Any) -> None:
    client = Client()
    client.force_login(world.party_user)
    html = client.get("/portal/cases/999999/").content.decode()
    assert "页面不存在" in html


def test_the_404_speaks_english_when_asked(db: Any) -> None:
    html = Client(headers={"accept-language": "en"}).get("/no-such-page/").content.decode()
    assert "Page not found" in html


def test_permission_denied_answers_the_sites_chinese_403(db: Any) -> None:
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()

    answer = permission_denied(request, PermissionDenied())

    assert answer.status_code == 403
    html = answer.content.decode()
    assert "无权" in html and STYLESHEET in html


def test_the_500_page_needs_no_database_and_no_request_context() -> None:
    # No `db` fixture: any query here fails the test, as a broken database would.
    answer = server_error(RequestFactory().get("/cases/1/"))

    assert answer.status_code == 500
    html = answer.content.decode()
    assert "系统出错" in html and STYLESHEET in html and 'href="/"' in html
    assert "{%" not in html and "Server Error" not in html
