"""The joint application for judicial confirmation (People's Mediation Law art. 33; Civil
Procedure Law arts. 205–206): every applicant and respondent consents — in person before the
mediator, online with a code, or through an agent with a special power of attorney — before the
mediator applies; the court must have jurisdiction; status matters of a family are refused."""

from __future__ import annotations

import re
from typing import Any

import pytest

from courts.models import ConfirmationConsent
from documents.sms import MemorySmsBackend
from mediation.cases.models import Dispute
from parties.models import CaseParty, PartyRole
from tests import factories as f
from tests.conftest import World, client_for
from tests.courts.api_helpers import REFERRALS, dispute_step, snapshot, step
from tests.mediation.helpers import dispute_in


def consents_url(dispute: Dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/confirmation-consents/"


def unconsented(world: World, **fields: Any) -> Dispute:
    """A signed case whose parties have not consented yet."""
    dispute = dispute_in(world, "signed", court=None, **fields)
    # `dispute_in` gives the consents; take a case without them by voiding them as a revision
    # would, so that the record stays as the services keep it.
    ConfirmationConsent.objects.filter(dispute=dispute).update(
        voided_at=dispute.created_at, void_reason="revise"
    )
    return dispute


def principals(dispute: Dispute) -> tuple[CaseParty, CaseParty]:
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT)
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    return applicant, respondent


def consent_in_person(world: World, dispute: Dispute, party: CaseParty, **extra: Any) -> Any:
    return client_for(world.mediator.user).post(
        consents_url(dispute), {"party": party.pk, "method": "in_person", **extra}, format="json"
    )


def apply(world: World, dispute: Dispute, court: Any) -> Any:
    return dispute_step(
        client_for(world.mediator.user), dispute.pk, "apply_confirmation", court=court.pk
    )


@pytest.fixture
def sms(settings: Any) -> list[tuple[str, str]]:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


# --- consents ------------------------------------------------------------------------------------


def test_a_joint_application_needs_every_applicant_and_respondent(world: World) -> None:
    dispute = unconsented(world)
    applicant, respondent = principals(dispute)
    f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)  # need not join

    assert consent_in_person(world, dispute, applicant).status_code == 201
    before = snapshot()
    refused = apply(world, dispute, world.court)
    assert refused.status_code == 409
    assert respondent.party.name in str(refused.data)
    assert applicant.party.name not in str(refused.data["reasons"])
    assert snapshot() == before

    assert consent_in_person(world, dispute, respondent).status_code == 201
    applied = apply(world, dispute, world.court)
    assert applied.status_code == 200, applied.data
    assert applied.data["state"] == "confirming"

    listed = client_for(world.mediator.user).get(consents_url(dispute)).data
    live = [c for c in listed if c["voided_at"] is None]
    assert {(c["party"], c["method"]) for c in live} == {
        (applicant.pk, "in_person"),
        (respondent.pk, "in_person"),
    }
    assert all(c["recorded_by"] == world.mediator.user.get_username() for c in live)


def test_only_the_mediator_applies_and_only_the_mediator_records_in_person(world: World) -> None:
    dispute = dispute_in(world, "signed", court=None)
    assert (
        dispute_step(
            client_for(world.party_user), dispute.pk, "apply_confirmation", court=world.court.pk
        ).status_code
        == 403
    )
    applicant, _ = principals(dispute)
    by_clerk = client_for(world.clerk).post(
        consents_url(dispute), {"party": applicant.pk, "method": "in_person"}, format="json"
    )
    assert by_clerk.status_code == 403


def test_a_consent_is_given_once_and_a_third_party_does_not_consent(world: World) -> None:
    dispute = unconsented(world)
    applicant, _ = principals(dispute)
    third = f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)
    assert consent_in_person(world, dispute, applicant).status_code == 201
    assert consent_in_person(world, dispute, applicant).status_code == 409
    refused = consent_in_person(world, dispute, third)
    assert refused.status_code == 400 and "party" in refused.data


def test_an_agent_consents_only_with_a_special_power_of_attorney(world: World) -> None:
    dispute = unconsented(world)
    applicant, respondent = principals(dispute)
    agent = f.CasePartyFactory(dispute=dispute, role=PartyRole.AGENT, represents=respondent)

    refused = consent_in_person(world, dispute, respondent, given_by=agent.pk)
    assert refused.status_code == 400
    assert "given_by" in refused.data and agent.party.name in str(refused.data)

    poa = f"/api/v1/disputes/{dispute.pk}/parties/{agent.pk}/power-of-attorney/"
    incomplete = client_for(world.clerk).put(poa, {"scope": ["confirmation"]}, format="json")
    assert incomplete.status_code == 400 and {"dated", "document"} <= set(incomplete.data)
    by_stranger = client_for(world.other_director).put(
        poa, {"scope": ["confirmation"], "dated": "2026-11-01", "document": "授权委托书"}
    )
    assert by_stranger.status_code == 404
    recorded = client_for(world.clerk).put(
        poa,
        {"scope": ["sign", "confirmation"], "dated": "2026-11-01", "document": "授权委托书第7号"},
        format="json",
    )
    assert recorded.status_code == 200, recorded.data
    assert recorded.data["scope"] == ["sign", "confirmation"]

    given = consent_in_person(world, dispute, respondent, given_by=agent.pk)
    assert given.status_code == 201, given.data
    assert (given.data["party"], given.data["given_by"]) == (respondent.pk, agent.pk)
    # The agent of one party does not consent for another.
    other = consent_in_person(world, dispute, applicant, given_by=agent.pk)
    assert other.status_code == 400


def test_a_party_consents_online_with_the_code_sent_to_their_phone(
    world: World, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    dispute = unconsented(world)
    applicant, _ = principals(dispute)
    assert applicant.party.user_id == world.party_user.pk
    party = client_for(world.party_user)
    with django_capture_on_commit_callbacks(execute=True):
        sent = party.post(f"{consents_url(dispute)}code/", {"party": applicant.pk}, format="json")
    assert sent.status_code == 201, sent.data
    code = re.findall(r"(?<!\d)(\d{6})(?!\d)", sms[-1][1])[-1]

    wrong = party.post(
        consents_url(dispute),
        {"party": applicant.pk, "method": "online", "code": f"{(int(code) + 1) % 10**6:06d}"},
        format="json",
    )
    assert wrong.status_code == 400 and "code" in wrong.data
    assert not ConfirmationConsent.objects.live().filter(dispute=dispute).exists()
    given = party.post(
        consents_url(dispute),
        {"party": applicant.pk, "method": "online", "code": code},
        format="json",
    )
    assert given.status_code == 201, given.data
    assert given.data["method"] == "online"
    # Nobody consents online for a party they do not act for.
    _, respondent = principals(dispute)
    not_mine = party.post(f"{consents_url(dispute)}code/", {"party": respondent.pk}, format="json")
    assert not_mine.status_code == 400


def test_consents_are_voided_when_the_court_denies_confirmation(world: World) -> None:
    dispute = dispute_in(world, "signed", court=None)
    referral = (
        client_for(world.mediator.user)
        .post(
            REFERRALS,
            {"kind": "confirmation", "dispute": dispute.pk, "court": world.court.pk},
            format="json",
        )
        .data
    )
    court = client_for(world.court_user)
    assert step(court, referral["id"], "receive").status_code == 200
    denied = step(court, referral["id"], "decide", decision="denied", reason="协议内容违法")
    assert denied.status_code == 200, denied.data
    assert not ConfirmationConsent.objects.live().filter(dispute=dispute).exists()
    listed = client_for(world.mediator.user).get(consents_url(dispute)).data
    assert listed and all(c["void_reason"] == "deny_confirmation" for c in listed)


# --- jurisdiction --------------------------------------------------------------------------------


def test_the_body_s_basic_court_has_jurisdiction(world: World) -> None:
    world.body.court = world.court
    world.body.save()
    dispute = dispute_in(world, "signed", court=None)
    wrong = apply(world, dispute, world.other_court)
    assert wrong.status_code == 400
    assert world.court.name in str(wrong.data["court"])
    assert apply(world, dispute, world.court).status_code == 200


def test_an_intermediate_court_configured_for_the_matter(world: World, settings: Any) -> None:
    intermediate = f.CourtFactory(name="南昌市中级人民法院", code="赣01", level="intermediate")
    settings.FENGQIAO_CONFIRMATION_INTERMEDIATE_COURTS = {"financial": "赣01"}
    world.body.court = world.court
    world.body.save()
    financial = dispute_in(world, "signed", court=None, category="financial")
    refused = apply(world, financial, world.court)
    assert refused.status_code == 400 and intermediate.name in str(refused.data["court"])
    assert apply(world, financial, intermediate).status_code == 200
    medical = dispute_in(world, "signed", court=None, category="medical")
    assert apply(world, medical, intermediate).status_code == 400


# --- family status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matter", "status", "said"),
    [
        ("marriage_status", 409, "marriage"),
        ("parentage_status", 409, "parentage"),
        ("adoption_status", 409, "adoption"),
        ("", 409, "family case needs its matter"),
        ("support", 200, ""),
        ("inheritance", 200, ""),
    ],
)
def test_status_matters_of_a_family_are_not_confirmed(
    world: World, matter: str, status: int, said: str
) -> None:
    dispute = dispute_in(world, "signed", court=None, category="family", family_matter=matter)
    with_lang = client_for(world.mediator.user)
    response = with_lang.post(
        f"/api/v1/disputes/{dispute.pk}/transitions/apply_confirmation/",
        {"court": world.court.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == status, response.data
    if said:
        assert said in str(response.data).lower()
