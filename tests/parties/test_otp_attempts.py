"""One-time codes allow FENGQIAO_OTP_MAX_ATTEMPTS tries, however many arrive at once: each try is
counted by one conditional UPDATE before the code is compared, and the count is committed even
though the try is refused. For the portal sign-in (parties/otp.py) and for signing online
(documents/services.py).

The threaded tests send the tries at once, each from its own thread and database connection,
released by a barrier: PostgreSQL only (SQLite serialises the whole file, so there they would
prove nothing; they skip and say so). The single-threaded tests run everywhere."""

from __future__ import annotations

import contextlib
import re
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from documents.models import OneTimeCode, Signature
from documents.sms import MemorySmsBackend
from tests.conftest import World, client_for, needs_postgresql
from tests.documents import conftest as documents
from tests.documents.conftest import Case

MAX_ATTEMPTS = 5
TRIES = 9
PHONE = "13912345678"
LOGIN = "/portal/login/"
CODE = "/portal/login/code/"
WRONG = "The code is not correct."
TOO_MANY = "Too many wrong codes; ask for a new one."

# The agreed case of the signing tests, waiting for the online signatory (tests/documents).
case = documents.case
agreed = documents.agreed


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.FENGQIAO_OTP_MAX_ATTEMPTS = MAX_ATTEMPTS
    # The per-address rate limit is another guard (tests/documents/test_rate_limits.py): out of
    # the way here, so that what is counted is the code's attempts alone.
    settings.FENGQIAO_RATE_OTP = "1000/m"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def production_hashing(settings: Any) -> None:
    # The suite hashes with MD5 for speed; production's PBKDF2 takes a good part of a second to
    # compare a code, and that is the time simultaneous tries have to slip past a count read
    # before it is written.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def sms(settings: Any) -> list[tuple[str, str]]:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


def code_in(sms: list[tuple[str, str]]) -> str:
    return re.findall(r"(?<!\d)(\d{6})(?!\d)", sms[-1][1])[-1]


def wrong(code: str, n: int = 1) -> str:
    return f"{(int(code) + n) % 10**6:06d}"


def race(tries: list[Callable[[], str]]) -> list[str]:
    """Each try in its own thread (its own connection), all released at once; what each got."""
    barrier = threading.Barrier(len(tries), timeout=60)
    answers = [""] * len(tries)

    def run(index: int, attempt: Callable[[], str]) -> None:
        try:
            barrier.wait()
            answers[index] = attempt()
        except Exception:
            answers[index] = traceback.format_exc()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t), daemon=True) for i, t in enumerate(tries)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    assert not any(thread.is_alive() for thread in threads)
    return answers


def counted(answers: list[str]) -> tuple[int, int]:
    """(tries answered "wrong code", tries answered "too many wrong codes")."""
    assert all(WRONG in a or TOO_MANY in a for a in answers), answers
    return sum(WRONG in a for a in answers), sum(TOO_MANY in a for a in answers)


# --- the portal sign-in --------------------------------------------------------------------------


@pytest.fixture
def portal(world: World) -> Any:
    world.party_user.portal_account.phone = PHONE
    world.party_user.portal_account.save()
    return world.party_user


def login_client() -> Client:
    """A browser at step 2 of the sign-in: the number given, the code asked for."""
    client = Client(headers={"accept-language": "en"})
    assert client.post(LOGIN, {"phone": PHONE}).status_code == 302
    return client


def type_code(client: Client, code: str) -> str:
    response = client.post(CODE, {"code": code})
    return f"{response.status_code} {response.content.decode()}"


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_nine_simultaneous_wrong_sign_in_codes_spend_five_attempts(
    portal: Any, sms: list[tuple[str, str]], production_hashing: None
) -> None:
    clients = [login_client() for _ in range(TRIES + 1)]  # one code: asked for again, not resent
    code = code_in(sms)
    assert len(sms) == 1

    answers = race(
        [lambda c=c, n=n: type_code(c, wrong(code, n + 1)) for n, c in enumerate(clients[:TRIES])]
    )

    # Before: all nine answered "not correct" and the count went to nine (or fewer, lost).
    wrong_answers, refused = counted(answers)
    assert wrong_answers <= MAX_ATTEMPTS and wrong_answers + refused == TRIES, answers
    assert OneTimeCode.objects.get(purpose="login").attempts == MAX_ATTEMPTS
    # The right code afterwards is refused too: the code is spent.
    last = clients[TRIES]
    assert TOO_MANY in type_code(last, code)
    assert "_auth_user_id" not in last.session


def test_every_sign_in_try_counts_and_the_sixth_is_refused(
    portal: Any, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client = login_client()
    code = code_in(sms)
    for n in range(MAX_ATTEMPTS):
        assert WRONG in type_code(client, wrong(code, n + 1))
    assert OneTimeCode.objects.get(purpose="login").attempts == MAX_ATTEMPTS
    assert TOO_MANY in type_code(client, wrong(code))
    assert TOO_MANY in type_code(client, code)
    assert "_auth_user_id" not in client.session
    assert OneTimeCode.objects.get(purpose="login").attempts == MAX_ATTEMPTS


def test_the_right_sign_in_code_counts_as_a_try_too(
    portal: Any, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    # Counted before it is compared: the right code spends an attempt as a wrong one does.
    # Before: compared first, and counted only when wrong.
    with django_capture_on_commit_callbacks(execute=True):
        client = login_client()
    for n in range(MAX_ATTEMPTS - 1):
        assert WRONG in type_code(client, wrong(code_in(sms), n + 1))
    assert type_code(client, code_in(sms)).startswith("302")
    spent = OneTimeCode.objects.get(purpose="login")
    assert (spent.attempts, spent.used_at is not None) == (MAX_ATTEMPTS, True)


# --- signing online ------------------------------------------------------------------------------


def ask_signing_code(
    world: World, case: Case, sms: list[tuple[str, str]], capture: Any = None
) -> str:
    # The SMS leaves once the code is committed: at once in a transactional test, else when
    # the test's captured on-commit callbacks run.
    with capture(execute=True) if capture else contextlib.nullcontext():
        answer = client_for(world.party_user).post(
            f"/api/v1/disputes/{case.dispute.pk}/agreement/signatures/code/",
            {"signatory": case.online.pk},
            format="json",
        )
    assert answer.status_code == 201, answer.data
    return code_in(sms)


def sign_online(client: APIClient, case: Case, code: str) -> str:
    answer = client.post(
        f"/api/v1/disputes/{case.dispute.pk}/agreement/signatures/",
        {"signatory": case.online.pk, "method": "online", "code": code},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return f"{answer.status_code} {answer.data}"


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_nine_simultaneous_wrong_signing_codes_spend_five_attempts(
    world: World, agreed: Case, sms: list[tuple[str, str]], production_hashing: None
) -> None:
    code = ask_signing_code(world, agreed, sms)
    clients = [client_for(world.party_user) for _ in range(TRIES)]

    answers = race(
        [lambda c=c, n=n: sign_online(c, agreed, wrong(code, n + 1)) for n, c in enumerate(clients)]
    )

    wrong_answers, refused = counted(answers)
    assert wrong_answers <= MAX_ATTEMPTS and wrong_answers + refused == TRIES, answers
    assert OneTimeCode.objects.get(purpose__startswith="sign:").attempts == MAX_ATTEMPTS
    assert TOO_MANY in sign_online(client_for(world.party_user), agreed, code)
    assert not Signature.objects.filter(signatory=agreed.online).exists()


def test_every_signing_try_counts_and_the_sixth_is_refused(
    world: World,
    agreed: Case,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    code = ask_signing_code(world, agreed, sms, django_capture_on_commit_callbacks)
    client = client_for(world.party_user)
    for n in range(MAX_ATTEMPTS):
        assert WRONG in sign_online(client, agreed, wrong(code, n + 1))
        # Committed, though the signature was refused.
        assert OneTimeCode.objects.get(purpose__startswith="sign:").attempts == n + 1
    assert TOO_MANY in sign_online(client, agreed, code)
    assert not Signature.objects.filter(signatory=agreed.online).exists()


def test_the_right_signing_code_counts_as_a_try_too(
    world: World,
    agreed: Case,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    code = ask_signing_code(world, agreed, sms, django_capture_on_commit_callbacks)
    client = client_for(world.party_user)
    assert WRONG in sign_online(client, agreed, wrong(code))
    assert sign_online(client, agreed, code).startswith("201")
    spent = OneTimeCode.objects.get(purpose__startswith="sign:")
    assert (spent.attempts, spent.used_at is not None) == (2, True)
    assert Signature.objects.get(signatory=agreed.online).method == "online"
