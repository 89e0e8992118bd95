"""Who a party is, per body: a body's record is its own, and the portal account is the person's.

Each test is a step of the takeover that worked while a party was one record shared by every
body: a clerk of one body named another body's party by its (public) USCC with a phone of their
own, the shared record took that phone, and a portal sign-in with it signed the other body's
agreement. Now the clerk's body gets a record of its own, the sign-in finds no account, and the
other body's record and the account are untouched.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from documents.sms import MemorySmsBackend
from mediation.cases.models import Dispute
from mediation.kernel.roles import Role
from parties.models import CaseParty, Party, PartyRole, PhoneChange, PortalAccount
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in

pytestmark = pytest.mark.django_db

USCC = "91360102976158464Q"  # the demo insurer's code: public, as every USCC is
ATTACKER_PHONE = "13900000001"
INSURER_PHONE = "13907910004"


@pytest.fixture
def sms(settings: Any) -> list[tuple[str, str]]:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


@pytest.fixture
def insurer(world: World) -> Party:
    """The other body's insurer, whose claims desk signs in to the portal."""
    dispute = dispute_in(world, "agreed", body=world.other_body, mediator=world.other_mediator)
    record = f.OrganizationFactory(
        body=world.other_body,
        name="中国人民财产保险股份有限公司南昌市分公司",
        id_number=USCC,
        phone=INSURER_PHONE,
        user=f.UserFactory(roles=[Role.PARTY]),
    )
    f.CasePartyFactory(dispute=dispute, party=record, role=PartyRole.THIRD_PARTY)
    return record


def _register(user: Any, parties: list[dict[str, Any]], body: Any) -> Any:
    payload = {
        "category": "traffic",
        "channel": "police",
        "body": body.pk,
        "title": "两车追尾人身损害赔偿",
        "facts": "追尾",
        "received_at": "2026-11-02",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张三"},
            *parties,
        ],
    }
    return client_for(user).post("/api/v1/disputes/", payload, format="json")


def _insurer_as_typed(phone: str, name: str = "中国人民财产保险股份有限公司南昌市分公司") -> dict:
    return {
        "role": "respondent",
        "kind": "organization",
        "name": name,
        "id_type": "uscc",
        "id_number": USCC,
        "organization_type": "insurer",
        "phone": phone,
    }


def test_a_clerk_naming_another_bodys_party_makes_their_own_record(
    world: World, insurer: Party
) -> None:
    answer = _register(world.clerk, [_insurer_as_typed(ATTACKER_PHONE)], world.body)
    assert answer.status_code == 201
    insurer.refresh_from_db()
    assert insurer.phone == INSURER_PHONE
    ours = Party.objects.get(body=world.body, id_number_hash=insurer.id_number_hash)
    assert ours.pk != insurer.pk and ours.phone == ATTACKER_PHONE
    # The clerk's record does not act through the insurer's account: the phones differ.
    assert ours.user_id is None
    assert PortalAccount.objects.get(user=insurer.user).phone == INSURER_PHONE


def test_the_phone_a_clerk_typed_signs_no_one_in(
    world: World,
    insurer: Party,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _register(world.clerk, [_insurer_as_typed(ATTACKER_PHONE)], world.body)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/login/", {"phone": ATTACKER_PHONE})
    assert sms == []
    answer = client.post("/portal/login/code/", {"code": "000000"})
    assert answer.status_code == 400
    assert "_auth_user_id" not in client.session


def test_the_account_sees_only_records_that_carry_its_phone_and_identity(
    world: World, insurer: Party
) -> None:
    own_case = CaseParty.objects.get(party=insurer).dispute
    _register(world.clerk, [_insurer_as_typed(ATTACKER_PHONE)], world.body)
    client = Client()
    client.force_login(insurer.user)
    page = client.get("/portal/").content.decode()
    assert own_case.reference in page
    assert Dispute.objects.filter(body=world.body).get().reference not in page


def test_a_body_that_types_the_proved_phone_gives_the_real_party_their_case(
    world: World, insurer: Party
) -> None:
    answer = _register(world.clerk, [_insurer_as_typed(INSURER_PHONE)], world.body)
    assert answer.status_code == 201
    ours = Party.objects.get(body=world.body, id_number_hash=insurer.id_number_hash)
    assert ours.user_id == insurer.user_id


def test_registration_never_tells_what_another_body_knows(world: World, insurer: Party) -> None:
    # Another name for a number another body knows: not an error, and no phone of theirs.
    other_name = _insurer_as_typed("", name="某保险公司南昌理赔中心")
    answer = _register(world.clerk, [other_name], world.body)
    assert answer.status_code == 201, answer.json()
    text = answer.content.decode()
    assert INSURER_PHONE not in text and "139****0004" not in text
    record = Party.objects.get(body=world.body, id_number_hash=insurer.id_number_hash)
    assert record.name == "某保险公司南昌理赔中心" and record.phone == ""


def test_within_one_body_the_record_is_reused(world: World) -> None:
    first = _register(world.clerk, [_insurer_as_typed("")], world.body)
    second = _register(world.clerk, [_insurer_as_typed("")], world.body)
    assert first.status_code == second.status_code == 201
    assert Party.objects.filter(body=world.body, kind="organization").count() == 1


def test_a_director_exports_only_their_own_bodys_record(world: World, insurer: Party) -> None:
    _register(world.clerk, [_insurer_as_typed("")], world.body)
    ours = Party.objects.get(body=world.body, id_number_hash=insurer.id_number_hash)
    answer = client_for(world.director).post(
        f"/api/v1/parties/{ours.pk}/personal-data/export/", {}, format="json"
    )
    assert answer.status_code == 200
    data = answer.json()
    assert {case["reference"] for case in data["cases"]} == set(
        Dispute.objects.filter(body=world.body).values_list("reference", flat=True)
    )
    assert INSURER_PHONE not in answer.content.decode()
    # The other body's record is not theirs to export, nor even to know of.
    theirs = client_for(world.director).post(
        f"/api/v1/parties/{insurer.pk}/personal-data/export/", {}, format="json"
    )
    assert theirs.status_code == 404


def test_the_partys_own_export_holds_every_record_of_their_account(
    world: World, insurer: Party
) -> None:
    _register(world.clerk, [_insurer_as_typed(INSURER_PHONE)], world.body)
    client = Client()
    client.force_login(insurer.user)
    data = client.post("/portal/my-data/").json()
    assert {record["body"] for record in data["records"]} == {
        world.body.name,
        world.other_body.name,
    }


def test_the_audit_page_shows_only_the_bodys_own_records(world: World, insurer: Party) -> None:
    insurer.address = "南昌市红谷滩区某路1号"
    insurer.save()
    page = Client()
    page.force_login(world.director)
    text = page.get("/cases/audit/").content.decode()
    assert "南昌市红谷滩区某路1号" not in text and insurer.name not in text
    page.force_login(world.other_director)
    assert insurer.name in page.get("/cases/audit/").content.decode()


def test_a_case_moved_to_another_body_takes_its_parties_as_that_bodys_records(
    world: World,
) -> None:
    dispute = dispute_in(world, "assigned")
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT)
    # The superuser: a body's director who sends a case away no longer sees its answer.
    answer = client_for(world.admin).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/reassign/",
        {"body": world.other_body.pk, "mediator": world.other_mediator.pk, "reason": "管辖"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    moved = CaseParty.objects.get(pk=applicant.pk)
    assert moved.party.body_id == world.other_body.pk
    assert moved.party_id != applicant.party_id
    assert Party.objects.get(pk=applicant.party_id).body_id == world.body.pk


# --- a new phone on a record the portal account acts for ---------------------------------------


def _change(user: Any, party: Party, **data: Any) -> Any:
    return client_for(user).post(f"/api/v1/parties/{party.pk}/phone/", data, format="json")


def test_a_clerk_cannot_change_the_phone_of_a_portal_party_alone(world: World) -> None:
    answer = _change(world.clerk, world.party, phone="13911112222")
    assert answer.status_code == 400
    assert "code" in answer.json()
    world.party.refresh_from_db()
    assert world.party.phone != "13911112222"


def test_the_party_confirms_a_new_phone_with_the_code_sent_to_their_account(
    world: World, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    old = world.party.phone
    account_phone = world.party_user.portal_account.phone
    with django_capture_on_commit_callbacks(execute=True):
        sent = client_for(world.clerk).post(f"/api/v1/parties/{world.party.pk}/phone/code/")
    assert sent.status_code == 200
    assert sms[-1][0] == account_phone
    code = re.findall(r"(?<!\d)\d{6}(?!\d)", sms[-1][1])[-1]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert _change(world.clerk, world.party, phone="13911112222", code=wrong).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        answer = _change(world.clerk, world.party, phone="13911112222", code=code)
    assert answer.status_code == 200, answer.json()
    world.party.refresh_from_db()
    assert world.party.phone == "13911112222"
    change = PhoneChange.objects.get(party=world.party)
    assert change.method == "confirmed" and change.old_phone == old
    assert sms[-1][0] == old  # the old number is told
    # The code is spent, and the account's own number is the holder's to change.
    assert _change(world.clerk, world.party, phone="13933334444", code=code).status_code == 400
    assert PortalAccount.objects.get(user=world.party_user).phone == account_phone


def test_a_director_decides_a_new_phone_with_a_reason(
    world: World, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    old = world.party.phone
    refused = _change(world.clerk, world.party, phone="13911112222", decision="手机遗失")
    assert refused.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        answer = _change(world.director, world.party, phone="13911112222", decision="手机遗失")
    assert answer.status_code == 200
    change = PhoneChange.objects.get(party=world.party)
    assert (change.method, change.decision, change.actor) == (
        "decision",
        "手机遗失",
        world.director,
    )
    assert sms[-1][0] == old


def test_no_one_outside_the_body_changes_its_record(world: World) -> None:
    answer = _change(world.other_director, world.party, phone="13911112222", decision="x")
    assert answer.status_code == 404


def test_a_record_no_account_acts_for_takes_a_new_phone_from_its_staff(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    record = dispute.case_parties.get(role=PartyRole.RESPONDENT).party
    assert record.user_id is None
    assert _change(world.clerk, record, phone="13911112222").status_code == 200
    record.refresh_from_db()
    assert record.phone == "13911112222"
