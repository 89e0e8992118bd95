"""A respondent's answer to mediation (People's Mediation Law art. 17): recorded by the body's
clerk or director before acceptance; a refusal blocks `accept`, and the director declines on that
ground; the answers show on the case page and in the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mediation.cases import services
from mediation.cases.models import Dispute, TransitionLog
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from parties import consents
from parties.models import MediationConsent
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.workbench.helpers import case_url, html, web


def respondent_of(dispute: Dispute) -> int:
    return dispute.case_parties.get(role="respondent").pk


def answer(world: World, dispute: Dispute, value: str, reason: str = "") -> MediationConsent:
    return consents.record_mediation_consent(
        actor=world.clerk,
        dispute_id=dispute.pk,
        case_party_id=respondent_of(dispute),
        answer=value,
        channel="phone",
        reason=reason,
    )


def test_a_refusal_blocks_accept_until_the_respondent_agrees(
    world: World, dispute: Dispute
) -> None:
    answer(world, dispute, "refuses", "不同意调解，要求直接起诉")
    with pytest.raises(Conflict) as refused:
        services.take_transition(actor=world.clerk, dispute_id=dispute.pk, name="accept")
    assert "第十七条" in " ".join(refused.value.details)
    assert Dispute.objects.get(pk=dispute.pk).state == "registered"

    # The latest answer counts: persuaded, the respondent agrees after all.
    answer(world, dispute, "agrees")
    services.take_transition(actor=world.clerk, dispute_id=dispute.pk, name="accept")
    assert Dispute.objects.get(pk=dispute.pk).state == "accepted"
    assert MediationConsent.objects.filter(case_party__dispute=dispute).count() == 2


def test_no_answer_recorded_is_no_refusal(world: World, dispute: Dispute) -> None:
    services.take_transition(actor=world.clerk, dispute_id=dispute.pk, name="accept")
    assert Dispute.objects.get(pk=dispute.pk).state == "accepted"


def test_bad_answers_are_400_and_store_nothing(world: World, dispute: Dispute) -> None:
    applicant = dispute.case_parties.get(role="applicant").pk
    # A respondent of another case of the same body: never answered for through this one.
    elsewhere = f.CasePartyFactory(dispute=f.DisputeFactory(body=world.body), role="respondent")
    for case_party, value, channel, reason, field in (
        (applicant, "agrees", "phone", "", "case_party"),
        (elsewhere.pk, "agrees", "phone", "", "case_party"),
        ("x", "agrees", "phone", "", "case_party"),
        (respondent_of(dispute), "maybe", "phone", "", "answer"),
        (respondent_of(dispute), "agrees", "online", "", "channel"),
        (respondent_of(dispute), "refuses", "in_person", " ", "reason"),
    ):
        with pytest.raises(ValidationError) as bad:
            consents.record_mediation_consent(
                actor=world.clerk,
                dispute_id=dispute.pk,
                case_party_id=case_party,
                answer=value,
                channel=channel,
                reason=reason,
            )
        assert field in bad.value.message_dict
    assert not MediationConsent.objects.exists()


def test_only_the_bodys_clerks_and_directors_record_and_only_before_acceptance(
    world: World, dispute: Dispute
) -> None:
    for outsider, refusal in ((world.mediator.user, Forbidden), (world.other_director, NotFound)):
        with pytest.raises(refusal):
            consents.record_mediation_consent(
                actor=outsider,
                dispute_id=dispute.pk,
                case_party_id=respondent_of(dispute),
                answer="agrees",
                channel="phone",
            )
    services.take_transition(actor=world.clerk, dispute_id=dispute.pk, name="accept")
    with pytest.raises(Conflict):
        answer(world, dispute, "agrees")


def test_the_api_lists_and_records_answers(world: World, dispute: Dispute) -> None:
    url = f"/api/v1/disputes/{dispute.pk}/mediation-consents/"
    created = client_for(world.director).post(
        url,
        {
            "case_party": respondent_of(dispute),
            "answer": "refuses",
            "channel": "in_person",
            "reason": "拒绝调解",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["answer"] == "refuses"
    listed = client_for(world.mediator.user).get(url)
    assert listed.status_code == 200 and [a["reason"] for a in listed.json()] == ["拒绝调解"]
    assert client_for(world.other_director).get(url).status_code == 404
    bad = client_for(world.director).post(
        url, {"case_party": respondent_of(dispute)}, format="json"
    )
    assert bad.status_code == 400 and {"answer", "channel"} <= set(bad.json())
    stopped = client_for(world.clerk).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/accept/", {}, format="json"
    )
    assert stopped.status_code == 409
    declined = client_for(world.director).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/decline/",
        {"ground": "respondent_refuses", "advice": "可依法向人民法院提起诉讼"},
        format="json",
    )
    assert declined.status_code == 200
    assert TransitionLog.objects.get(dispute=dispute, transition="decline").data["ground"] == (
        "respondent_refuses"
    )


def test_the_case_page_records_an_answer(world: World, dispute: Dispute) -> None:
    page = html(web(world.clerk).get(case_url(dispute)))
    assert "data-mediation-consents" in page and "No answer recorded" in page
    answered = web(world.clerk).post(
        f"{case_url(dispute)}mediation-consents/",
        {"case_party": respondent_of(dispute), "answer": "agrees", "channel": "in_person"},
    )
    assert answered.status_code == 303
    again = html(web(world.clerk).get(case_url(dispute)))
    assert "Agrees to mediation" in again
    missing = web(world.clerk).post(
        f"{case_url(dispute)}mediation-consents/",
        {"case_party": respondent_of(dispute), "answer": "refuses", "channel": "phone"},
    )
    assert missing.status_code == 400 and "Record what the respondent said." in html(missing)
    assert "data-record-answer" not in html(web(world.mediator.user).get(case_url(dispute)))
