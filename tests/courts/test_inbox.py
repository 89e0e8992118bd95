"""The court inbox pages (/court/referrals/): scoping, order, masking, and every step by form.

Referrals are made through `courts.services` as a court or a body would make them; the pages are
driven with Django's test client in English, so the service's own messages can be matched.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from courts import services
from courts.models import Referral, ReferralKind, ReferralLog
from mediation.cases.models import Dispute
from parties.models import CaseParty
from parties.services import PartyInput
from tests import factories as f
from tests.conftest import World
from tests.form_tokens import FormClient
from tests.mediation.helpers import dispute_in

TODAY = timezone.localdate()
YEAR = TODAY.year
APPLICANT_ID = f.resident_id(907)  # 18 digits; must never reach a court's page in full
APPLICANT_PHONE = "13912345678"
INBOX = "/court/referrals/"


@pytest.fixture(autouse=True)
def _keep_the_test_language() -> Any:
    # The English requests below activate English in this thread; later tests expect the default.
    language = translation.get_language()
    yield
    translation.activate(language)


def web(user: Any = None) -> Client:
    """A browser session (English) signed in as `user`."""
    client = FormClient(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def detail_url(referral: Referral) -> str:
    return f"{INBOX}{referral.pk}/"


def step_url(referral: Referral, name: str) -> str:
    return f"{INBOX}{referral.pk}/{name}/"


def delegation(
    world: World,
    *,
    court: Any = None,
    body: Any = None,
    serial: int = 1,
    days_ago: int = 1,
    at: datetime.datetime | None = None,
    title: str = "两车追尾人身损害赔偿",
) -> Referral:
    """A pre-filing delegation (诉前委派) sent by the court's own staff, as the API does it."""
    court = court or world.court
    actor = world.court_user if court == world.court else world.other_court_user
    return services.delegate(
        actor=actor,
        data=services.DelegationInput(
            kind=ReferralKind.DELEGATION,
            court=court,
            body=body or world.body,
            case_number=f"({YEAR}){court.code}民诉前调{serial}号",
            category="traffic",
            title=title,
            delegated_on=TODAY - datetime.timedelta(days=days_ago),
            facts="2026年3月1日，两车在八一大道追尾，申请人受伤。",
            claimed_amount=Decimal("86000.00"),
            parties=[
                PartyInput(
                    role="applicant",
                    kind="person",
                    name="王芳",
                    id_type="resident_id",
                    id_number=APPLICANT_ID,
                    phone=APPLICANT_PHONE,
                ),
                PartyInput(role="respondent", kind="person", name="李强"),
                PartyInput(role="agent", kind="person", name="赵律师", represents=0),
            ],
        ),
        at=at,
    )


def litigation(world: World) -> Referral:
    """A failed case the body's director refers to the world's court (转诉讼)."""
    dispute = dispute_in(world, "failed")
    return services.send_referral(
        actor=world.director, dispute_id=dispute.pk, kind="litigation", court=world.court
    )


def confirmation(world: World) -> Referral:
    """A signed agreement the mediator sends for judicial confirmation (司法确认)."""
    dispute = dispute_in(world, "signed")
    return services.send_referral(
        actor=world.mediator.user, dispute_id=dispute.pk, kind="confirmation", court=world.court
    )


def receive(referral: Referral, actor: Any) -> None:
    """The receiving side records receipt through the service (not the page under test)."""
    services.take_referral_transition(actor=actor, referral_id=referral.pk, name="receive")


def listed(html: str) -> list[int]:
    """Referral ids in the order the inbox lists them."""
    return [int(pk) for pk in re.findall(r'<tr class="referral[^"]*" data-referral="(\d+)"', html)]


def step_buttons(html: str, referral: Referral) -> set[str]:
    """The steps the detail page offers a form for."""
    return set(re.findall(rf'action="{INBOX}{referral.pk}/([a-z_]+)/"', html))


def refreshed(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def log_count(referral: Referral) -> int:
    return ReferralLog.objects.filter(referral=referral).count()


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

    log = re.search(r'<table class="log">.*?</table>', html, re.S)
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


# --- steps ---------------------------------------------------------------------------------------


def test_recording_receipt_moves_the_referral_and_redirects(world: World) -> None:
    referral = litigation(world)
    court = web(world.court_user)

    answer = court.post(step_url(referral, "receive"), {"expected_state": "sent"})

    assert answer.status_code == 303
    assert answer["Location"] == detail_url(referral)
    referral = refreshed(referral)
    assert referral.state == "received"
    assert referral.received_at is not None
    assert ReferralLog.objects.filter(referral=referral, action="receive").count() == 1
    page = court.get(answer["Location"]).content.decode()
    assert "“Record receipt” has been recorded." in page


def test_returning_without_a_reason_is_refused_and_changes_nothing(world: World) -> None:
    referral = litigation(world)
    entries = log_count(referral)

    answer = web(world.court_user).post(
        step_url(referral, "return_referral"), {"expected_state": "sent", "reason": "  "}
    )

    assert answer.status_code == 400
    form = next(s.form for s in answer.context["steps"] if s.name == "return_referral")
    assert form.errors["reason"] == ["Say why the referral is returned."]
    assert "Say why the referral is returned." in answer.content.decode()
    assert refreshed(referral).state == "sent"
    assert log_count(referral) == entries


def test_returning_with_a_reason(world: World) -> None:
    referral = litigation(world)

    answer = web(world.court_user).post(
        step_url(referral, "return_referral"), {"expected_state": "sent", "reason": "不属本院管辖"}
    )

    assert answer.status_code == 303
    referral = refreshed(referral)
    assert referral.state == "returned"
    assert referral.reason == "不属本院管辖"


def test_a_malformed_filing_number_is_refused_with_the_typed_value_kept(world: World) -> None:
    referral = litigation(world)
    receive(referral, world.court_user)
    typed = f"({YEAR})赣0103民初456号"  # the other court's number

    answer = web(world.court_user).post(
        step_url(referral, "file"), {"expected_state": "received", "case_number": typed}
    )

    assert answer.status_code == 400
    html = answer.content.decode()
    assert f'value="{typed}"' in html
    form = next(s.form for s in answer.context["steps"] if s.name == "file")
    assert "belongs to court 赣0103, not to court 赣0102" in form.errors["case_number"][0]
    referral = refreshed(referral)
    assert referral.state == "received"
    assert referral.case_number == ""


def test_a_litigation_referral_is_received_filed_and_decided(world: World) -> None:
    referral = litigation(world)
    court = web(world.court_user)
    number = f"({YEAR})赣0102民初456号"

    assert court.post(step_url(referral, "receive"), {"expected_state": "sent"}).status_code == 303
    answer = court.post(
        step_url(referral, "file"), {"expected_state": "received", "case_number": number}
    )
    assert answer.status_code == 303
    assert refreshed(referral).case_number == number
    assert Dispute.objects.get(pk=referral.dispute_id).state == "closed"
    answer = court.post(
        step_url(referral, "decide"),
        {"expected_state": "filed", "decision": "court_mediation", "reason": "庭审中调解结案"},
    )

    assert answer.status_code == 303
    referral = refreshed(referral)
    assert (referral.state, referral.decision) == ("decided", "court_mediation")
    assert referral.reason == "庭审中调解结案"


def test_a_stale_page_gets_409_and_the_referral_as_it_is_now(world: World) -> None:
    referral = litigation(world)
    court = web(world.court_user)
    court.get(detail_url(referral))  # the page shows "sent"
    colleague = f.CourtStaffFactory(court=world.court).user
    services.take_referral_transition(actor=colleague, referral_id=referral.pk, name="receive")
    entries = log_count(referral)

    answer = court.post(
        step_url(referral, "return_referral"), {"expected_state": "sent", "reason": "材料不全"}
    )

    assert answer.status_code == 409
    alert = re.search(r'<div class="alert" role="alert">.*?</div>', answer.content.decode(), re.S)
    assert alert is not None
    assert "This referral has changed: it is now “Received”." in alert.group()
    assert refreshed(referral).state == "received"
    assert log_count(referral) == entries
    # The forms on the page are for the state it is in now.
    assert step_buttons(answer.content.decode(), referral) == {"file", "return_referral"}
    assert 'name="expected_state" value="received"' in answer.content.decode()


def test_another_courts_referral_answers_404_to_a_step(world: World) -> None:
    referral = litigation(world)

    answer = web(world.other_court_user).post(
        step_url(referral, "receive"), {"expected_state": "sent"}
    )

    assert answer.status_code == 404
    assert refreshed(referral).state == "sent"


def test_a_step_the_user_may_not_take_answers_403(world: World) -> None:
    referral = litigation(world)  # the clerk's body sent it, so the clerk sees it

    answer = web(world.clerk).post(step_url(referral, "receive"), {"expected_state": "sent"})

    assert answer.status_code == 403
    assert "You may not “Record receipt” this referral." in answer.content.decode()
    assert refreshed(referral).state == "sent"


def test_a_step_not_possible_now_answers_409(world: World) -> None:
    referral = litigation(world)

    answer = web(world.court_user).post(
        step_url(referral, "file"),
        {"expected_state": "sent", "case_number": f"({YEAR})赣0102民初456号"},
    )

    assert answer.status_code == 409
    assert "This step is not possible for a referral that is “Sent”." in answer.content.decode()
    assert refreshed(referral).state == "sent"


def test_unknown_steps_and_get_requests(world: World) -> None:
    referral = litigation(world)
    court = web(world.court_user)

    assert court.post(step_url(referral, "send"), {}).status_code == 404
    assert court.post(step_url(referral, "explode"), {}).status_code == 404
    assert court.get(step_url(referral, "receive")).status_code == 405
    assert court.get(f"{INBOX}999999/").status_code == 404
    assert refreshed(referral).state == "sent"


def test_deciding_a_confirmation_confirms_the_case(world: World) -> None:
    referral = confirmation(world)
    court = web(world.court_user)
    court.post(step_url(referral, "receive"), {"expected_state": "sent"})
    html = court.get(detail_url(referral)).content.decode()
    decide = re.search(rf'action="{step_url(referral, "decide")}".*?</form>', html, re.S)
    assert decide is not None
    assert set(re.findall(r'<option value="([a-z_]+)"', decide.group())) == {
        "confirmed",
        "denied",
    }
    number = f"({YEAR})赣0102民特78号"

    answer = court.post(
        step_url(referral, "decide"),
        {"expected_state": "received", "decision": "confirmed", "case_number": number},
    )

    assert answer.status_code == 303
    referral = refreshed(referral)
    assert (referral.state, referral.decision, referral.case_number) == (
        "decided",
        "confirmed",
        number,
    )
    assert Dispute.objects.get(pk=referral.dispute_id).state == "confirmed"


def test_denying_a_confirmation_needs_reasons_and_sends_the_case_back(world: World) -> None:
    referral = confirmation(world)
    receive(referral, world.court_user)
    court = web(world.court_user)

    bare = court.post(
        step_url(referral, "decide"), {"expected_state": "received", "decision": "denied"}
    )
    assert bare.status_code == 400
    form = next(s.form for s in bare.context["steps"] if s.name == "decide")
    assert "reason" in form.errors
    assert Dispute.objects.get(pk=referral.dispute_id).state == "confirming"

    answer = court.post(
        step_url(referral, "decide"),
        {
            "expected_state": "received",
            "decision": "denied",
            "reason": "协议内容违反法律强制性规定",
        },
    )

    assert answer.status_code == 303
    assert (refreshed(referral).state, refreshed(referral).decision) == ("decided", "denied")
    assert Dispute.objects.get(pk=referral.dispute_id).state == "mediating"


def test_a_decision_of_another_kind_is_refused(world: World) -> None:
    referral = confirmation(world)
    receive(referral, world.court_user)

    answer = web(world.court_user).post(
        step_url(referral, "decide"), {"expected_state": "received", "decision": "judgment"}
    )

    assert answer.status_code == 400
    form = next(s.form for s in answer.context["steps"] if s.name == "decide")
    assert "decision" in form.errors
    assert refreshed(referral).state == "received"
    assert Dispute.objects.get(pk=referral.dispute_id).state == "confirming"


def test_confirming_without_the_ruling_number_is_refused(world: World) -> None:
    referral = confirmation(world)
    receive(referral, world.court_user)

    answer = web(world.court_user).post(
        step_url(referral, "decide"), {"expected_state": "received", "decision": "confirmed"}
    )

    assert answer.status_code == 400
    form = next(s.form for s in answer.context["steps"] if s.name == "decide")
    assert form.errors["case_number"] == ["Give the court's ruling number (民特)."]
    assert Dispute.objects.get(pk=referral.dispute_id).state == "confirming"


def test_extending_a_delegation_with_every_partys_consent(world: World) -> None:
    referral = delegation(world)
    receive(referral, world.clerk)
    old_deadline = referral.dispute.deadline
    parties = {cp.party.name: cp.pk for cp in CaseParty.objects.filter(dispute=referral.dispute)}
    director = web(world.director)
    html = director.get(detail_url(referral)).content.decode()
    for pk in parties.values():
        assert re.search(rf'type="checkbox" name="consenting_parties" value="{pk}"', html)
    assert "Agent: 赵律师, for 王芳" in html

    # The agent consents for the applicant; the respondent for themselves.
    answer = director.post(
        step_url(referral, "extend"),
        {
            "expected_state": "received",
            "days": "10",
            "consenting_parties": [parties["赵律师"], parties["李强"]],
            "reason": "双方同意延长",
        },
    )

    assert answer.status_code == 303
    referral = refreshed(referral)
    assert referral.extended_days == 10
    assert referral.extension_consent["parties"] == sorted([parties["赵律师"], parties["李强"]])
    dispute = Dispute.objects.get(pk=referral.dispute_id)
    assert dispute.deadline == old_deadline + datetime.timedelta(days=10)
    page = director.get(answer["Location"]).content.decode()
    assert "by 10 days" in page
    assert "with the consent of 李强、赵律师" in page
    assert step_buttons(page, referral) == set()  # a delegation is extended once


def test_an_extension_needs_whole_days_and_every_party(world: World) -> None:
    referral = delegation(world)
    receive(referral, world.clerk)
    respondent = CaseParty.objects.get(dispute=referral.dispute, role="respondent")
    director = web(world.director)

    not_a_number = director.post(
        step_url(referral, "extend"),
        {"expected_state": "received", "days": "ten", "consenting_parties": [respondent.pk]},
    )
    missing_party = director.post(
        step_url(referral, "extend"),
        {"expected_state": "received", "days": "10", "consenting_parties": [respondent.pk]},
    )

    assert not_a_number.status_code == 400
    form = next(s.form for s in not_a_number.context["steps"] if s.name == "extend")
    assert form.errors["days"] == ["Enter a whole number."]
    assert 'value="ten"' in not_a_number.content.decode()
    assert missing_party.status_code == 400
    form = next(s.form for s in missing_party.context["steps"] if s.name == "extend")
    assert "Every party must consent; missing: 王芳." in form.errors["consenting_parties"]
    # The ticked box stays ticked.
    assert re.search(
        rf'name="consenting_parties" value="{respondent.pk}"[^>]*checked',
        missing_party.content.decode(),
    )
    assert refreshed(referral).extended_days is None


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
