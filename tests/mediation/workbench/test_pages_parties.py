"""A party's particulars on the workbench: registered with what art. 29 needs, then edited on
the party's page (/cases/{id}/parties/{case_party_id}/), with their history."""

from __future__ import annotations

import datetime

import pytest

from mediation.cases.models import Dispute
from parties.models import Party, PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.workbench.helpers import (
    REGISTER,
    case,
    case_url,
    html,
    party,
    party_rows,
    traffic_case,
    web,
)


def party_url(dispute: Dispute, role: str = PartyRole.RESPONDENT) -> str:
    case_party = dispute.case_parties.get(role=role)
    return f"{case_url(dispute)}parties/{case_party.pk}/"


def record(dispute: Dispute, role: str = PartyRole.RESPONDENT) -> Party:
    return Party.objects.get(case_roles__dispute=dispute, case_roles__role=role)


# --- registration -----------------------------------------------------------------------------


def test_the_registration_rows_ask_for_the_particulars(world: World) -> None:
    rows = party_rows(web(world.clerk).get(REGISTER))
    for name in ("sex", "birth_date", "ethnicity", "occupation", "address"):
        assert f'name="parties-0-{name}"' in rows[1]
    assert 'name="parties-0-legal_representative"' in rows[1]
    assert '<option value="外国血统中国籍人士">' in rows[1]
    assert "js/particulars" in html(web(world.clerk).get(REGISTER))


def test_registering_takes_sex_and_birth_date_from_the_id_and_keeps_the_rest(
    world: World,
) -> None:
    data = traffic_case(
        **{
            "parties-0-ethnicity": "汉族",
            "parties-0-occupation": "出租车司机",
            "parties-0-address": "江西省南昌市东湖区八一大道100号",
            "parties-2-address": "江西省南昌市红谷滩区丰和中大道1000号",
            "parties-2-legal_representative": "刘海涛",
            "parties-2-legal_representative_title": "总经理",
        }
    )
    answer = web(world.clerk).post(REGISTER, data)
    assert answer.status_code == 303
    dispute = Dispute.objects.get()
    applicant = record(dispute, PartyRole.APPLICANT)
    assert (applicant.sex, applicant.birth_date) == ("female", datetime.date(1949, 12, 31))
    assert (applicant.ethnicity, applicant.occupation) == ("汉族", "出租车司机")
    insurer = record(dispute, PartyRole.THIRD_PARTY)
    assert (insurer.legal_representative, insurer.legal_representative_title) == (
        "刘海涛",
        "总经理",
    )


def test_a_sex_the_id_contradicts_is_shown_next_to_the_field(world: World) -> None:
    answer = web(world.clerk).post(REGISTER, traffic_case(**party(0, sex="male")))
    assert answer.status_code == 400
    row = party_rows(answer)[1]
    assert "The ID number says this person is Female." in row
    assert not Dispute.objects.exists()


# --- the party's page -------------------------------------------------------------------------


def test_the_case_page_links_each_party_to_its_page(world: World) -> None:
    dispute = case(world, "mediating", "FQ-P-1")
    answer = web(world.clerk).get(case_url(dispute))
    assert f'href="{party_url(dispute)}"' in html(answer)


def test_the_clerk_edits_particulars_and_the_history_shows_who_changed_what(
    world: World,
) -> None:
    dispute = case(world, "mediating", "FQ-P-2")
    client = web(world.clerk)
    page = client.get(party_url(dispute))
    assert page.status_code == 200
    assert 'name="occupation"' in html(page) and 'name="role"' not in html(page)
    current = record(dispute)
    answer = client.post(
        party_url(dispute),
        {
            "name": current.name,
            "id_type": current.id_type,
            "id_number": current.id_number,
            "phone": current.phone,
            "ethnicity": "苗族",
            "occupation": "个体工商户",
            "address": "江西省南昌市西湖区1号",
        },
    )
    assert answer.status_code == 303
    assert answer["Location"] == case_url(dispute)
    assert (record(dispute).ethnicity, record(dispute).occupation) == ("苗族", "个体工商户")
    history = html(client.get(party_url(dispute)))
    assert "个体工商户" in history
    username = world.clerk.last_name + world.clerk.first_name or world.clerk.username
    assert username in history


def test_a_birth_date_the_id_contradicts_is_400_next_to_the_field(world: World) -> None:
    dispute = case(world, "mediating", "FQ-P-3")
    current = record(dispute)
    answer = web(world.mediator).post(
        party_url(dispute),
        {
            "name": current.name,
            "id_type": current.id_type,
            "id_number": current.id_number,
            "birth_date": "2000-01-01",
        },
    )
    assert answer.status_code == 400
    assert "The ID number says this person was born on 1985-06-15." in html(answer)


def test_a_colleague_sees_the_page_without_a_form_and_a_post_is_403(world: World) -> None:
    dispute = case(world, "mediating", "FQ-P-4")
    client = web(world.second_mediator)
    page = client.get(party_url(dispute))
    assert page.status_code == 200 and 'name="occupation"' not in html(page)
    answer = client.post(party_url(dispute), {"name": "改名"})
    assert answer.status_code == 403
    assert record(dispute).name != "改名"


def test_another_body_gets_404(world: World) -> None:
    dispute = case(world, "mediating", "FQ-P-5")
    assert web(world.other_director).get(party_url(dispute)).status_code == 404


def test_a_closed_case_shows_no_form_and_refuses_with_409(world: World) -> None:
    dispute = case(world, "closed", "FQ-P-6")
    client = web(world.director)
    assert 'name="occupation"' not in html(client.get(party_url(dispute)))
    assert client.post(party_url(dispute), {"name": "改名"}).status_code == 409


def test_before_acceptance_the_role_changes_and_a_party_is_removed(world: World) -> None:
    dispute = case(world, "registered", "FQ-P-7")
    third = f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)
    client = web(world.clerk)
    url = f"{case_url(dispute)}parties/{third.pk}/"
    answer = client.post(url, {"name": third.party.name, "role": "respondent"})
    assert answer.status_code == 303
    third.refresh_from_db()
    assert third.role == "respondent"
    assert client.post(f"{url}remove/").status_code == 303
    assert not dispute.case_parties.filter(pk=third.pk).exists()


def test_the_phone_of_a_portal_users_record_is_refused_with_the_reason(world: World) -> None:
    dispute = case(world, "mediating", "FQ-P-8")
    answer = web(world.director).post(
        party_url(dispute, PartyRole.APPLICANT),
        {
            "name": world.party.name,
            "id_type": world.party.id_type,
            "id_number": world.party.id_number,
            "phone": "13912345678",
        },
    )
    assert answer.status_code == 409
    assert "portal" in html(answer)
    assert record(dispute, PartyRole.APPLICANT).phone == world.party.phone


@pytest.mark.parametrize("kind", ["person", "organization"])
def test_the_page_asks_only_what_the_kind_has(world: World, kind: str) -> None:
    dispute = case(world, "mediating", f"FQ-P-9{kind[0]}")
    if kind == "organization":
        f.CasePartyFactory(
            dispute=dispute,
            party=f.OrganizationFactory(body=world.body),
            role=PartyRole.THIRD_PARTY,
        )
    page = html(
        web(world.clerk).get(party_url(dispute, "third_party" if kind[0] == "o" else "respondent"))
    )
    assert ('name="legal_representative"' in page) == (kind == "organization")
    assert ('name="sex"' in page) == (kind == "person")
