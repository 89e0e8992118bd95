"""API v1 disputes (SPEC §7): authentication, registration, the list and detail (their rows
against DRF's own serialization), and editing.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from mediation.cases.models import Dispute, TransitionLog
from parties.models import CaseParty, Party, PartyRole
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.api.helpers import TODAY, spec_payload, url
from tests.mediation.helpers import dispute_in

# --- authentication ------------------------------------------------------------------------------


def test_anonymous_callers_get_401(world: World, dispute: Dispute) -> None:
    anonymous = APIClient()
    assert anonymous.get("/api/v1/disputes/").status_code == 401
    assert anonymous.get(url(dispute)).status_code == 401
    assert (
        anonymous.post("/api/v1/disputes/", spec_payload(world), format="json").status_code == 401
    )


def test_token_authentication(world: World, dispute: Dispute) -> None:
    world.clerk.set_password("secret-pass")
    world.clerk.save()
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": world.clerk.username, "password": "secret-pass"}
    )
    assert answer.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.data['token']}")
    assert client.get(url(dispute)).data["reference"] == dispute.reference


# --- registration --------------------------------------------------------------------------------


def test_register_the_spec_example(world: World) -> None:
    answer = client_for(world.clerk).post("/api/v1/disputes/", spec_payload(world), format="json")

    assert answer.status_code == 201, answer.data
    body = answer.data
    assert re.fullmatch(r"FQ-\d{4}-\d{6}", body["reference"])
    assert body["state"] == "registered"
    assert (body["category"], body["channel"], body["track"]) == ("traffic", "police", "people")
    assert body["body"] == world.body.pk
    assert body["mediator"] is None
    assert "deadline" in body
    assert [(p["role"], p["name"]) for p in body["parties"]] == [
        ("applicant", "张伟"),
        ("respondent", "李娜"),
        ("third_party", "某财产保险股份有限公司南昌分公司"),
    ]
    assert all({"id", "role", "name", "id_number"} <= set(p) for p in body["parties"])
    # The clerk is staff of the case's body: numbers in full.
    assert body["parties"][0]["id_number"] == "11010519491231002X"
    assert body["parties"][0]["phone"] == "13800138000"
    log = TransitionLog.objects.get(dispute_id=body["id"])
    assert (log.transition, log.to_state, log.actor) == ("register", "registered", world.clerk)


def test_references_are_unique_and_sequential(world: World) -> None:
    client = client_for(world.clerk)
    first = client.post("/api/v1/disputes/", spec_payload(world), format="json").data["reference"]
    second = client.post(
        "/api/v1/disputes/", spec_payload(world, title="另一起"), format="json"
    ).data["reference"]
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def _with_party(world: World, index: int, **changes: Any) -> dict[str, Any]:
    payload = spec_payload(world)
    payload["parties"][index].update(changes)
    return payload


BAD_REGISTRATIONS = {
    "bad resident ID check digit": (
        lambda w: _with_party(w, 0, id_number="110105194912310021"),
        "parties",
    ),
    "bad USCC": (lambda w: _with_party(w, 2, id_number="91360100MA35ABCDE3"), "parties"),
    "bad phone": (lambda w: _with_party(w, 0, phone="12345"), "parties"),
    "negative amount": (lambda w: spec_payload(w, claimed_amount="-1.00"), "claimed_amount"),
    "malformed amount": (lambda w: spec_payload(w, claimed_amount="8,600"), "claimed_amount"),
    "too many decimals": (lambda w: spec_payload(w, claimed_amount="1.005"), "claimed_amount"),
    "future date": (
        lambda w: spec_payload(w, received_at=str(TODAY + datetime.timedelta(days=1))),
        "received_at",
    ),
    "malformed date": (lambda w: spec_payload(w, received_at="2026-02-30"), "received_at"),
    "unknown category": (lambda w: spec_payload(w, category="piracy"), "category"),
    "unknown channel": (lambda w: spec_payload(w, channel="pigeon"), "channel"),
    "unknown body": (lambda w: spec_payload(w, body=999999), "body"),
    "no parties": (lambda w: spec_payload(w, parties=[]), "parties"),
    "no applicant": (
        lambda w: spec_payload(
            w, parties=[{"role": "respondent", "kind": "person", "name": "李娜"}]
        ),
        "parties",
    ),
    "missing title": (
        lambda w: {k: v for k, v in spec_payload(w).items() if k != "title"},
        "title",
    ),
    "court channel without court": (lambda w: spec_payload(w, channel="court_delegated"), "court"),
}


@pytest.mark.parametrize("case", sorted(BAD_REGISTRATIONS))
def test_bad_registrations_get_400_with_field_errors_and_leave_nothing(
    world: World, case: str
) -> None:
    build, field = BAD_REGISTRATIONS[case]
    parties_before = Party.objects.count()

    answer = client_for(world.clerk).post("/api/v1/disputes/", build(world), format="json")

    assert answer.status_code == 400, answer.data
    assert field in answer.data, answer.data
    assert not Dispute.objects.exists()
    assert Party.objects.count() == parties_before
    assert not TransitionLog.objects.exists()


def test_a_bad_party_error_names_the_party_and_field(world: World) -> None:
    answer = client_for(world.clerk).post(
        "/api/v1/disputes/",
        _with_party(world, 0, id_number="110105194912310021"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "check digit" in str(answer.data["parties"][0]["id_number"][0])


def test_error_messages_are_chinese_by_default(world: World) -> None:
    answer = client_for(world.clerk).post(
        "/api/v1/disputes/", spec_payload(world, claimed_amount="-1.00"), format="json"
    )
    assert re.search(r"[\u4e00-\u9fff]", str(answer.data["claimed_amount"][0]))


@pytest.mark.parametrize("who", ["mediator", "other_director", "party_user", "court_user"])
def test_only_the_bodys_clerks_and_directors_register(world: World, who: str) -> None:
    user = getattr(world, who)
    user = getattr(user, "user", user)
    answer = client_for(user).post("/api/v1/disputes/", spec_payload(world), format="json")
    assert answer.status_code == 403
    assert not Dispute.objects.exists()


# --- list and detail -----------------------------------------------------------------------------


def test_list_is_scoped_and_paginated(world: World) -> None:
    mine = [dispute_in(world, "registered") for _ in range(3)]
    dispute_in(world, "registered", body=world.other_body, mediator=None)

    answer = client_for(world.director).get("/api/v1/disputes/?page_size=2")

    assert answer.status_code == 200
    assert answer.data["count"] == 3
    assert len(answer.data["results"]) == 2
    assert answer.data["next"]
    all_ids = {
        row["id"] for row in client_for(world.director).get("/api/v1/disputes/").data["results"]
    }
    assert all_ids == {d.pk for d in mine}
    assert client_for(world.analyst).get("/api/v1/disputes/").data["count"] == 0


def test_list_filters(world: World) -> None:
    registered = dispute_in(world, "registered", category="traffic", channel="walk_in")
    mediating = dispute_in(world, "mediating", category="medical", channel="hotline")
    overdue = dispute_in(
        world, "mediating", category="medical", deadline=TODAY - datetime.timedelta(days=1)
    )
    other_mediator = f.MediatorFactory(body=world.body)
    by_other = dispute_in(world, "assigned", mediator=other_mediator, track="administrative")
    registered.case_parties.first().party.__class__.objects.filter(
        pk=registered.case_parties.get(role=PartyRole.RESPONDENT).party_id
    ).update(name="欧阳修远")
    client = client_for(world.director)

    def ids(query: str) -> set[int]:
        answer = client.get(f"/api/v1/disputes/?{query}")
        assert answer.status_code == 200, answer.data
        return {row["id"] for row in answer.data["results"]}

    assert ids("state=registered") == {registered.pk}
    assert ids("state=mediating") == {mediating.pk, overdue.pk}
    assert ids("category=medical") == {mediating.pk, overdue.pk}
    assert ids("channel=hotline") == {mediating.pk}
    assert ids("track=administrative") == {by_other.pk}
    assert ids(f"mediator={other_mediator.pk}") == {by_other.pk}
    assert ids(f"body={world.body.pk}") == {registered.pk, mediating.pk, overdue.pk, by_other.pk}
    assert ids("overdue=true") == {overdue.pk}
    assert overdue.pk not in ids("overdue=false")
    assert ids("q=欧阳") == {registered.pk}
    assert ids(f"q={mediating.reference}") == {mediating.pk}


def test_bad_filter_values_get_400(world: World) -> None:
    client = client_for(world.director)
    assert client.get("/api/v1/disputes/?state=teleported").status_code == 400
    assert client.get("/api/v1/disputes/?mediator=abc").status_code == 400


def test_list_takes_the_same_number_of_queries_for_10_or_40_cases(world: World) -> None:
    client = client_for(world.director)

    def queries_for_listing() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/disputes/?page_size=100").status_code == 200
        return len(captured)

    for _ in range(10):
        dispute_in(world, "mediating")
    queries_for_listing()  # the caller's roles and scope are looked up once, then cached
    with_ten = queries_for_listing()
    for _ in range(30):
        dispute_in(world, "mediating")
    assert queries_for_listing() == with_ten


def test_detail_and_its_404s(world: World, dispute: Dispute) -> None:
    assert client_for(world.clerk).get(url(dispute)).data["id"] == dispute.pk
    assert client_for(world.other_director).get(url(dispute)).status_code == 404
    assert client_for(world.clerk).get("/api/v1/disputes/999999/").status_code == 404
    assert client_for(world.clerk).get("/api/v1/disputes/abc/").status_code == 404


def test_personal_numbers_are_masked_unless_staff_of_the_body(world: World) -> None:
    dispute = dispute_in(world, "signed")
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT).party
    full_id, full_phone = applicant.id_number, applicant.phone

    def applicant_row(user: Any) -> dict[str, Any]:
        answer = client_for(user).get(url(dispute))
        return next(p for p in answer.data["parties"] if p["role"] == "applicant")

    staff_row = applicant_row(world.clerk)
    assert (staff_row["id_number"], staff_row["phone"]) == (full_id, full_phone)
    for outsider in (world.party_user, world.court_user):
        row = applicant_row(outsider)
        assert row["id_number"] == full_id[:6] + "********" + full_id[-4:]
        assert row["phone"] == full_phone[:3] + "****" + full_phone[-4:]
    listed = client_for(world.party_user).get("/api/v1/disputes/").data["results"][0]
    assert full_id not in str(listed) and full_phone not in str(listed)


@pytest.mark.parametrize("viewer", ["director", "party_user"])
def test_written_out_rows_equal_drfs_generic_serialization(world: World, viewer: str) -> None:
    """The list and detail write their rows out by hand for speed; they must say
    exactly what DRF's field-by-field loop over the declared fields would, masked or not."""
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from mediation.api.serializers import DisputeSerializer
    from mediation.cases.selectors import dispute_list
    from parties.serializers import CasePartySerializer

    dispute_in(
        world, "closed", claimed_amount="86000.5", agreed_amount="0", close_outcome="performed"
    )
    dispute_in(world, "mediating", mediator=None, court=None, deadline=None, due_soon_on=None)
    overdue = dispute_in(world, "mediating")
    Dispute.objects.filter(pk=overdue.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    guardian = f.CasePartyFactory(dispute=overdue, role=PartyRole.GUARDIAN)
    CaseParty.objects.filter(pk=guardian.pk).update(
        represents=overdue.case_parties.order_by("id").first()
    )
    request = APIRequestFactory().get("/")
    request.user = getattr(world, viewer)
    disputes = list(dispute_list(world.admin).filter(body=world.body))
    assert len(disputes) == 3
    for show in (True, False):
        party = CasePartySerializer(context={"show_personal_data": show})
        for case_party in CaseParty.objects.select_related("party").filter(dispute=overdue):
            assert party.to_representation(case_party) == (
                serializers.ModelSerializer.to_representation(party, case_party)
            )
    serializer = DisputeSerializer(context={"request": request})
    for dispute in disputes:
        written = serializer.to_representation(dispute)
        generic = serializers.ModelSerializer.to_representation(serializer, dispute)
        assert written == generic
        assert list(written) == list(generic)
    assert [serializer.to_representation(d)["overdue"] for d in disputes].count(True) == 1


# --- editing -------------------------------------------------------------------------------------


def test_patch_edits_the_facts(world: World, dispute: Dispute) -> None:
    answer = client_for(world.clerk).patch(
        url(dispute), {"facts": "补充事实", "claimed_amount": "1200.50"}, format="json"
    )
    assert answer.status_code == 200, answer.data
    dispute.refresh_from_db()
    assert (dispute.facts, str(dispute.claimed_amount)) == ("补充事实", "1200.50")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"claimed_amount": "-5"}, "claimed_amount"),
        ({"state": "closed"}, "state"),
        ({"reference": "FQ-1"}, "reference"),
        ({"received_at": "2999-01-01"}, "received_at"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_patches_get_400_and_change_nothing(
    world: World, dispute: Dispute, changes: dict[str, Any], field: str
) -> None:
    before = Dispute.objects.values().get(pk=dispute.pk)
    answer = client_for(world.clerk).patch(url(dispute), changes, format="json")
    assert answer.status_code == 400
    assert field in answer.data
    assert Dispute.objects.values().get(pk=dispute.pk) == before


def test_category_is_fixed_once_accepted(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    answer = client_for(world.director).patch(url(dispute), {"category": "medical"}, format="json")
    assert answer.status_code == 400
    assert "category" in answer.data


def test_patch_permissions_and_state(world: World, dispute: Dispute) -> None:
    assert client_for(world.party_user).patch(url(dispute), {"facts": "x"}).status_code == 403
    assert client_for(world.other_director).patch(url(dispute), {"facts": "x"}).status_code == 404
    closed = dispute_in(world, "closed")
    assert client_for(world.director).patch(url(closed), {"facts": "x"}).status_code == 409


def test_put_and_delete_are_not_offered(world: World, dispute: Dispute) -> None:
    client = client_for(world.admin)
    assert client.delete(url(dispute)).status_code == 405
    assert client.put(url(dispute), {}, format="json").status_code == 405
    assert Dispute.objects.filter(pk=dispute.pk).exists()
