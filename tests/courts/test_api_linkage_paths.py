"""/api/v1/referrals/: both court-linkage paths end to end, the delegated one and judicial
confirmation (SPEC §7).

The paths run through the API exactly as a court system and a centre's staff would drive them;
nothing is set up by writing rows the services would not write.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from courts.models import Referral
from mediation.cases import services as dispute_services
from mediation.cases.models import Dispute, TransitionLog
from tests import factories as f
from tests.conftest import World, client_for
from tests.courts.api_helpers import (
    DELEGATION_NUMBER,
    REFERRALS,
    delegate,
    delegation,
    dispute_step,
    snapshot,
    step,
)
from tests.mediation.helpers import dispute_in

# --- the delegated path --------------------------------------------------------------------------


def test_delegated_case_runs_from_court_to_body_and_back_to_the_same_court(world: World) -> None:
    court, clerk = client_for(world.court_user), client_for(world.clerk)
    director, mediator = client_for(world.director), client_for(world.mediator.user)

    # The court delegates before filing; the case waits in the body's queue.
    sent = delegate(world, delegated_on="2026-11-02")
    assert (sent["kind"], sent["state"], sent["direction"]) == ("delegation", "sent", "to_body")
    assert sent["case_number"] == DELEGATION_NUMBER
    case = Dispute.objects.get(pk=sent["dispute"]["id"])
    assert (case.state, case.channel, case.court_id) == (
        "registered",
        "court_delegated",
        world.court.pk,
    )
    assert case.deadline == datetime.date(2026, 12, 2)  # 30 days from the delegation
    assert case.created_by == world.court_user

    # The body accepts: that is its receipt of the delegation.
    assert dispute_step(clerk, case.pk, "accept").status_code == 200
    assert client_for(world.court_user).get(f"{REFERRALS}{sent['id']}/").data["state"] == "received"
    assert dispute_step(director, case.pk, "assign", mediator=world.mediator.pk).status_code == 200
    session = mediator.post(
        f"/api/v1/disputes/{case.pk}/sessions/",
        {
            "scheduled_at": timezone.now().isoformat(),
            "place": "第一调解室",
            "status": "held",
            "minutes": "双方陈述事实与诉求，调解员释法明理。",
        },
        format="json",
    )
    assert session.status_code == 201, session.data
    assert dispute_step(mediator, case.pk, "start").status_code == 200
    assert dispute_step(mediator, case.pk, "fail", reason="双方分歧较大").status_code == 200

    # The failure is reported back to the court without anybody doing it by hand.
    reported = court.get(f"{REFERRALS}{sent['id']}/").data
    assert (reported["state"], reported["decision"]) == ("decided", "not_mediated")

    # The body refers the case to litigation: it must go back to the court that delegated it.
    before = snapshot()
    wrong = director.post(
        REFERRALS,
        {"kind": "litigation", "dispute": case.pk, "court": world.other_court.pk},
        format="json",
    )
    assert wrong.status_code == 400
    assert "court" in wrong.data
    assert snapshot() == before
    referred = director.post(
        REFERRALS,
        {"kind": "litigation", "dispute": case.pk, "court": world.court.pk, "reason": "调解不成"},
        format="json",
    )
    assert referred.status_code == 201, referred.data
    litigation = referred.data
    assert (litigation["kind"], litigation["state"], litigation["direction"]) == (
        "litigation",
        "sent",
        "to_court",
    )
    case.refresh_from_db()
    assert case.state == "referred"

    # The court sees both crossings in its inbox, the new one first.
    listed = court.get(REFERRALS).data["results"]
    assert [r["id"] for r in listed] == [litigation["id"], sent["id"]]
    assert court.get(f"{REFERRALS}{litigation['id']}/transitions/").data == [
        {"name": "receive", "label": "记录收案"},
        {"name": "return_referral", "label": "退回"},
    ]

    # The court receives it, files it (立案) — which closes the centre's case — and decides.
    assert step(court, litigation["id"], "receive").data["state"] == "received"
    filed = step(court, litigation["id"], "file", case_number="（2026）赣0102民初456号")
    assert filed.status_code == 200, filed.data
    assert (filed.data["state"], filed.data["case_number"]) == ("filed", "(2026)赣0102民初456号")
    case.refresh_from_db()
    assert (case.state, case.close_outcome) == ("closed", "court_filed")
    decided = step(court, litigation["id"], "decide", decision="judgment", reason="判决支持原告")
    assert (decided.data["state"], decided.data["decision"]) == ("decided", "judgment")

    log = court.get(f"{REFERRALS}{litigation['id']}/log/").data
    assert [(e["action"], e["from_state"], e["to_state"]) for e in log] == [
        ("send", "", "sent"),
        ("receive", "sent", "received"),
        ("file", "received", "filed"),
        ("decide", "filed", "decided"),
    ]
    assert all(e["actor"] for e in log)
    assert log[2]["data"] == {"case_number": "(2026)赣0102民初456号"}
    case_log = list(TransitionLog.objects.filter(dispute=case).values_list("transition", flat=True))
    assert case_log == ["register", "accept", "assign", "start", "fail", "refer_to_court", "close"]


def test_a_settled_delegation_reports_back_as_mediated(world: World) -> None:
    sent = delegate(world)
    case_id = sent["dispute"]["id"]
    dispute_step(client_for(world.clerk), case_id, "accept")
    # A conclusion signed on paper is recorded as imported, with no signatures online.
    dispute_services.record_imported_conclusion(
        actor=world.director,
        dispute_id=case_id,
        state="signed",
        concluded_at=timezone.localdate(),
        source="纸质协议",
    )
    reported = client_for(world.court_user).get(f"{REFERRALS}{sent['id']}/").data
    assert (reported["state"], reported["decision"]) == ("decided", "mediated")


def test_a_body_that_declines_returns_the_delegation_with_its_reason(world: World) -> None:
    sent = delegate(world)
    response = dispute_step(
        client_for(world.director),
        sent["dispute"]["id"],
        "decline",
        ground="other",
        advice="区卫生健康委员会",
        reason="不属于本委员会受理范围",
    )
    assert response.status_code == 200
    returned = client_for(world.court_user).get(f"{REFERRALS}{sent['id']}/").data
    assert (returned["state"], returned["reason"]) == ("returned", "不属于本委员会受理范围")


def test_an_entrustment_runs_15_days_and_takes_a_suit_number(world: World) -> None:
    sent = delegate(
        world, kind="entrustment", case_number="(2026)赣0102民初77号", delegated_on="2026-11-02"
    )
    case = Dispute.objects.get(pk=sent["dispute"]["id"])
    assert (case.channel, case.deadline) == ("court_entrusted", datetime.date(2026, 11, 17))


def test_a_clerk_registering_a_paper_delegation_holds_it_at_once(world: World) -> None:
    payload = {
        "category": "traffic",
        "channel": "court_delegated",
        "body": world.body.pk,
        "court": world.court.pk,
        "court_case_number": DELEGATION_NUMBER,
        "title": "机动车交通事故责任纠纷",
        "received_at": timezone.localdate().isoformat(),
        "parties": delegation(world)["dispute"]["parties"],
    }
    response = client_for(world.clerk).post("/api/v1/disputes/", payload, format="json")
    assert response.status_code == 201, response.data
    referral = Referral.objects.get(dispute_id=response.data["id"])
    assert (referral.kind, referral.state) == ("delegation", "received")


# --- the confirmation path -----------------------------------------------------------------------


def _apply(world: World, dispute: Dispute) -> Any:
    return client_for(world.mediator.user).post(
        REFERRALS,
        {"kind": "confirmation", "dispute": dispute.pk, "court": world.court.pk},
        format="json",
    )


@pytest.mark.parametrize(
    ("decision", "case_state"), [("confirmed", "confirmed"), ("denied", "mediating")]
)
def test_confirmation_is_applied_for_received_and_ruled_on(
    world: World, decision: str, case_state: str
) -> None:
    signed = dispute_in(world, "signed", court=None)
    applied = _apply(world, signed)
    assert applied.status_code == 201, applied.data
    assert (applied.data["kind"], applied.data["state"]) == ("confirmation", "sent")
    signed.refresh_from_db()
    assert (signed.state, signed.court_id) == ("confirming", world.court.pk)

    court = client_for(world.court_user)
    # The court cannot rule on what it has not recorded as received.
    early = step(
        court,
        applied.data["id"],
        "decide",
        decision="confirmed",
        case_number="(2026)赣0102民特78号",
    )
    assert early.status_code == 409
    assert step(court, applied.data["id"], "receive").status_code == 200
    ruled = step(
        court,
        applied.data["id"],
        "decide",
        decision=decision,
        case_number="(2026)赣0102民特78号",
        reason="经审查" if decision == "confirmed" else "协议内容违反法律强制性规定",
    )
    assert ruled.status_code == 200, ruled.data
    assert (ruled.data["state"], ruled.data["decision"]) == ("decided", decision)
    assert ruled.data["case_number"] == "(2026)赣0102民特78号"
    signed.refresh_from_db()
    assert signed.state == case_state
    last = TransitionLog.objects.filter(dispute=signed).last()
    assert last.transition == ("confirm" if decision == "confirmed" else "deny_confirmation")
    assert last.actor == world.court_user


def test_confirmation_ruling_needs_a_well_formed_number_of_that_court(world: World) -> None:
    confirming = dispute_in(world, "signed", court=None)
    referral_id = _apply(world, confirming).data["id"]
    court = client_for(world.court_user)
    step(court, referral_id, "receive")
    before = snapshot()
    for number in ("", "(2026)赣0103民特78号", "(2026)赣0102民初78号", "2026赣0102民特78"):
        response = step(court, referral_id, "decide", decision="confirmed", case_number=number)
        assert response.status_code == 400, number
        assert "case_number" in response.data
    assert snapshot() == before


SIGNED_ON = datetime.date(2026, 10, 1)


@pytest.mark.parametrize(("day", "status"), [(29, 201), (30, 201), (31, 409)])
def test_confirmation_window_is_30_days_from_signing(world: World, day: int, status: int) -> None:
    signed = dispute_in(world, "signed", court=None, signed_at=SIGNED_ON, concluded_at=SIGNED_ON)
    noon = datetime.datetime.combine(SIGNED_ON + datetime.timedelta(days=day), datetime.time(12))
    with time_machine.travel(timezone.make_aware(noon), tick=False):
        before = snapshot()
        response = _apply(world, signed)
    assert response.status_code == status, response.data
    signed.refresh_from_db()
    if status == 409:
        assert "30" in str(response.data)
        assert signed.state == "signed" and snapshot() == before
    else:
        assert signed.state == "confirming"


def test_confirmation_goes_to_a_basic_court(world: World) -> None:
    intermediate = f.CourtFactory(name="南昌市中级人民法院", code="赣01", level="intermediate")
    signed = dispute_in(world, "signed", court=None)
    response = client_for(world.mediator.user).post(
        REFERRALS,
        {"kind": "confirmation", "dispute": signed.pk, "court": intermediate.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "court" in response.data
