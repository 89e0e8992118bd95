"""API v1 on one case (SPEC §7): its transitions, parties, sessions and log."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from mediation.cases.models import Dispute, TransitionLog
from parties.crypto import search_hash
from parties.models import CaseParty, Party, PartyRole
from tests.conftest import World, client_for
from tests.mediation.api.helpers import TODAY, spec_payload, url
from tests.mediation.helpers import dispute_in

# --- transitions ---------------------------------------------------------------------------------


def test_available_transitions_are_labelled_in_chinese_and_english(
    world: World, dispute: Dispute
) -> None:
    client = client_for(world.clerk)
    assert client.get(url(dispute, "transitions/")).data == [
        {"name": "accept", "label": "受理"},
        {"name": "withdraw", "label": "撤回"},
    ]
    english = client.get(url(dispute, "transitions/"), HTTP_ACCEPT_LANGUAGE="en").data
    assert [t["label"] for t in english] == ["Accept", "Withdraw"]


def test_take_a_transition_answers_the_detail(world: World, dispute: Dispute) -> None:
    answer = client_for(world.clerk).post(url(dispute, "transitions/accept/"), {}, format="json")
    assert answer.status_code == 200, answer.data
    assert answer.data["state"] == "accepted"
    assert answer.data["accepted_at"] == str(TODAY)
    assert answer.data["deadline"]
    assert answer.data["parties"]


@pytest.mark.parametrize(
    ("state", "name", "data", "status", "field"),
    [
        ("accepted", "assign", {}, 400, "mediator"),
        ("accepted", "assign", {"mediator": 999999}, 400, "mediator"),
        ("accepted", "assign", {"mediator": "seven"}, 400, "mediator"),
        ("registered", "decline", {}, 400, "ground"),
        ("failed", "refer_to_court", {}, 400, "court"),
        ("signed", "close", {"outcome": "judgment"}, 400, "outcome"),
        ("signed", "close", {"outcome": "beheaded"}, 400, "outcome"),
        (
            "mediating",
            "draft_agreement",
            {"terms": "x", "agreed_amount": "600"},  # computed from obligations, never typed
            400,
            "agreed_amount",
        ),
        ("registered", "assign", {"mediator": 0}, 409, None),  # wrong state
        ("closed", "withdraw", {"reason": "x"}, 409, None),
        ("registered", "teleport", {}, 404, None),
    ],
)
def test_bad_transitions_say_why_and_change_nothing(
    world: World, state: str, name: str, data: dict[str, Any], status: int, field: str | None
) -> None:
    dispute = dispute_in(world, state)
    before = Dispute.objects.values().get(pk=dispute.pk)

    answer = client_for(world.admin).post(url(dispute, f"transitions/{name}/"), data, format="json")

    assert answer.status_code == status, answer.data
    if field:
        assert field in answer.data
    else:
        assert answer.data["detail"]
    assert Dispute.objects.values().get(pk=dispute.pk) == before
    assert not TransitionLog.objects.filter(dispute=dispute).exists()


def test_an_agreement_needs_terms(world: World) -> None:
    dispute = dispute_in(world, "mediating", agreement_terms="")
    answer = client_for(world.mediator.user).post(
        url(dispute, "transitions/draft_agreement/"), {"terms": "  "}, format="json"
    )
    assert answer.status_code == 400
    assert "terms" in answer.data
    assert Dispute.objects.get(pk=dispute.pk).state == "mediating"


def test_unmet_guards_are_409_with_reasons(world: World) -> None:
    dispute = dispute_in(world, "assigned")
    dispute.sessions.all().delete()
    answer = client_for(world.mediator.user).post(
        url(dispute, "transitions/start/"), {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 409
    assert answer.data["reasons"]
    assert Dispute.objects.get(pk=dispute.pk).state == "assigned"


def test_a_stale_expected_state_is_409(world: World, dispute: Dispute) -> None:
    client_for(world.clerk).post(url(dispute, "transitions/accept/"), {}, format="json")
    answer = client_for(world.director).post(
        url(dispute, "transitions/decline/"),
        {"ground": "outside_remit", "advice": "人民法院", "expected_state": "registered"},
        format="json",
    )
    assert answer.status_code == 409
    assert Dispute.objects.get(pk=dispute.pk).state == "accepted"


def test_transition_permissions_over_http(world: World, dispute: Dispute) -> None:
    assert client_for(world.party_user).post(url(dispute, "transitions/accept/")).status_code == 403
    assert (
        client_for(world.other_director).post(url(dispute, "transitions/accept/")).status_code
        == 404
    )
    assert Dispute.objects.get(pk=dispute.pk).state == "registered"


# --- parties -------------------------------------------------------------------------------------


def test_parties_list_and_add_a_guardian(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT)
    client = client_for(world.mediator.user)

    added = client.post(
        url(dispute, "parties/"),
        {
            "role": "guardian",
            "kind": "person",
            "name": "王芳",
            "id_type": "resident_id",
            "id_number": "110101199003074477",
            "phone": "13900139000",
            "represents": applicant.pk,
        },
        format="json",
    )

    assert added.status_code == 201, added.data
    assert added.data[0]["represents"] == applicant.pk
    listed = client.get(url(dispute, "parties/")).data
    assert [p["role"] for p in listed] == ["applicant", "respondent", "guardian"]


@pytest.mark.parametrize(
    "party",
    [
        {"role": "guardian", "kind": "person", "name": "王芳"},  # whom does the guardian act for?
        {"role": "applicant", "kind": "person", "name": "王芳", "id_type": "resident_id",
         "id_number": "110101199003074478"},
        {"role": "insurer", "kind": "person", "name": "王芳"},
        {"role": "applicant", "kind": "organization", "name": "某银行", "organization_type": "ufo"},
    ],
)  # fmt: skip
def test_bad_parties_get_400(world: World, party: dict[str, Any]) -> None:
    dispute = dispute_in(world, "mediating")
    before = CaseParty.objects.filter(dispute=dispute).count()
    answer = client_for(world.mediator.user).post(url(dispute, "parties/"), party, format="json")
    assert answer.status_code == 400, answer.data
    assert CaseParty.objects.filter(dispute=dispute).count() == before


def test_parties_permissions_and_state(world: World, dispute: Dispute) -> None:
    party = {"role": "respondent", "kind": "person", "name": "赵强"}
    assert client_for(world.party_user).post(url(dispute, "parties/"), party).status_code == 403
    assert client_for(world.other_director).get(url(dispute, "parties/")).status_code == 404
    closed = dispute_in(world, "closed")
    answer = client_for(world.director).post(url(closed, "parties/"), party, format="json")
    assert answer.status_code == 409


def test_a_party_is_one_record_across_disputes(world: World) -> None:
    client = client_for(world.clerk)
    client.post("/api/v1/disputes/", spec_payload(world), format="json")
    client.post("/api/v1/disputes/", spec_payload(world, title="第二起"), format="json")
    found = search_hash("11010519491231002X")  # ID numbers are encrypted: found by their hash
    assert Party.objects.filter(id_number_hash=found).count() == 1
    assert CaseParty.objects.filter(party__id_number_hash=found).count() == 2


# --- sessions ------------------------------------------------------------------------------------


def test_schedule_and_list_sessions(world: World) -> None:
    dispute = dispute_in(world, "assigned")
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT)
    client = client_for(world.mediator.user)
    when = timezone.now() + datetime.timedelta(days=2)

    answer = client.post(
        url(dispute, "sessions/"),
        {"scheduled_at": when.isoformat(), "place": "第二调解室", "attendees": [applicant.pk]},
        format="json",
    )

    assert answer.status_code == 201, answer.data
    assert answer.data["mediators"] == [world.mediator.pk]
    assert answer.data["attendees"] == [applicant.pk]
    assert len(client.get(url(dispute, "sessions/")).data) == 2  # with the one dispute_in made


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"place": "调解室"}, "scheduled_at"),
        ({"scheduled_at": "2026-13-01T09:00"}, "scheduled_at"),
        ({"scheduled_at": "2030-01-01T09:00:00+08:00"}, "place"),
        ({"scheduled_at": "2030-01-01T09:00:00+08:00", "online_link": "not a url"}, "online_link"),
        ({"scheduled_at": "2030-01-01T09:00:00+08:00", "place": "x", "attendees": [999999]},
         "attendees"),
        ({"scheduled_at": "2030-01-01T09:00:00+08:00", "place": "x", "status": "held"}, "status"),
        # Held sessions come with their minutes: they cannot be added once it is recorded held.
        ({"scheduled_at": "2026-01-01T09:00:00+08:00", "place": "x", "status": "held"}, "minutes"),
    ],
)  # fmt: skip
def test_bad_sessions_get_400(world: World, data: dict[str, Any], field: str) -> None:
    dispute = dispute_in(world, "assigned")
    answer = client_for(world.mediator.user).post(url(dispute, "sessions/"), data, format="json")
    assert answer.status_code == 400, answer.data
    assert field in answer.data
    assert dispute.sessions.count() == 1


def test_sessions_permissions_and_state(world: World, dispute: Dispute) -> None:
    data = {"scheduled_at": "2030-01-01T09:00:00+08:00", "place": "调解室"}
    assigned = dispute_in(world, "assigned")
    assert client_for(world.clerk).post(url(assigned, "sessions/"), data).status_code == 403
    assert client_for(world.other_mediator.user).get(url(assigned, "sessions/")).status_code == 404
    assert client_for(world.director).post(url(dispute, "sessions/"), data).status_code == 409


# --- log -----------------------------------------------------------------------------------------


def test_log_lists_every_step(world: World, dispute: Dispute) -> None:
    client_for(world.clerk).post(url(dispute, "transitions/accept/"))
    client_for(world.director).post(
        url(dispute, "transitions/assign/"), {"mediator": world.mediator.pk}, format="json"
    )
    log = client_for(world.party_user).get(url(dispute, "log/"))
    assert log.status_code == 200
    assert [(e["transition"], e["from_state"], e["to_state"]) for e in log.data] == [
        ("accept", "registered", "accepted"),
        ("assign", "accepted", "assigned"),
    ]
    assert log.data[1]["data"]["mediator"] == world.mediator.pk
    assert client_for(world.other_director).get(url(dispute, "log/")).status_code == 404
