"""The particulars People's Mediation Law art. 29 wants on an agreement: sex and date of birth
read from a resident ID number (and a typed one that contradicts it refused), ethnicity from
GB 3304's list, an organization's registered address and legal representative."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from parties.models import ETHNICITIES, Party, PartyKind
from parties.services import PartyInput, attach_parties, build_party
from parties.validators import mask_address
from tests import factories as f

pytestmark = pytest.mark.django_db

# 1949-12-31, serial 002: the 17th digit (2) is even, so a woman.
WOMAN = "11010519491231002X"
MAN = f.resident_id(13, datetime.date(1985, 6, 15))  # serial 013: odd, a man


def person(**fields: object) -> PartyInput:
    data: dict[str, object] = {
        "role": "applicant",
        "kind": "person",
        "name": "张伟",
        "id_type": "resident_id",
        "id_number": WOMAN,
    }
    data.update(fields)
    return PartyInput(**data)  # type: ignore[arg-type]


def test_sex_and_birth_date_left_blank_are_taken_from_the_resident_id() -> None:
    party = build_party(person())
    assert party.sex == "female"
    assert party.birth_date == datetime.date(1949, 12, 31)
    man = build_party(person(id_number=MAN))
    assert (man.sex, man.birth_date) == ("male", datetime.date(1985, 6, 15))


def test_sex_and_birth_date_that_agree_with_the_id_are_kept() -> None:
    party = build_party(person(sex="female", birth_date=datetime.date(1949, 12, 31)))
    assert (party.sex, party.birth_date) == ("female", datetime.date(1949, 12, 31))


def test_a_sex_the_id_contradicts_is_refused_on_that_field() -> None:
    with pytest.raises(ValidationError) as caught:
        build_party(person(sex="male"))
    assert set(caught.value.message_dict) == {"sex"}
    message = caught.value.message_dict["sex"][0]
    assert "女" in message or "Female" in message


def test_a_birth_date_the_id_contradicts_is_refused_with_the_date_it_says() -> None:
    with pytest.raises(ValidationError) as caught:
        build_party(person(birth_date=datetime.date(1950, 1, 1)))
    assert set(caught.value.message_dict) == {"birth_date"}
    assert "1949-12-31" in caught.value.message_dict["birth_date"][0]


def test_a_passport_holder_gives_sex_and_birth_date_as_typed() -> None:
    party = build_party(
        person(
            id_type="passport",
            id_number="E12345678",
            sex="male",
            birth_date=datetime.date(1990, 2, 3),
        )
    )
    assert (party.sex, party.birth_date) == ("male", datetime.date(1990, 2, 3))


def test_ethnicity_is_one_of_the_56_groups_or_gb_3304s_other_two() -> None:
    assert len(ETHNICITIES) == 58 == len(set(ETHNICITIES))
    assert {"汉族", "维吾尔族", "基诺族", "其他", "外国血统中国籍人士"} <= set(ETHNICITIES)
    assert build_party(person(ethnicity="回族")).ethnicity == "回族"
    with pytest.raises(ValidationError) as caught:
        build_party(person(ethnicity="汉"))
    assert "ethnicity" in caught.value.message_dict


def test_an_organization_records_its_registered_address_and_legal_representative() -> None:
    body = f.MediationBodyFactory()
    dispute = f.DisputeFactory(body=body)
    [case_party] = attach_parties(
        dispute,
        [
            PartyInput(
                role="applicant",
                kind="organization",
                name="南昌市第一医院",
                id_type="uscc",
                id_number=f.uscc(77),
                organization_type="hospital",
                address="江西省南昌市东湖区象山北路128号",
                legal_representative="王建国",
                legal_representative_title="院长",
            )
        ],
    )
    record = Party.objects.get(pk=case_party.party_id)
    assert record.kind == PartyKind.ORGANIZATION
    assert record.address == "江西省南昌市东湖区象山北路128号"
    assert (record.legal_representative, record.legal_representative_title) == ("王建国", "院长")


def test_a_person_has_no_legal_representative_and_an_organization_no_sex() -> None:
    with pytest.raises(ValidationError) as caught:
        build_party(person(legal_representative="王建国"))
    assert "legal_representative" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        build_party(
            PartyInput(
                role="applicant",
                kind="organization",
                name="某公司",
                sex="male",
                ethnicity="汉族",
            )
        )
    assert {"sex", "ethnicity"} <= set(caught.value.message_dict)


def test_an_address_is_masked_to_its_province_and_city() -> None:
    assert mask_address("江西省南昌市东湖区八一大道100号") == "江西省南昌市****"
    assert mask_address("") == ""
    assert mask_address("南昌") == "**"
