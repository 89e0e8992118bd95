"""The workbench case page (/cases/<id>/) and the transitions taken through it: what it shows, the
buttons it offers, and every answer a transition's form can get. Driven in English, so the
services' own messages can be matched; transitions are checked against the database, never
only against the HTML.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from documents.agreements import add_terms
from mediation.cases.models import Dispute, TransitionLog
from mediation.cases.selectors import available_transitions
from tests import factories as f
from tests.conftest import World
from tests.mediation.workbench.helpers import (
    QUEUE,
    buttons,
    case,
    case_url,
    html,
    state_of,
    transition_url,
    web,
)

# --- the case page -------------------------------------------------------------------------------


def test_the_case_page_shows_the_case(world: World) -> None:
    dispute = case(world, "mediating", "FQ-CASE", title="两车追尾人身损害赔偿")
    applicant = world.party
    client = web(world.director)
    answer = client.get(case_url(dispute))

    assert answer.status_code == 200
    page = html(answer)
    assert "FQ-CASE" in page and "两车追尾人身损害赔偿" in page
    assert "¥10,000.00" in page  # the factory's claimed amount
    # The body's staff see personal numbers in full.
    assert applicant.id_number in page and applicant.phone in page
    assert "第一调解室" in page  # the session's place
    assert world.mediator.display_name in page


def test_the_timeline_referrals_and_documents(world: World) -> None:
    dispute = case(world, "registered", "FQ-TL", mediator=None)
    client = web(world.clerk)
    client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})
    director = web(world.director)
    director.post(
        transition_url(dispute, "assign"),
        {"expected_state": "accepted", "mediator": world.mediator.pk, "track": "people"},
    )

    page = html(director.get(case_url(dispute)))

    log = page[page.index('id="log-heading"') :]
    assert "Accept" in log and "Assign" in log
    assert "Registered → Accepted" in log and "Accepted → Assigned" in log
    assert f"Mediator: {world.mediator.display_name}" in log
    # Accepted: the acceptance notice is available, from the API's PDF address.
    assert f'href="/api/v1/disputes/{dispute.pk}/documents/acceptance_notice/pdf/"' in page


def test_a_referral_of_the_case_is_listed(world: World) -> None:
    from courts import services as court_services

    dispute = case(world, "failed", "FQ-REF")
    referral = court_services.send_referral(
        actor=world.director, dispute_id=dispute.pk, kind="litigation", court=world.court
    )

    page = html(web(world.director).get(case_url(dispute)))

    assert f'href="/court/referrals/{referral.pk}/"' in page
    assert "Referral to litigation" in page and world.court.name in page


def test_the_agreement_status_shows_who_has_signed(world: World) -> None:
    dispute = case(world, "agreed", "FQ-AGR")
    add_terms(dispute, "被申请人一次性支付申请人人民币5000元。", actor=None)

    page = html(web(world.mediator).get(case_url(dispute)))

    assert "被申请人一次性支付申请人人民币5000元。" in page
    assert page.count("Not signed yet") == 2  # applicant and respondent


def with_agreement(dispute: Dispute) -> Dispute:
    add_terms(dispute, "被申请人一次性支付申请人人民币5000元。", actor=None)
    return dispute


# (state, who, extra setup) → exactly these buttons, and they are those of the FSM.
BUTTON_CASES = [
    ("registered", "clerk", None, {"accept", "withdraw"}),
    ("registered", "director", None, {"accept", "decline"}),
    ("registered", "mediator", None, {"withdraw"}),
    ("accepted", "director", None, {"assign"}),
    ("accepted", "clerk", None, {"withdraw"}),
    ("assigned", "director", None, {"reassign", "fail"}),
    ("assigned", "mediator", None, {"start", "fail", "withdraw"}),
    ("mediating", "mediator", None, {"record_oral_agreement", "fail", "withdraw"}),
    (
        "mediating",
        "mediator",
        with_agreement,
        {"draft_agreement", "record_oral_agreement", "fail", "withdraw"},
    ),
    ("mediating", "director", None, {"reassign", "fail"}),
    ("mediating", "second_mediator", None, set()),
    ("agreed", "mediator", with_agreement, {"revise", "fail", "withdraw"}),
    ("signed", "mediator", None, {"apply_confirmation", "close"}),
    ("signed", "clerk", None, set()),
    ("failed", "director", None, {"refer_to_court", "close"}),
    ("closed", "director", None, set()),
]


@pytest.mark.parametrize(("state", "who", "setup", "expected"), BUTTON_CASES)
def test_the_buttons_are_exactly_the_transitions_the_user_may_take(
    world: World, state: str, who: str, setup: Any, expected: set[str]
) -> None:
    dispute = case(world, state, "FQ-BTN")
    if setup is not None:
        setup(dispute)
    user = getattr(world, who)
    user = getattr(user, "user", user)

    answer = web(user).get(case_url(dispute))

    assert answer.status_code == 200
    assert buttons(answer) == expected
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert buttons(answer) == {t.name for t in available_transitions(fresh, user)}
    if not expected:
        assert "There is nothing for you to do on this case now." in html(answer)


def test_transition_forms_carry_the_state_seen_and_guard_against_double_clicks(
    world: World,
) -> None:
    dispute = case(world, "registered", "FQ-FORM", mediator=None)
    page = html(web(world.director).get(case_url(dispute)))

    form = re.search(r'<form[^>]*data-transition="decline"[^>]*>(.*?)</form>', page, flags=re.S)
    assert form is not None
    assert 'name="expected_state" value="registered"' in form.group(1)
    assert re.search(r'<form[^>]*data-transition="decline"[^>]*hx-disabled-elt=', page)
    assert re.search(r'<label for="id_decline_ground">', form.group(1))
    assert re.search(r'<label for="id_decline_advice">', form.group(1))


# --- taking transitions --------------------------------------------------------------------------


def test_accepting_redirects_to_the_case_with_a_message(world: World) -> None:
    dispute = case(world, "registered", "FQ-ACC", mediator=None)
    client = web(world.clerk)

    answer = client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})

    assert answer.status_code == 303
    assert answer["Location"] == case_url(dispute)
    assert state_of(dispute) == "accepted"
    entry = TransitionLog.objects.filter(dispute=dispute, transition="accept").get()
    assert entry.actor == world.clerk
    followed = client.get(answer["Location"])
    assert "“Accept” has been recorded." in html(followed)
    assert 'data-state="accepted"' in html(followed)


def test_assigning_a_mediator(world: World) -> None:
    dispute = case(world, "accepted", "FQ-ASSIGN", mediator=None, track="")
    page = html(web(world.director).get(case_url(dispute)))
    options = re.search(
        r'<select name="mediator"[^>]*id="id_assign_mediator"[^>]*>(.*?)</select>', page, flags=re.S
    )
    assert options is not None
    assert world.mediator.display_name in options.group(1)
    assert world.other_mediator.display_name not in options.group(1)  # another body's

    answer = web(world.director).post(
        transition_url(dispute, "assign"),
        {"expected_state": "accepted", "mediator": world.second_mediator.pk, "track": "people"},
    )

    assert answer.status_code == 303
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.state, fresh.mediator_id, fresh.track) == (
        "assigned",
        world.second_mediator.pk,
        "people",
    )


def test_a_missing_reason_is_400_next_to_the_field_and_changes_nothing(world: World) -> None:
    dispute = case(world, "registered", "FQ-DECL", mediator=None)

    answer = web(world.director).post(
        transition_url(dispute, "decline"),
        {"expected_state": "registered", "ground": "other", "advice": "人民法院", "reason": "  "},
    )

    assert answer.status_code == 400
    form = re.search(r'<form[^>]*data-transition="decline"[^>]*>(.*?)</form>', html(answer), re.S)
    assert form is not None and "Say why the case is declined." in form.group(1)
    assert '<details class="step" open>' in html(answer)
    assert state_of(dispute) == "registered"
    assert not TransitionLog.objects.filter(dispute=dispute, transition="decline").exists()


def test_a_service_refusal_keeps_what_was_typed(world: World) -> None:
    dispute = case(world, "assigned", "FQ-REASSIGN")

    # Reassigning to the same mediator and track changes nothing: the service refuses it.
    answer = web(world.director).post(
        transition_url(dispute, "reassign"),
        {
            "expected_state": "assigned",
            "mediator": world.mediator.pk,
            "track": "people",
            "reason": "当事人申请回避",
        },
    )

    assert answer.status_code == 400
    form = re.search(r'<form[^>]*data-transition="reassign"[^>]*>(.*?)</form>', html(answer), re.S)
    assert form is not None
    assert "Reassigning must change the mediator, body or track." in form.group(1)
    assert "当事人申请回避</textarea>" in form.group(1)
    assert Dispute.objects.get(pk=dispute.pk).mediator_id == world.mediator.pk


def test_an_unknown_choice_is_400(world: World) -> None:
    dispute = case(world, "signed", "FQ-CLOSE")

    answer = web(world.mediator).post(
        transition_url(dispute, "close"), {"expected_state": "signed", "outcome": "court_decided"}
    )

    assert answer.status_code == 400  # not an outcome for a signed case
    assert state_of(dispute) == "signed"
    answer = web(world.mediator).post(
        transition_url(dispute, "close"), {"expected_state": "signed", "outcome": "performed"}
    )
    assert answer.status_code == 303
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.state, fresh.close_outcome) == ("closed", "performed")


def test_a_double_click_acts_once_and_answers_409_with_the_case_as_it_is(world: World) -> None:
    dispute = case(world, "registered", "FQ-TWICE", mediator=None)
    client = web(world.clerk)

    first = client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})
    second = client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})

    assert first.status_code == 303
    assert second.status_code == 409
    page = html(second)
    assert "This case has changed: it is now “Accepted”." in page
    assert f'href="{case_url(dispute)}">Reload</a>' in page
    assert 'data-state="accepted"' in page
    assert "accept" not in buttons(second)
    assert TransitionLog.objects.filter(dispute=dispute, transition="accept").count() == 1


def test_a_second_click_on_close_is_409_not_a_form_error(world: World) -> None:
    # Once closed, "close" has no outcomes to choose from: the stale click still reads as such.
    dispute = case(world, "failed", "FQ-CLOSE-TWICE")
    client = web(world.director)
    data = {"expected_state": "failed", "outcome": "no_further_action"}

    assert client.post(transition_url(dispute, "close"), data).status_code == 303
    second = client.post(transition_url(dispute, "close"), data)

    assert second.status_code == 409
    assert "This case has changed: it is now “Closed”." in html(second)
    assert TransitionLog.objects.filter(dispute=dispute, transition="close").count() == 1


def test_a_stale_page_cannot_act_on_a_moved_case(world: World) -> None:
    # The director's page still says "registered" after the clerk accepted.
    dispute = case(world, "registered", "FQ-STALE", mediator=None)
    web(world.clerk).post(transition_url(dispute, "accept"), {"expected_state": "registered"})

    answer = web(world.director).post(
        transition_url(dispute, "decline"),
        {"expected_state": "registered", "ground": "outside_remit", "advice": "区司法局"},
    )

    assert answer.status_code == 409
    assert state_of(dispute) == "accepted"
    assert buttons(answer) == {"assign"}


def test_an_unmet_guard_is_409_with_the_reason(world: World) -> None:
    dispute = case(world, "assigned", "FQ-GUARD")
    dispute.sessions.all().delete()

    answer = web(world.mediator).post(
        transition_url(dispute, "start"), {"expected_state": "assigned"}
    )

    assert answer.status_code == 409
    assert "No mediation session has been scheduled or held." in html(answer)
    assert state_of(dispute) == "assigned"


def test_a_transition_the_user_may_not_take_is_403(world: World) -> None:
    dispute = case(world, "registered", "FQ-403", mediator=None)

    answer = web(world.mediator).post(
        transition_url(dispute, "decline"),
        {"expected_state": "registered", "ground": "not_civil", "advice": "公安机关"},
    )

    assert answer.status_code == 403
    assert "You may not “Decline” this case." in html(answer)
    assert state_of(dispute) == "registered"


def test_unknown_transitions_and_get_requests(world: World) -> None:
    dispute = case(world, "agreed", "FQ-404")
    client = web(world.mediator)

    assert client.post(transition_url(dispute, "nonsense"), {}).status_code == 404
    # `sign` is fired by the last signature, never by a button.
    assert (
        client.post(transition_url(dispute, "sign"), {"expected_state": "agreed"}).status_code
        == 404
    )
    # A transition's address is not a page: a GET is sent to the case.
    answer = client.get(transition_url(dispute, "revise"))
    assert (answer.status_code, answer["Location"]) == (302, f"{QUEUE}{dispute.pk}/")
    assert client.get(f"{QUEUE}999999/").status_code == 404
    assert state_of(dispute) == "agreed"


def test_recording_the_agreement(world: World) -> None:
    dispute = with_agreement(case(world, "mediating", "FQ-DRAFT"))

    answer = web(world.mediator).post(
        transition_url(dispute, "draft_agreement"), {"expected_state": "mediating", "terms": ""}
    )

    assert answer.status_code == 303
    assert state_of(dispute) == "agreed"


def test_referring_to_court_offers_the_courts(world: World) -> None:
    dispute = case(world, "failed", "FQ-SUE")
    page = html(web(world.director).get(case_url(dispute)))
    assert world.court.name in page and world.other_court.name in page

    answer = web(world.director).post(
        transition_url(dispute, "refer_to_court"),
        {"expected_state": "failed", "court": world.court.pk},
    )

    assert answer.status_code == 303
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.state, fresh.court_id) == ("referred", world.court.pk)


def _scheduled_session(world: World, dispute: Dispute, hours: int) -> Any:
    return f.MediationSessionFactory(
        dispute=dispute,
        status="scheduled",
        minutes="",
        scheduled_at=timezone.now() + datetime.timedelta(hours=hours),
    )


def test_after_a_session_the_mediator_records_its_minutes(world: World) -> None:
    dispute = case(world, "mediating", "FQ-MIN")
    past = _scheduled_session(world, dispute, hours=-2)
    future = _scheduled_session(world, dispute, hours=30)
    mediator = web(world.mediator)
    url = f"{case_url(dispute)}sessions/{past.pk}/"

    page = html(mediator.get(case_url(dispute)))
    assert f'data-outcome="{past.pk}"' in page and f'data-outcome="{future.pk}"' in page

    empty = mediator.post(url, {"status": "held", "minutes": "  "})
    assert empty.status_code == 400 and 'id="id_outcome' in html(empty)
    not_yet = mediator.post(
        f"{case_url(dispute)}sessions/{future.pk}/", {"status": "held", "minutes": "x"}
    )
    assert not_yet.status_code == 400
    assert web(world.clerk).post(url, {"status": "held", "minutes": "x"}).status_code == 403
    assert (
        web(world.other_director).post(url, {"status": "held", "minutes": "x"}).status_code == 404
    )

    done = mediator.post(url, {"status": "held", "minutes": "双方陈述意见，同意继续协商。"})
    assert done.status_code == 303
    past.refresh_from_db()
    assert (past.status, past.minutes) == ("held", "双方陈述意见，同意继续协商。")
    assert mediator.post(url, {"status": "cancelled"}).status_code == 409  # recorded already
    assert "双方陈述意见" in html(mediator.get(case_url(dispute)))
