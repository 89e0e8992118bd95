"""The court inbox pages (/court/referrals/): every step by form, and the answers to steps
that are refused, stale, not allowed or not possible now.

Referrals are made through `courts.services` as a court or a body would make them; the pages
are driven with Django's test client in English, so the service's own messages can be matched.
"""

from __future__ import annotations

import datetime
import re

from courts import services
from courts.models import Referral, ReferralLog
from mediation.cases.models import Dispute
from parties.models import CaseParty
from tests import factories as f
from tests.conftest import World
from tests.courts.inbox_helpers import (
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


def log_count(referral: Referral) -> int:
    return ReferralLog.objects.filter(referral=referral).count()


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
