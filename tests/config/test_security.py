"""Hardening: sign-in lockout, Content-Security-Policy, rate limits on one-time
codes and verification, field history, password strength."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from mediation.cases.models import Dispute
from parties.models import Party
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"


def _sign_in(username: str, password: str, address: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )


# --- sign-in lockout (django-axes) ----------------------------------------------------------------


def test_five_failures_lock_the_user_out_from_that_address_only(world: World) -> None:
    user = f.UserFactory(username="mediator-x")
    user.set_password(PASSWORD)
    user.save()
    answers = [_sign_in("mediator-x", "wrong").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the form again with an error; the fifth locks
    locked = _sign_in("mediator-x", PASSWORD)  # even the right password now
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # The pair is locked, not the user nor the address: nobody locks a colleague out.
    assert _sign_in("mediator-x", PASSWORD, address="10.0.0.2").status_code == 302
    other = f.UserFactory(username="clerk-y")
    other.set_password(PASSWORD)
    other.save()
    assert _sign_in("clerk-y", PASSWORD).status_code == 302


def test_a_success_resets_the_count(world: World) -> None:
    user = f.UserFactory(username="director-z")
    user.set_password(PASSWORD)
    user.save()
    for _ in range(4):
        _sign_in("director-z", "wrong")
    assert _sign_in("director-z", PASSWORD).status_code == 302
    for _ in range(4):
        _sign_in("director-z", "wrong")
    assert _sign_in("director-z", PASSWORD).status_code == 302


def test_the_token_endpoint_is_locked_too_and_answers_json(world: World) -> None:
    user = f.UserFactory(username="api-user")
    user.set_password(PASSWORD)
    user.save()
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    answers = [
        client.post("/api/v1/auth/token/", {"username": "api-user", "password": "x"}).status_code
        for _ in range(5)
    ]
    assert answers == [400, 400, 400, 400, 429]
    locked = client.post("/api/v1/auth/token/", {"username": "api-user", "password": PASSWORD})
    assert locked.status_code == 429
    assert "detail" in locked.json()


# --- Content-Security-Policy ----------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/"),
        (None, "/accounts/login/"),
        (None, "/portal/login/"),
        ("director", "/cases/"),
        ("director", "/cases/{case}/"),
        ("director", "/dashboard/"),
        ("mediator", "/cases/{case}/agreement/"),
        (None, "/api/docs/"),
    ],
)
def test_pages_carry_the_policy_and_nothing_it_would_refuse(
    world: World, who: str | None, path: str
) -> None:
    dispute = dispute_in(world, "mediating")
    client = Client()
    if who:
        user = world.director if who == "director" else world.mediator.user
        client.force_login(user)
    page = client.get(path.format(case=dispute.pk))
    assert page.status_code == 200, path
    policy = page["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src is not None and script_src.group(1).strip() == "'self'"
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    html = page.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html)


# --- rate limits ----------------------------------------------------------------------------------


def test_asking_for_login_codes_is_rate_limited(world: World, settings: Any) -> None:
    settings.FENGQIAO_RATE_OTP = "3/m"
    client = Client(REMOTE_ADDR="10.1.0.1")
    answers = [
        client.post("/portal/login/", {"phone": "13800138000"}).status_code for _ in range(4)
    ]
    assert answers == [302, 302, 302, 429]
    # Another address has its own budget.
    assert (
        Client(REMOTE_ADDR="10.1.0.2").post("/portal/login/", {"phone": "13800138000"}).status_code
        == 302
    )


def test_the_verification_page_is_rate_limited(world: World, settings: Any) -> None:
    settings.FENGQIAO_RATE_VERIFY = "2/m"
    client = Client(REMOTE_ADDR="10.2.0.1")
    # The limit counts per clock minute: requests that straddle a minute would start afresh.
    with time_machine.travel(
        datetime.datetime(2026, 12, 7, 10, 0, 5, tzinfo=datetime.UTC), tick=False
    ):
        answers = [client.get("/verify/NOSUCHCODE/").status_code for _ in range(3)]
        assert answers == [404, 404, 429]
        assert "请求过于频繁" in client.get("/verify/NOSUCHCODE/").content.decode()


# --- field history and audit ----------------------------------------------------------------------


def test_edits_leave_field_history_with_who_made_them(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    before = dispute.history.count()
    # Through the API, token or session: the history names the user DRF authenticated.
    answer = client_for(world.director).patch(
        f"/api/v1/disputes/{dispute.pk}/", {"title": "更正后的标题"}, format="json"
    )
    assert answer.status_code == 200
    latest = Dispute.history.filter(id=dispute.pk).latest("history_date")
    assert dispute.history.count() == before + 1
    assert latest.title == "更正后的标题"
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert "title" in [change.field for change in delta.changes]
    assert latest.history_user == world.director
    party = Party.objects.first()
    assert party is not None and party.history.exists()


# --- passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["short1!", "password123", "1234567890", "fengqiao"])
def test_weak_passwords_are_refused(weak: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_strong_password_passes() -> None:
    validate_password("调解-Wq8#mediation-2026")


# --- the client's address behind proxies ----------------------------------------------------------


def _request(remote: str, forwarded: str = "", real_ip: str = "") -> Any:
    from django.test import RequestFactory

    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    if real_ip:
        meta["HTTP_X_REAL_IP"] = real_ip
    return RequestFactory().get("/", **meta)


def test_the_client_address_believes_only_the_trusted_proxies(settings: Any) -> None:
    from config.observability import client_address

    settings.FENGQIAO_TRUSTED_PROXIES = 0  # straight to the app: headers are the client's words
    assert client_address(_request("203.0.113.9", "1.1.1.1", real_ip="2.2.2.2")) == "203.0.113.9"
    settings.FENGQIAO_TRUSTED_PROXIES = 1  # a load balancer appends the address it saw
    assert client_address(_request("10.0.0.2", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    settings.FENGQIAO_TRUSTED_PROXIES = 2  # load balancer, then nginx
    assert client_address(_request("10.0.0.3", "6.6.6.6, 198.51.100.7, 10.0.0.2")) == (
        "198.51.100.7"
    )
    assert client_address(_request("10.0.0.3")) == "10.0.0.3"  # no header: the peer


def test_behind_a_proxy_each_client_has_its_own_lockout(world: World, settings: Any) -> None:
    settings.FENGQIAO_TRUSTED_PROXIES = 1
    user = f.UserFactory(username="behind-lb")
    user.set_password(PASSWORD)
    user.save()

    def sign_in(client_ip: str, password: str) -> int:
        client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_ip)  # the balancer
        return client.post(
            "/accounts/login/", {"username": "behind-lb", "password": password}
        ).status_code

    assert [sign_in("198.51.100.1", "wrong") for _ in range(5)][-1] == 429
    assert sign_in("198.51.100.1", PASSWORD) == 429
    assert sign_in("198.51.100.2", PASSWORD) == 302  # same balancer, another client
