"""The API of a party's particulars: registering with what art. 29 needs, and
`PATCH`/`DELETE /api/v1/disputes/{id}/parties/{case_party_id}/`."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from parties.models import CaseParty, Party, PartyRole
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in

pytestmark = pytest.mark.django_db

WOMAN = "11010519491231002X"


def url(dispute: Any, case_party: CaseParty) -> str:
    return f"/api/v1/disputes/{dispute.pk}/parties/{case_party.pk}/"


def respondent(dispute: Any) -> CaseParty:
    return dispute.case_parties.get(role=PartyRole.RESPONDENT)


def register(world: World, parties: list[dict[str, Any]]) -> Any:
    return client_for(world.clerk).post(
        "/api/v1/disputes/",
        {
            "category": "traffic",
            "channel": "police",
            "body": world.body.pk,
            "title": "两车追尾人身损害赔偿",
            "received_at": datetime.date.today().isoformat(),
            "parties": parties,
        },
        format="json",
    )


def test_registering_a_person_and_an_organization_with_their_particulars(world: World) -> None:
    answer = register(
        world,
        [
            {
                "role": "applicant",
                "kind": "person",
                "name": "王秀英",
                "id_type": "resident_id",
                "id_number": WOMAN,
                "ethnicity": "满族",
                "occupation": "退休职工",
                "address": "江西省南昌市东湖区八一大道100号",
            },
            {
                "role": "respondent",
                "kind": "organization",
                "name": "某财产保险股份有限公司南昌分公司",
                "id_type": "uscc",
                "id_number": f.uscc(5),
                "organization_type": "insurer",
                "address": "江西省南昌市红谷滩区丰和中大道1000号",
                "legal_representative": "刘海涛",
                "legal_representative_title": "总经理",
            },
        ],
    )
    assert answer.status_code == 201, answer.json()
    person, insurer = answer.json()["parties"]
    assert (person["sex"], person["birth_date"], person["ethnicity"]) == (
        "female",
        "1949-12-31",
        "满族",
    )
    assert insurer["legal_representative"] == "刘海涛"
    assert insurer["address"] == "江西省南昌市红谷滩区丰和中大道1000号"


def test_registering_a_sex_the_id_contradicts_is_400_on_that_field(world: World) -> None:
    answer = register(
        world,
        [
            {
                "role": "applicant",
                "kind": "person",
                "name": "王秀英",
                "id_type": "resident_id",
                "id_number": WOMAN,
                "sex": "male",
            }
        ],
    )
    assert answer.status_code == 400
    assert "sex" in str(answer.json())


def test_an_organization_sends_no_sex_and_a_person_no_legal_representative(world: World) -> None:
    answer = register(
        world,
        [
            {"role": "applicant", "kind": "person", "name": "王秀英", "legal_representative": "x"},
            {"role": "respondent", "kind": "organization", "name": "某公司", "sex": "male"},
        ],
    )
    assert answer.status_code == 400
    text = str(answer.json())
    assert "legal_representative" in text and "sex" in text


def test_patch_edits_the_particulars_and_answers_the_party(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    answer = client_for(world.mediator.user).patch(
        url(dispute, respondent(dispute)),
        {"ethnicity": "壮族", "occupation": "货车司机", "address": "江西省南昌市青山湖区1号"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["ethnicity"], body["occupation"]) == ("壮族", "货车司机")
    assert body["address"] == "江西省南昌市青山湖区1号"  # the body's staff see it in full


def test_patch_a_birth_date_the_id_contradicts_is_400(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    answer = client_for(world.clerk).patch(
        url(dispute, respondent(dispute)), {"birth_date": "2001-01-01"}, format="json"
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"birth_date"}


def test_patch_an_unknown_field_or_a_bad_choice_is_400(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    client = client_for(world.clerk)
    answer = client.patch(url(dispute, respondent(dispute)), {"user": 1}, format="json")
    assert answer.status_code == 400 and "user" in answer.json()
    answer = client.patch(url(dispute, respondent(dispute)), {"ethnicity": "汉"}, format="json")
    assert answer.status_code == 400 and "ethnicity" in answer.json()


def test_patch_by_the_court_or_a_party_is_403_by_another_body_404(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    f.ReferralFactory(dispute=dispute, court=world.court, state="received")
    change = {"occupation": "教师"}
    for user, status in (
        (world.court_user, 403),
        (world.party_user, 403),
        (world.second_mediator.user, 403),
        (world.other_director, 404),
        (world.analyst, 404),
    ):
        answer = client_for(user).patch(url(dispute, respondent(dispute)), change, format="json")
        assert answer.status_code == status, (user, answer.content)
    assert Party.objects.get(pk=respondent(dispute).party_id).occupation == ""


def test_patch_a_closed_case_or_a_role_after_acceptance_is_409(world: World) -> None:
    closed = dispute_in(world, "closed")
    answer = client_for(world.director).patch(
        url(closed, respondent(closed)), {"occupation": "教师"}, format="json"
    )
    assert answer.status_code == 409
    accepted = dispute_in(world, "accepted")
    answer = client_for(world.director).patch(
        url(accepted, respondent(accepted)), {"role": "third_party"}, format="json"
    )
    assert answer.status_code == 409


def test_patch_the_phone_of_a_portal_users_record_is_409(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    linked = dispute.case_parties.get(role=PartyRole.APPLICANT)
    answer = client_for(world.director).patch(
        url(dispute, linked), {"phone": "13912345678"}, format="json"
    )
    assert answer.status_code == 409
    assert Party.objects.get(pk=linked.party_id).phone == world.party.phone


def test_delete_removes_a_party_before_acceptance_only(world: World) -> None:
    registered = dispute_in(world, "registered")
    client = client_for(world.clerk)
    answer = client.delete(url(registered, respondent(registered)))
    assert answer.status_code == 204
    assert not registered.case_parties.filter(role=PartyRole.RESPONDENT).exists()
    accepted = dispute_in(world, "accepted")
    assert client.delete(url(accepted, respondent(accepted))).status_code == 409


def test_others_who_see_the_case_get_the_birth_year_and_city_only(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    Party.objects.filter(pk=respondent(dispute).party_id).update(
        birth_date=datetime.date(1985, 6, 15), address="江西省南昌市东湖区八一大道100号"
    )
    # The applicant sees the other side's particulars as their copy of the papers does.
    answer = client_for(world.party_user).get(f"/api/v1/disputes/{dispute.pk}/parties/")
    assert answer.status_code == 200
    row = next(p for p in answer.json() if p["role"] == "respondent")
    assert (row["birth_date"], row["address"]) == ("1985", "江西省南昌市****")
