"""Changing one's password, signed in: the site's own pages (base.html), in Chinese first, not
the Django admin's look."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
NEW_PASSWORD = "another-long-Passw0rd"
FORM = "/accounts/password_change/"
DONE = "/accounts/password_change/done/"


@pytest.fixture
def signed_in() -> tuple[Any, Client]:
    user = f.UserFactory(username="change-clerk")
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    client.force_login(user)
    return user, client


def _in_the_sites_look(html: str) -> None:
    # The site's header and stylesheet (base.html), not the admin's.
    assert '<h1><a href="/">' in html and 'href="/static/css/app' in html
    assert "site-name" not in html and "/static/admin/" not in html


def test_the_pages_are_the_sites_own_in_chinese_and_english(signed_in: tuple[Any, Client]) -> None:
    _user, client = signed_in
    page = client.get(FORM)
    assert page.status_code == 200
    html = page.content.decode()
    _in_the_sites_look(html)
    assert "<h2>修改密码</h2>" in html and "请输入当前密码" in html
    assert 'name="old_password"' in html and 'name="new_password2"' in html
    english = client.get(FORM, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h2>Change your password</h2>" in english
    done = client.get(DONE)
    assert done.status_code == 200
    _in_the_sites_look(done.content.decode())
    assert "<h2>密码已更改</h2>" in done.content.decode()


def test_changing_works_and_keeps_the_session(signed_in: tuple[Any, Client]) -> None:
    user, client = signed_in
    changed = client.post(
        FORM,
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302 and changed["Location"] == DONE
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Still signed in here: the done page is for signed-in users only.
    assert client.get(DONE).status_code == 200
    again = Client().post(
        "/accounts/login/", {"username": "change-clerk", "password": NEW_PASSWORD}
    )
    assert again.status_code == 302, again.content


def test_a_wrong_current_password_is_shown_on_the_sites_form(
    signed_in: tuple[Any, Client],
) -> None:
    user, client = signed_in
    refused = client.post(
        FORM,
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    _in_the_sites_look(html)
    assert "has-error" in html
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_signed_out_it_asks_to_sign_in() -> None:
    answer = Client().get(FORM)
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
