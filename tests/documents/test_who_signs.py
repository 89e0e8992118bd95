"""Who may hold the pen: a person under 18 signs through their guardian (age from the recorded
date of birth or the resident ID number, on the signing day); an organisation signs through a
named representative, in a stated capacity, with its seal."""

from __future__ import annotations

import datetime

from django.utils import timezone

from documents.models import Signature
from documents.signatories import is_minor
from tests.conftest import World, client_for
from tests.documents.conftest import Case
from tests.documents.helpers import agreement_url, in_person
from tests.factories import resident_id


def _years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def _make_minor(case: Case, born: datetime.date) -> None:
    party = case.minor.party
    party.birth_date = born
    party.save()


def test_a_child_is_not_offered_as_signer_and_cannot_sign(world: World, agreed: Case) -> None:
    case = agreed
    _make_minor(case, _years_ago(11))
    statuses = client_for(world.mediator.user).get(agreement_url(case.dispute, "signatures/"))
    child = next(s for s in statuses.data if s["party"] == case.minor.pk)
    assert child["minor"] is True
    assert [s["id"] for s in child["signers"]] == [case.guardian.pk]

    refused = in_person(world, case, case.minor, case.minor)
    assert refused.status_code == 409
    assert "王小明未满十八周岁" in refused.data["detail"]
    assert not Signature.objects.filter(signatory=case.minor).exists()

    by_guardian = in_person(world, case, case.minor, case.guardian)
    assert by_guardian.status_code == 201, by_guardian.data
    assert Signature.objects.get(signatory=case.minor).signer == case.guardian


def test_the_age_comes_from_the_resident_id_when_no_birth_date_is_recorded(
    world: World, agreed: Case
) -> None:
    case = agreed
    party = case.minor.party
    party.birth_date = None
    party.id_number = resident_id(777, _years_ago(17, days=-1))  # 18 tomorrow
    party.save()
    assert is_minor(party)
    assert in_person(world, case, case.minor, case.minor).status_code == 409


def test_on_their_eighteenth_birthday_they_sign_for_themselves(world: World, agreed: Case) -> None:
    case = agreed
    _make_minor(case, _years_ago(18))
    assert not is_minor(case.minor.party)
    answer = in_person(world, case, case.minor, case.minor)
    assert answer.status_code == 201, answer.data


def test_an_organisation_signs_through_a_named_representative(world: World, agreed: Case) -> None:
    case = agreed
    # The claims handler types his own name, not the company's: that was refused before.
    no_role = in_person(world, case, case.insurer, case.insurer, signer_name="刘海涛")
    assert no_role.status_code == 400
    assert "representative_role" in no_role.data
    no_name = in_person(
        world, case, case.insurer, case.insurer, signer_name="", representative_role="法定代表人"
    )
    assert no_name.status_code == 400 and "signer_name" in no_name.data
    assert not Signature.objects.filter(signatory=case.insurer).exists()

    signed = in_person(
        world,
        case,
        case.insurer,
        case.insurer,
        signer_name="刘海涛",
        representative_role="理赔经办人",
        seal_affixed=True,
    )
    assert signed.status_code == 201, signed.data
    signature = Signature.objects.get(signatory=case.insurer)
    assert (signature.signer_name, signature.representative_name) == ("刘海涛", "刘海涛")
    assert (signature.representative_role, signature.seal_affixed) == ("理赔经办人", True)


def test_a_person_still_types_their_own_recorded_name(world: World, agreed: Case) -> None:
    case = agreed
    wrong = in_person(world, case, case.respondent, case.agent, signer_name="刘海涛")
    assert wrong.status_code == 400 and "signer_name" in wrong.data
