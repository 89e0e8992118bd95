"""Each party signs the notice of their rights and duties (人民调解当事人权利义务告知书); the
body's staff record it once per party while the case is open, on the page or through the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mediation.cases.models import Dispute
from mediation.kernel.exceptions import Conflict, Forbidden
from parties import consents
from parties.models import RightsAcknowledgement
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.workbench.helpers import case_url, html, web


def party_of(dispute: Dispute, role: str) -> int:
    return dispute.case_parties.get(role=role).pk


def test_each_party_acknowledges_once(world: World, dispute: Dispute) -> None:
    first = consents.record_rights_acknowledgement(
        actor=world.clerk, dispute_id=dispute.pk, case_party_id=party_of(dispute, "applicant")
    )
    assert (first.channel, first.recorded_by) == ("in_person", world.clerk)
    with pytest.raises(Conflict):
        consents.record_rights_acknowledgement(
            actor=world.director,
            dispute_id=dispute.pk,
            case_party_id=party_of(dispute, "applicant"),
        )
    assert RightsAcknowledgement.objects.count() == 1


def test_an_agent_is_no_party_to_acknowledge_and_strangers_may_not(
    world: World, dispute: Dispute
) -> None:
    agent = f.CasePartyFactory(
        dispute=dispute, role="agent", represents=dispute.case_parties.get(role="applicant")
    )
    with pytest.raises(ValidationError) as bad:
        consents.record_rights_acknowledgement(
            actor=world.clerk, dispute_id=dispute.pk, case_party_id=agent.pk
        )
    assert "case_party" in bad.value.message_dict
    elsewhere = f.CasePartyFactory(dispute=f.DisputeFactory(body=world.body), role="applicant")
    with pytest.raises(ValidationError):
        consents.record_rights_acknowledgement(
            actor=world.clerk, dispute_id=dispute.pk, case_party_id=elsewhere.pk
        )
    with pytest.raises(Forbidden):
        consents.record_rights_acknowledgement(
            actor=world.second_mediator.user,
            dispute_id=dispute.pk,
            case_party_id=party_of(dispute, "respondent"),
        )
    assert not RightsAcknowledgement.objects.exists()


def test_the_api_and_the_page_record_and_show_it(world: World, dispute: Dispute) -> None:
    url = f"/api/v1/disputes/{dispute.pk}/rights-acknowledgements/"
    created = client_for(world.clerk).post(
        url, {"case_party": party_of(dispute, "respondent")}, format="json"
    )
    assert created.status_code == 201, created.content
    assert [row["case_party"] for row in client_for(world.director).get(url).json()] == [
        party_of(dispute, "respondent")
    ]
    assert client_for(world.clerk).post(url, {}, format="json").status_code == 400

    page = html(web(world.clerk).get(case_url(dispute)))
    assert "data-rights-notice" in page and "Notice not signed yet" in page
    signed = web(world.clerk).post(
        f"{case_url(dispute)}rights-acknowledgements/",
        {"case_party": party_of(dispute, "applicant")},
    )
    assert signed.status_code == 303
    assert "Notice not signed yet" not in html(web(world.clerk).get(case_url(dispute)))


def test_the_row_names_the_party_with_a_chinese_colon_in_chinese(
    world: World, dispute: Dispute
) -> None:
    applicant = dispute.case_parties.get(role="applicant")
    page = html(web(world.clerk).get(case_url(dispute), headers={"accept-language": "zh-hans"}))
    assert f'<span class="who">申请人：{applicant.party.name}</span>' in page
