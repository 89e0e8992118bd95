"""The court inbox pages (/court/referrals/): who sees what, the list's order, filters and
pages, the detail page with personal numbers masked, and signing in and out.

Referrals are made through `courts.services` as a court or a body would make them; the pages
are driven with Django's test client in English, so the service's own messages can be matched.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courts import services
from tests import factories as f
from tests.conftest import World
from tests.courts.inbox_helpers import (
    APPLICANT_ID,
    APPLICANT_PHONE,
    INBOX,
    YEAR,
    confirmation,
    delegation,
    detail_url,
    litigation,
    receive,
    refreshed,
    step_buttons,
    step_url,
    web,
)


def listed(html: str) -> list[int]:
    """Referral ids in the order the inbox lists them."""
    return [int(pk) for pk in re.findall(r'<tr class="referral[^"]*" data-referral="(\d+)"', html)]


# --- who may see what ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(world: World) -> None:
    referral = litigation(world)
    anonymous = web()
    for path in (INBOX, detail_url(referral)):
        answer = anonymous.get(path)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/accounts/login/?next=")

    answer = anonymous.post(step_url(referral, "receive"), {"expected_state": "sent"})

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
    assert refreshed(referral).state == "sent"


def test_a_court_sees_only_its_own_courts_referrals(world: World) -> None:
    ours = delegation(world, serial=1)
    to_other_body = delegation(world, serial=2, body=world.other_body)
    theirs = delegation(world, court=world.other_court, serial=3)

    answer = web(world.court_user).get(INBOX)

    assert answer.status_code == 200
    assert set(listed(answer.content.decode())) == {ours.pk, to_other_body.pk}
    assert web(world.court_user).get(detail_url(theirs)).status_code == 404
    assert set(listed(web(world.other_court_user).get(INBOX).content.decode())) == {theirs.pk}


@pytest.mark.parametrize("who", ["clerk", "director", "mediator"])
def test_body_staff_see_their_bodys_referrals(world: World, who: str) -> None:
    user = {"clerk": world.clerk, "director": world.director, "mediator": world.mediator.user}[who]
    ours = delegation(world, serial=1)
    from_other_court = delegation(world, court=world.other_court, serial=2)
    elsewhere = delegation(world, serial=3, body=world.other_body)
    sent_out = litigation(world)

    answer = web(user).get(INBOX)

    assert set(listed(answer.content.decode())) == {ours.pk, from_other_court.pk, sent_out.pk}
    assert web(user).get(detail_url(elsewhere)).status_code == 404


def test_a_party_sees_no_referrals(world: World) -> None:
    referral = confirmation(world)  # the party user is the case's applicant

    assert listed(web(world.party_user).get(INBOX).content.decode()) == []
    assert web(world.party_user).get(detail_url(referral)).status_code == 404


# --- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["court_user", "clerk"])
def test_overdue_delegations_come_before_newer_ones(world: World, who: str) -> None:
    # Sent 40 days ago with a 30-day deadline: overdue. Newest-first alone would list it last.
    overdue = delegation(
        world, serial=1, days_ago=40, at=timezone.now() - datetime.timedelta(days=40)
    )
    fresh = delegation(world, serial=2, days_ago=1)
    sent_out = litigation(world)

    html = web(getattr(world, who)).get(INBOX).content.decode()

    assert listed(html) == [overdue.pk, sent_out.pk, fresh.pk]
    overdue_row = re.search(rf'data-referral="{overdue.pk}".*?</tr>', html, re.S)
    fresh_row = re.search(rf'data-referral="{fresh.pk}".*?</tr>', html, re.S)
    assert overdue_row and "Overdue" in overdue_row.group()
    assert fresh_row and "Overdue" not in fresh_row.group()
    assert "1 delegated case is past its deadline." in html


def test_the_list_shows_what_a_row_needs(world: World) -> None:
    referral = delegation(world, serial=12, title="八一大道追尾")

    html = web(world.court_user).get(INBOX).content.decode()

    row = re.search(rf'data-referral="{referral.pk}".*?</tr>', html, re.S)
    assert row is not None
    for text in (
        "Pre-filing delegation",
        "Sent",
        referral.dispute.reference,
        "八一大道追尾",
        world.body.name,
        world.court.name,
        f"({YEAR})赣0102民诉前调12号",
        f"{referral.dispute.deadline:%Y-%m-%d}",
        f"{timezone.localtime(referral.sent_at):%Y-%m-%d}",
    ):
        assert text in row.group(), text


def test_filter_by_kind_state_and_overdue(world: World) -> None:
    overdue = delegation(
        world, serial=1, days_ago=40, at=timezone.now() - datetime.timedelta(days=40)
    )
    fresh = delegation(world, serial=2)
    sent_out = litigation(world)
    received = litigation(world)
    receive(received, world.court_user)
    court = web(world.court_user)

    def ids(query: str) -> set[int]:
        return set(listed(court.get(f"{INBOX}?{query}").content.decode()))

    assert ids("kind=litigation") == {sent_out.pk, received.pk}
    assert ids("kind=delegation") == {overdue.pk, fresh.pk}
    assert ids("state=received") == {received.pk}
    assert ids("kind=litigation&state=sent") == {sent_out.pk}
    assert ids("overdue=true") == {overdue.pk}
    assert ids("kind=bogus") == {overdue.pk, fresh.pk, sent_out.pk, received.pk}
    # Each kind's count keeps the state filter, and the other way round.
    html = court.get(f"{INBOX}?state=sent").content.decode()
    assert re.search(r">Referral to litigation</a> \(1\)", html)
    assert re.search(r">Pre-filing delegation</a> \(2\)", html)
    html = court.get(f"{INBOX}?kind=litigation").content.decode()
    assert re.search(r">Received</a> \(1\)", html)
    assert re.search(r">Sent</a> \(1\)", html)


def test_the_list_is_paginated_by_25(world: World) -> None:
    # Stored rows are enough to page through; how they were made does not matter here.
    made = [
        f.ReferralFactory(dispute=f.DisputeFactory(body=world.body), court=world.court)
        for _ in range(26)
    ]
    court = web(world.court_user)

    first = listed(court.get(INBOX).content.decode())
    second = listed(court.get(f"{INBOX}?page=2").content.decode())

    assert len(first) == 25
    assert len(second) == 1
    assert set(first) | set(second) == {r.pk for r in made}
    assert court.get(f"{INBOX}?page=99").status_code == 200


def test_the_list_costs_the_same_queries_for_more_rows(world: World) -> None:
    def queries() -> int:
        client = web(world.court_user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        return len(captured)

    delegation(world, serial=1)
    few = queries()
    for serial in range(2, 7):
        delegation(world, serial=serial)
    litigation(world)

    assert queries() == few


def test_user_text_is_escaped(world: World) -> None:
    referral = delegation(world, title="<script>alert(1)</script>")
    court = web(world.court_user)

    for path in (INBOX, detail_url(referral)):
        html = court.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the detail page -----------------------------------------------------------------------------


def test_a_court_sees_the_case_with_personal_numbers_masked(world: World) -> None:
    referral = delegation(world, serial=5)

    answer = web(world.court_user).get(detail_url(referral))

    html = answer.content.decode()
    assert answer.status_code == 200
    for text in (
        referral.dispute.reference,
        "两车追尾人身损害赔偿",
        "王芳",
        "李强",
        "赵律师",
        "for 王芳",  # the agent acts for the applicant
        f"({YEAR})赣0102民诉前调5号",
        "86,000.00",
        world.body.name,
    ):
        assert text in html, text
    assert APPLICANT_ID not in html
    assert f"{APPLICANT_ID[:6]}********{APPLICANT_ID[-4:]}" in html
    assert APPLICANT_PHONE not in html
    assert "139****5678" in html


def test_the_bodys_staff_see_personal_numbers_in_full(world: World) -> None:
    referral = delegation(world)

    html = web(world.director).get(detail_url(referral)).content.decode()

    assert APPLICANT_ID in html
    assert APPLICANT_PHONE in html


def test_the_detail_shows_the_referrals_log(world: World) -> None:
    referral = delegation(world)
    web(world.clerk).post(step_url(referral, "receive"), {"expected_state": "sent"})

    html = web(world.court_user).get(detail_url(referral)).content.decode()

    log = re.search(r'<table class="log[ "].*?</table>', html, re.S)
    assert log is not None
    rows = re.findall(r"<tr>.*?</tr>", log.group(), re.S)[1:]  # without the header
    assert len(rows) == 2
    assert "Sent" in rows[0] and world.court_user.last_name in rows[0]
    assert "Record receipt" in rows[1] and "Sent → Received" in rows[1]
    clerk_name = f"{world.clerk.last_name}{world.clerk.first_name}"
    assert clerk_name in rows[1]


@pytest.mark.parametrize(
    ("make", "who", "before", "expected"),
    [
        ("litigation", "court_user", None, {"receive", "return_referral"}),
        ("litigation", "court_user", "receive", {"file", "return_referral"}),
        ("litigation", "clerk", None, set()),
        ("confirmation", "court_user", "receive", {"decide", "return_referral"}),
        # A body declines a delegated case instead of returning it; the court waits.
        ("delegation", "clerk", None, {"receive"}),
        ("delegation", "court_user", None, set()),
        ("delegation", "director", "receive", {"extend"}),
    ],
)
def test_the_buttons_are_exactly_the_available_steps(
    world: World, make: str, who: str, before: str | None, expected: set[str]
) -> None:
    referral = {"litigation": litigation, "confirmation": confirmation, "delegation": delegation}[
        make
    ](world)
    if before:
        receiver = world.court_user if make != "delegation" else world.clerk
        services.take_referral_transition(actor=receiver, referral_id=referral.pk, name=before)

    html = web(getattr(world, who)).get(detail_url(referral)).content.decode()

    assert step_buttons(html, referral) == expected
    current = refreshed(referral).state
    for name in expected:
        form = re.search(rf'action="{step_url(referral, name)}".*?</form>', html, re.S)
        assert form is not None
        assert re.search(rf'name="expected_state" value="{current}"', form.group())


# --- signing in and out --------------------------------------------------------------------------


def test_the_login_page_signs_a_court_user_in_to_the_inbox(world: World) -> None:
    browser = web()
    page = browser.get("/accounts/login/?next=/court/referrals/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    assert 'name="password"' in page.content.decode()

    username = world.court_user.username
    wrong = browser.post("/accounts/login/", {"username": username, "password": "x"})
    assert wrong.status_code == 200
    assert browser.get(INBOX).status_code == 302

    answer = browser.post("/accounts/login/", {"username": username, "password": "pw"})

    assert answer.status_code == 302
    # Signed in, each role is sent on to its own area: a court user to the inbox.
    assert browser.get(answer["Location"])["Location"] == INBOX
    inbox = browser.get(INBOX)
    assert inbox.status_code == 200
    assert 'action="/accounts/logout/" method="post"' in inbox.content.decode()


def test_signing_out_is_a_post(world: World) -> None:
    browser = web(world.court_user)

    assert browser.get("/accounts/logout/").status_code == 405
    answer = browser.post("/accounts/logout/")

    assert answer.status_code == 302
    assert answer["Location"] == "/"
    assert browser.get(INBOX).status_code == 302


def test_the_pages_speak_chinese_by_default(world: World) -> None:
    page = Client().get("/accounts/login/")

    assert "登录" in page.content.decode()
