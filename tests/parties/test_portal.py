"""The party portal: signing in with a phone number and a code, one's own cases and
their progress, and 404 for everything else. Online signing and downloads of signed agreements
are in tests/documents/test_portal_signing.py, beside the agreed case they need."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from documents.models import OneTimeCode
from documents.sms import MemorySmsBackend
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.form_tokens import FormClient
from tests.mediation.helpers import dispute_in

PHONE = "13912345678"
LOGIN = "/portal/login/"
CODE = "/portal/login/code/"
CASES = "/portal/"


@pytest.fixture
def sms(settings: Any) -> list[tuple[str, str]]:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


@pytest.fixture
def party(world: World) -> Any:
    party = world.party
    party.phone = PHONE
    party.save()
    world.party_user.portal_account.phone = PHONE
    world.party_user.portal_account.save()
    return party


def html(response: Any) -> str:
    return response.content.decode()


def without_tokens(text: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", text)


def ask_code(client: Client, phone: str, capture: Any) -> Any:
    with capture(execute=True):
        response = client.post(LOGIN, {"phone": phone})
    return response


def code_in(sms: list[tuple[str, str]]) -> str:
    return re.findall(r"(?<!\d)(\d{6})(?!\d)", sms[-1][1])[-1]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def web(user: Any) -> Client:
    client = FormClient()
    client.force_login(user)
    return client


# --- signing in ----------------------------------------------------------------------------------


def test_a_party_signs_in_with_the_code_sent_to_their_phone(
    world: World, party: Any, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    assert client.get(LOGIN).status_code == 200
    response = ask_code(client, "+86 139 1234 5678", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == CODE
    assert len(sms) == 1 and sms[0][0] == PHONE
    stored = OneTimeCode.objects.get(user=world.party_user, purpose="login")
    assert code_in(sms) not in stored.code_hash  # only the hash is kept

    page = client.get(CODE)
    assert page.status_code == 200 and "139****5678" in html(page)
    signed_in = client.post(CODE, {"code": code_in(sms)})
    assert signed_in.status_code == 302 and signed_in["Location"] == CASES
    assert client.get(CASES).status_code == 200
    assert int(client.session["_auth_user_id"]) == world.party_user.pk
    # The code is spent: it does not sign anyone in twice.
    again = Client()
    again.post(LOGIN, {"phone": PHONE})
    assert again.post(CODE, {"code": code_in(sms)}).status_code == 400


def test_an_unknown_number_gets_the_same_answer_and_no_sms(
    world: World, party: Any, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    known, unknown = Client(), Client()
    a = ask_code(known, PHONE, django_capture_on_commit_callbacks)
    b = ask_code(unknown, "13700000000", django_capture_on_commit_callbacks)
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"]) == (302, CODE)
    assert len(sms) == 1
    page_a, page_b = without_tokens(html(known.get(CODE))), without_tokens(html(unknown.get(CODE)))
    assert page_a.replace("139****5678", "X") == page_b.replace("137****0000", "X")
    assert unknown.post(CODE, {"code": "123456"}).status_code == 400


def test_a_party_without_a_portal_account_gets_no_code(
    world: World, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    f.PartyFactory(phone="13600000000")  # no user
    answer = ask_code(Client(), "13600000000", django_capture_on_commit_callbacks)
    assert answer.status_code == 302 and sms == []


def test_an_invalid_number_is_a_form_error(world: World) -> None:
    answer = Client().post(LOGIN, {"phone": "12345"})
    assert answer.status_code == 400


def test_a_wrong_code_is_refused_and_counted(
    world: World, party: Any, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    ask_code(client, PHONE, django_capture_on_commit_callbacks)
    answer = client.post(CODE, {"code": wrong(code_in(sms))})
    assert answer.status_code == 400
    assert "验证码不正确" in html(answer) or "The code is not correct" in html(answer)
    assert OneTimeCode.objects.get(purpose="login").attempts == 1
    assert "_auth_user_id" not in client.session
    # The right code still works afterwards.
    assert client.post(CODE, {"code": code_in(sms)}).status_code == 302


def test_too_many_wrong_codes_block_the_code(
    world: World,
    party: Any,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    client = Client()
    ask_code(client, PHONE, django_capture_on_commit_callbacks)
    code = code_in(sms)
    for _ in range(settings.FENGQIAO_OTP_MAX_ATTEMPTS):
        assert client.post(CODE, {"code": wrong(code)}).status_code == 400
    assert OneTimeCode.objects.get(purpose="login").attempts == settings.FENGQIAO_OTP_MAX_ATTEMPTS
    blocked = client.post(CODE, {"code": code})
    assert blocked.status_code == 400
    assert "_auth_user_id" not in client.session


def test_an_expired_code_is_refused(
    world: World, party: Any, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    ask_code(client, PHONE, django_capture_on_commit_callbacks)
    OneTimeCode.objects.filter(purpose="login").update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.post(CODE, {"code": code_in(sms)}).status_code == 400
    assert "_auth_user_id" not in client.session


def test_codes_are_sent_at_most_once_a_minute_and_a_new_one_replaces_the_old(
    world: World, party: Any, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    ask_code(client, PHONE, django_capture_on_commit_callbacks)
    first = code_in(sms)
    again = ask_code(client, PHONE, django_capture_on_commit_callbacks)
    assert again.status_code == 302 and len(sms) == 1  # the same answer, no second SMS

    OneTimeCode.objects.filter(purpose="login").update(
        created_at=timezone.now() - datetime.timedelta(seconds=61)
    )
    ask_code(client, PHONE, django_capture_on_commit_callbacks)
    assert len(sms) == 2
    second = code_in(sms)
    if first != second:
        assert client.post(CODE, {"code": first}).status_code == 400
    assert client.post(CODE, {"code": second}).status_code == 302


def test_the_code_page_without_a_number_goes_back_to_step_one(world: World) -> None:
    answer = Client().get(CODE)
    assert answer.status_code == 302 and answer["Location"] == LOGIN


def test_the_sign_in_pages_link_to_each_other(world: World) -> None:
    assert 'href="/accounts/login/"' in html(Client().get(LOGIN))


def test_the_log_never_shows_a_full_number(
    world: World,
    party: Any,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    client = Client()
    ask_code(client, PHONE, django_capture_on_commit_callbacks)
    ask_code(Client(), "13700000000", django_capture_on_commit_callbacks)
    client.post(CODE, {"code": wrong(code_in(sms))})
    assert caplog.records
    assert PHONE not in caplog.text and "13700000000" not in caplog.text


# --- my cases ------------------------------------------------------------------------------------


def test_party_users_land_on_the_portal(world: World) -> None:
    assert web(world.party_user).get("/start/")["Location"] == CASES


def test_the_portal_lists_only_the_partys_cases(world: World) -> None:
    mine = dispute_in(world, "mediating", title="我的纠纷")
    as_agent = dispute_in(world, "registered", title="代理的纠纷")
    as_agent.case_parties.filter(party=world.party).update(role=PartyRole.AGENT)
    other = f.DisputeFactory(body=world.body, title="别人的纠纷")
    f.CasePartyFactory(dispute=other, role=PartyRole.APPLICANT)

    page = web(world.party_user).get(CASES)
    assert page.status_code == 200
    text = html(page)
    assert mine.reference in text and "我的纠纷" in text
    assert as_agent.reference in text
    assert "代理人" in text or "Agent" in text
    assert other.reference not in text and "别人的纠纷" not in text
    assert 'href="/portal/"' in text  # the nav links the portal


def test_another_case_is_404(world: World) -> None:
    other = f.DisputeFactory(body=world.body)
    f.CasePartyFactory(dispute=other, role=PartyRole.APPLICANT)
    client = web(world.party_user)
    assert client.get(f"/portal/cases/{other.pk}/").status_code == 404
    notice = f"/portal/cases/{other.pk}/documents/acceptance_notice.pdf"
    assert client.get(notice).status_code == 404
    assert client.post(f"/portal/cases/{other.pk}/sign/", {"signatory": 1}).status_code == 404


@pytest.mark.parametrize("who", ["director", "court_user", "analyst"])
def test_the_portal_is_404_for_anyone_but_parties(world: World, who: str) -> None:
    dispute = dispute_in(world, "mediating")
    client = web(getattr(world, who))
    assert client.get(CASES).status_code == 404
    assert client.get(f"/portal/cases/{dispute.pk}/").status_code == 404


def test_the_portal_asks_strangers_to_sign_in(world: World) -> None:
    answer = Client().get(CASES)
    assert answer.status_code == 302 and answer["Location"].startswith(LOGIN)


def steps_of(text: str) -> list[tuple[str, str, bool]]:
    """(data-step, class, aria-current) of each step of the first progress bar."""
    bar = re.search(r'<ol class="progress".*?</ol>', text, flags=re.S)
    assert bar is not None
    return [
        (key, status, bool(current))
        for status, key, current in re.findall(
            r'<li class="(\w+)" data-step="(\w+)"( aria-current="step")?>', bar.group(0)
        )
    ]


@pytest.mark.parametrize(
    ("state", "overrides", "current", "done", "shown"),
    [
        ("registered", {"accepted_at": None, "mediator": None}, "registered", [], 6),
        ("accepted", {"mediator": None}, "accepted", ["registered"], 6),
        ("assigned", {}, "mediating", ["registered", "accepted"], 6),
        ("mediating", {}, "mediating", ["registered", "accepted"], 6),
        ("agreed", {}, "agreed", ["registered", "accepted", "mediating"], 6),
        ("signed", {}, "signed", ["registered", "accepted", "mediating", "agreed"], 6),
        (
            "confirming",
            {},
            "confirmation",
            ["registered", "accepted", "mediating", "agreed", "signed"],
            7,
        ),
        (
            "closed",
            {"close_outcome": "performed"},
            "closed",
            ["registered", "accepted", "mediating", "agreed", "signed"],
            6,
        ),
        ("failed", {"outcome": "failure"}, "failed", ["registered", "accepted", "mediating"], 4),
        (
            "withdrawn",
            {"outcome": "withdrawn", "mediator": None},
            "withdrawn",
            ["registered", "accepted"],
            3,
        ),
        (
            "declined",
            {"outcome": "declined", "accepted_at": None, "mediator": None},
            "declined",
            ["registered"],
            2,
        ),
    ],
)
def test_the_progress_bar_marks_where_the_case_is(
    world: World,
    state: str,
    overrides: dict[str, Any],
    current: str,
    done: list[str],
    shown: int,
) -> None:
    dispute = dispute_in(world, state, **overrides)
    steps = steps_of(html(web(world.party_user).get(f"/portal/cases/{dispute.pk}/")))
    assert len(steps) == shown, steps
    assert [key for key, _status, is_current in steps if is_current] == [current]
    assert [key for key, status, _c in steps if status == "done"] == done
    # The list page shows the same bar.
    assert steps_of(html(web(world.party_user).get(CASES))) == steps


def test_a_failed_case_says_so_in_words(world: World) -> None:
    dispute = dispute_in(world, "failed", outcome="failure")
    text = html(web(world.party_user).get(f"/portal/cases/{dispute.pk}/"))
    assert "调解未成功" in text or "Mediation did not succeed" in text
    assert 'class="ended" data-step="failed" aria-current="step"' in text


def test_the_case_page_shows_upcoming_sessions(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    dispute.sessions.all().delete()
    when = timezone.now() + datetime.timedelta(days=2)
    f.MediationSessionFactory(dispute=dispute, scheduled_at=when, place="第二调解室")
    f.MediationSessionFactory(
        dispute=dispute,
        scheduled_at=when + datetime.timedelta(days=1),
        place="",
        online_link="https://meet.example.org/abc",
    )
    f.MediationSessionFactory(
        dispute=dispute, scheduled_at=timezone.now() - datetime.timedelta(days=1), place="旧会议室"
    )
    text = html(web(world.party_user).get(f"/portal/cases/{dispute.pk}/"))
    assert "第二调解室" in text and "https://meet.example.org/abc" in text
    assert "旧会议室" not in text
    assert timezone.localtime(when).strftime("%Y-%m-%d %H:%M") in text
