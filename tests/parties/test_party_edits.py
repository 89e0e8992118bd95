"""Editing a party after registration (`parties.services.update_case_party`,
`remove_case_party`): who may, until when, what the field history keeps, and what a portal
account relies on staying put."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from parties.models import CaseParty, Party, PartyRole
from parties.services import remove_case_party, update_case_party
from tests import factories as f
from tests.conftest import World
from tests.mediation.helpers import dispute_in

pytestmark = pytest.mark.django_db

BORN = datetime.date(1990, 3, 8)
NEW_ID = f.resident_id(21, BORN)  # serial 021: odd, a man


def respondent(dispute: Any) -> CaseParty:
    return dispute.case_parties.select_related("party").get(role=PartyRole.RESPONDENT)


def applicant(dispute: Any) -> CaseParty:
    return dispute.case_parties.select_related("party").get(role=PartyRole.APPLICANT)


def edit(actor: Any, dispute: Any, case_party: CaseParty, **changes: Any) -> CaseParty:
    return update_case_party(
        actor=actor, dispute_id=dispute.pk, case_party_id=case_party.pk, changes=changes
    )


# --- what may change --------------------------------------------------------------------------


def test_the_clerk_fills_in_particulars_and_the_history_says_who_changed_what(
    world: World,
) -> None:
    dispute = dispute_in(world, "mediating")
    case_party = respondent(dispute)
    edit(
        world.clerk,
        dispute,
        case_party,
        ethnicity="回族",
        occupation="出租车司机",
        address="江西省南昌市东湖区八一大道100号",
    )
    party = Party.objects.get(pk=case_party.party_id)
    assert (party.ethnicity, party.occupation) == ("回族", "出租车司机")
    latest = party.history.latest()
    assert latest.history_user == world.clerk
    changed = {c.field for c in latest.diff_against(latest.prev_record).changes}
    # Factories write no sex or birth date: the edit's checks take them from the ID number too.
    assert changed - {"sex", "birth_date"} == {"ethnicity", "occupation", "address"}


def test_a_new_resident_id_brings_its_sex_and_birth_date(world: World) -> None:
    dispute = dispute_in(world, "registered")
    case_party = respondent(dispute)
    Party.objects.filter(pk=case_party.party_id).update(
        sex="female", birth_date=datetime.date(1985, 6, 15)
    )
    edit(world.director, dispute, case_party, id_number=NEW_ID)
    party = Party.objects.get(pk=case_party.party_id)
    assert (party.sex, party.birth_date) == ("male", BORN)


def test_a_sex_or_birth_date_the_id_contradicts_is_a_field_error_and_nothing_is_written(
    world: World,
) -> None:
    dispute = dispute_in(world, "mediating")
    case_party = respondent(dispute)
    before = Party.objects.get(pk=case_party.party_id)
    with pytest.raises(ValidationError) as caught:
        edit(
            world.mediator.user,
            dispute,
            case_party,
            occupation="教师",
            birth_date=datetime.date(1985, 6, 16),
        )
    assert set(caught.value.message_dict) == {"birth_date"}
    after = Party.objects.get(pk=case_party.party_id)
    assert (after.occupation, after.birth_date) == (before.occupation, before.birth_date)


def test_an_organizations_legal_representative_and_registered_address(world: World) -> None:
    dispute = dispute_in(world, "accepted")
    insurer = f.CasePartyFactory(
        dispute=dispute, party=f.OrganizationFactory(body=world.body), role=PartyRole.THIRD_PARTY
    )
    edit(
        world.clerk,
        dispute,
        insurer,
        legal_representative="刘海涛",
        legal_representative_title="总经理",
        address="江西省南昌市红谷滩区丰和中大道1000号",
    )
    party = Party.objects.get(pk=insurer.party_id)
    assert (party.legal_representative, party.legal_representative_title) == ("刘海涛", "总经理")
    with pytest.raises(ValidationError) as caught:
        edit(world.clerk, dispute, insurer, sex="male")
    assert "sex" in caught.value.message_dict


def test_an_id_number_another_record_of_the_body_carries_is_refused(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    with pytest.raises(ValidationError) as caught:
        edit(world.clerk, dispute, respondent(dispute), id_number=world.party.id_number)
    assert "id_number" in caught.value.message_dict


def test_kind_and_unknown_fields_cannot_be_edited(world: World) -> None:
    dispute = dispute_in(world, "registered")
    with pytest.raises(ValidationError) as caught:
        edit(world.clerk, dispute, respondent(dispute), kind="organization")
    assert "kind" in caught.value.message_dict


# --- who may, and until when ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["colleague", "court", "party"])
def test_those_who_see_the_case_but_may_not_edit_it_get_403(world: World, who: str) -> None:
    dispute = dispute_in(world, "mediating")
    actor = {
        "colleague": world.second_mediator.user,
        "court": world.court_user,
        "party": world.party_user,
    }[who]
    if who == "court":
        f.ReferralFactory(dispute=dispute, court=world.court, state="received")
    with pytest.raises(Forbidden):
        edit(actor, dispute, respondent(dispute), occupation="教师")


def test_another_bodys_staff_get_404_and_another_cases_party_is_not_found(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    with pytest.raises(NotFound):
        edit(world.other_director, dispute, respondent(dispute), occupation="教师")
    other = dispute_in(world, "mediating")
    with pytest.raises(NotFound):
        update_case_party(
            actor=world.clerk,
            dispute_id=dispute.pk,
            case_party_id=respondent(other).pk,
            changes={"occupation": "教师"},
        )


def test_a_concluded_case_is_409(world: World) -> None:
    dispute = dispute_in(world, "closed")
    with pytest.raises(Conflict):
        edit(world.director, dispute, respondent(dispute), occupation="教师")


def test_roles_change_only_before_acceptance(world: World) -> None:
    registered = dispute_in(world, "registered")
    third = f.CasePartyFactory(dispute=registered, role=PartyRole.THIRD_PARTY)
    edit(world.clerk, registered, third, role=PartyRole.RESPONDENT)
    third.refresh_from_db()
    assert third.role == PartyRole.RESPONDENT
    edit(world.clerk, registered, third, role=PartyRole.AGENT, represents=applicant(registered).pk)
    third.refresh_from_db()
    assert (third.role, third.represents_id) == (PartyRole.AGENT, applicant(registered).pk)

    accepted = dispute_in(world, "accepted")
    with pytest.raises(Conflict):
        edit(world.clerk, accepted, respondent(accepted), role=PartyRole.THIRD_PARTY)


def test_an_agent_needs_a_principal_and_a_principal_with_agents_stays_one(world: World) -> None:
    dispute = dispute_in(world, "registered")
    with pytest.raises(ValidationError) as caught:
        edit(world.clerk, dispute, respondent(dispute), role=PartyRole.AGENT)
    assert "represents" in caught.value.message_dict
    f.CasePartyFactory(dispute=dispute, role=PartyRole.AGENT, represents=respondent(dispute))
    with pytest.raises(ValidationError) as caught:
        edit(
            world.clerk,
            dispute,
            respondent(dispute),
            role=PartyRole.GUARDIAN,
            represents=applicant(dispute).pk,
        )
    assert "role" in caught.value.message_dict


def test_a_party_is_removed_only_before_acceptance_and_never_the_last_applicant(
    world: World,
) -> None:
    dispute = dispute_in(world, "registered")
    remove_case_party(
        actor=world.clerk, dispute_id=dispute.pk, case_party_id=respondent(dispute).pk
    )
    assert not dispute.case_parties.filter(role=PartyRole.RESPONDENT).exists()
    with pytest.raises(Conflict):
        remove_case_party(
            actor=world.clerk, dispute_id=dispute.pk, case_party_id=applicant(dispute).pk
        )
    accepted = dispute_in(world, "accepted")
    with pytest.raises(Conflict):
        remove_case_party(
            actor=world.clerk, dispute_id=accepted.pk, case_party_id=respondent(accepted).pk
        )


# --- identity is sacred -----------------------------------------------------------------------


def test_a_portal_accounts_record_keeps_its_id_number_and_phone(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    linked = applicant(dispute)
    assert linked.party.user_id == world.party_user.pk
    with pytest.raises(Conflict):
        edit(world.director, dispute, linked, id_number=NEW_ID)
    with pytest.raises(Conflict):
        edit(world.director, dispute, linked, phone="13912345678")
    party = Party.objects.get(pk=linked.party_id)
    assert party.user_id == world.party_user.pk
    assert party.id_number == world.party.id_number
    assert party.phone == world.party.phone
    # What the link does not rest on may change.
    edit(world.director, dispute, linked, occupation="教师", id_number=world.party.id_number)
    assert Party.objects.get(pk=linked.party_id).occupation == "教师"


def test_typing_an_accounts_identity_on_an_unlinked_record_links_it_as_registration_does(
    world: World,
) -> None:
    """The clerk types the number and phone the person proved: the record acts through their
    account, as at registration (`link_record`). Another account is never repointed."""
    dispute = dispute_in(world, "mediating", body=world.other_body, mediator=world.other_mediator)
    record = respondent(dispute)
    edit(
        world.other_director,
        dispute,
        record,
        name=world.party.name,
        id_number=world.party.id_number,
        phone=world.party.phone,
    )
    party = Party.objects.get(pk=record.party_id)
    assert party.user_id == world.party_user.pk
    # The first body's record is untouched.
    world.party.refresh_from_db()
    assert world.party.body_id == world.body.pk


def test_the_admin_shows_the_particulars_and_keeps_a_linked_records_identity(
    world: World,
) -> None:
    client = Client()
    client.force_login(world.admin)
    page = client.get(f"/admin/parties/party/{world.party.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="legal_representative"' in text and 'name="ethnicity"' in text
    # The record acts through a portal account: its ID number and phone are not inputs.
    assert 'name="id_number"' not in text and 'name="phone"' not in text
    unlinked = f.PartyFactory(body=world.body)
    assert (
        'name="phone"' in client.get(f"/admin/parties/party/{unlinked.pk}/change/").content.decode()
    )
