"""Password reset by e-mail: off unless configured; when on, in the site's own pages and
rate-limited per client address and per e-mail address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
NEW_PASSWORD = "another-long-Passw0rd"
PAGES = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/accounts/reset/done/",
]


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    cache.clear()  # the rate limits count in the cache


@pytest.fixture
def reset_on(settings: Any) -> None:
    settings.FENGQIAO_PASSWORD_RESET = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FENGQIAO_PUBLIC_URL = "https://tiaojie.example.cn/"


def _user(username: str, email: str) -> Any:
    user = f.UserFactory(username=username, email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize("path", PAGES)
def test_off_by_default_every_page_is_404(path: str) -> None:
    assert Client().get(path).status_code == 404
    assert Client().post(path, {"email": "clerk@example.cn"}).status_code == 404
    assert mail.outbox == []


def test_off_the_sign_in_page_offers_no_reset() -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert "/accounts/password_reset/" not in page


def test_on_with_the_console_backend_it_stays_off_and_the_check_says_why(
    settings: Any, capsys: Any
) -> None:
    settings.FENGQIAO_PASSWORD_RESET = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert Client().get("/accounts/password_reset/").status_code == 404
    call_command("check")
    assert "fengqiao.W001" in capsys.readouterr().err


def test_on_the_pages_are_the_sites_own_in_chinese_and_english(reset_on: None) -> None:
    chinese = Client().get("/accounts/password_reset/")
    assert chinese.status_code == 200
    html = chinese.content.decode()
    assert "<h2>重置密码</h2>" in html
    assert "发送链接" in html
    # The site's header and stylesheet (base.html), not the admin's.
    assert '<h1><a href="/">' in html and 'href="/static/css/app' in html
    assert "site-name" not in html and "/static/admin/" not in html  # not the admin's look
    english = Client().get("/accounts/password_reset/", HTTP_ACCEPT_LANGUAGE="en")
    assert "<h2>Reset your password</h2>" in english.content.decode()
    assert "/accounts/password_reset/" in Client().get("/accounts/login/").content.decode()


def test_on_a_reset_link_sets_a_new_password_and_signs_the_api_out(reset_on: None) -> None:
    user = _user("reset-clerk", "clerk@example.cn")
    key = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": "reset-clerk", "password": PASSWORD})
        .json()["token"]
    )
    asked = Client().post("/accounts/password_reset/", {"email": "CLERK@example.cn"})
    assert asked.status_code == 302 and asked["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clerk@example.cn"]
    assert message.subject == "枫桥：重置密码"
    link = re.search(r"https://tiaojie\.example\.cn(/accounts/reset/\S+/)", message.body)
    assert link is not None, message.body

    client = Client()
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200 and "保存新密码" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    revoked = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/disputes/")
    assert revoked.status_code == 401
    used_again = Client().get(link.group(1), follow=True).content.decode()
    assert "此链接已失效" in used_again


def test_an_unknown_address_gets_the_same_answer_and_no_mail(reset_on: None) -> None:
    asked = Client().post("/accounts/password_reset/", {"email": "nobody@example.cn"})
    assert asked.status_code == 302 and asked["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_asking_from_one_address_is_rate_limited(reset_on: None, settings: Any) -> None:
    settings.FENGQIAO_RATE_PASSWORD_RESET = "3/h"
    client = Client(REMOTE_ADDR="10.3.0.1")
    answers = [
        client.post("/accounts/password_reset/", {"email": f"person{n}@example.cn"}).status_code
        for n in range(4)
    ]
    assert answers == [302, 302, 302, 429]
    assert (
        "请求过于频繁"
        in client.post(
            "/accounts/password_reset/", {"email": "person9@example.cn"}
        ).content.decode()
    )
    # Showing the form is not counted; another address has its own budget.
    assert client.get("/accounts/password_reset/").status_code == 200
    other = Client(REMOTE_ADDR="10.3.0.2")
    assert other.post("/accounts/password_reset/", {"email": "x@example.cn"}).status_code == 302


def test_asking_for_one_e_mail_address_is_rate_limited_from_anywhere(
    reset_on: None, settings: Any
) -> None:
    settings.FENGQIAO_RATE_PASSWORD_RESET = "3/h"
    _user("flooded", "flooded@example.cn")
    answers = [
        Client(REMOTE_ADDR=f"10.4.0.{n}")
        .post("/accounts/password_reset/", {"email": "Flooded@example.cn"})
        .status_code
        for n in range(1, 5)
    ]
    assert answers == [302, 302, 302, 429]
    assert len(mail.outbox) == 3  # the inbox is not flooded


def test_sign_in_sign_out_and_password_change_still_work() -> None:
    _user("still-works", "still@example.cn")
    client = Client()
    signed_in = client.post("/accounts/login/", {"username": "still-works", "password": PASSWORD})
    assert signed_in.status_code == 302
    changed = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302 and changed["Location"] == "/accounts/password_change/done/"
    assert client.get("/accounts/password_change/done/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
