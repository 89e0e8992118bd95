"""The foundation's "done when": a dispute carried end to end through the API alone."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from mediation.cases.models import TransitionLog
from tests.conftest import World, client_for
from tests.mediation.api.helpers import spec_payload


def _take(client: Any, dispute_id: int, name: str, data: dict[str, Any] | None = None) -> Any:
    answer = client.post(
        f"/api/v1/disputes/{dispute_id}/transitions/{name}/", data or {}, format="json"
    )
    assert answer.status_code == 200, (name, answer.data)
    return answer.data


def _register_with_three_parties(world: World) -> int:
    answer = client_for(world.clerk).post("/api/v1/disputes/", spec_payload(world), format="json")
    assert answer.status_code == 201, answer.data
    assert len(answer.data["parties"]) == 3
    return int(answer.data["id"])


def _log(world: World, dispute_id: int) -> list[tuple[str, str, str]]:
    answer = client_for(world.director).get(f"/api/v1/disputes/{dispute_id}/log/")
    assert answer.status_code == 200
    assert all(entry["actor"] and entry["at"] for entry in answer.data)
    return [(e["transition"], e["from_state"], e["to_state"]) for e in answer.data]


def _actors(dispute_id: int) -> list[Any]:
    return [entry.actor for entry in TransitionLog.objects.filter(dispute_id=dispute_id)]


def _accept_assign_schedule_start(world: World, dispute_id: int) -> None:
    clerk, director, mediator = (
        client_for(world.clerk),
        client_for(world.director),
        client_for(world.mediator.user),
    )
    assert _take(clerk, dispute_id, "accept")["state"] == "accepted"
    assigned = _take(director, dispute_id, "assign", {"mediator": world.mediator.pk})
    assert (assigned["state"], assigned["mediator"]) == ("assigned", world.mediator.pk)
    session = mediator.post(
        f"/api/v1/disputes/{dispute_id}/sessions/",
        {
            "scheduled_at": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
            "place": "第一调解室",
        },
        format="json",
    )
    assert session.status_code == 201, session.data
    assert _take(mediator, dispute_id, "start")["state"] == "mediating"


def test_register_accept_assign_start_and_draft_an_agreement(world: World) -> None:
    dispute_id = _register_with_three_parties(world)
    _accept_assign_schedule_start(world, dispute_id)

    agreed = _take(
        client_for(world.mediator.user),
        dispute_id,
        "draft_agreement",
        {"terms": "保险公司于2026年12月31日前赔付申请人人民币60000元。"},
    )

    assert agreed["state"] == "agreed"
    assert _log(world, dispute_id) == [
        ("register", "", "registered"),
        ("accept", "registered", "accepted"),
        ("assign", "accepted", "assigned"),
        ("start", "assigned", "mediating"),
        ("draft_agreement", "mediating", "agreed"),
    ]
    mediator = world.mediator.user
    assert _actors(dispute_id) == [world.clerk, world.clerk, world.director, mediator, mediator]


def test_fail_and_refer_to_court(world: World) -> None:
    dispute_id = _register_with_three_parties(world)
    _accept_assign_schedule_start(world, dispute_id)
    mediator = client_for(world.mediator.user)

    assert _take(mediator, dispute_id, "fail", {"reason": "双方对赔偿数额分歧较大"})["state"] == (
        "failed"
    )
    referred = _take(mediator, dispute_id, "refer_to_court", {"court": world.court.pk})

    assert referred["state"] == "referred"
    assert _log(world, dispute_id) == [
        ("register", "", "registered"),
        ("accept", "registered", "accepted"),
        ("assign", "accepted", "assigned"),
        ("start", "assigned", "mediating"),
        ("fail", "mediating", "failed"),
        ("refer_to_court", "failed", "referred"),
    ]
    assert _actors(dispute_id)[-2:] == [world.mediator.user, world.mediator.user]
    reasons = TransitionLog.objects.filter(dispute_id=dispute_id).values_list("reason", flat=True)
    assert "双方对赔偿数额分歧较大" in reasons
