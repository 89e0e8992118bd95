"""/api/v1/referrals/: both court-linkage paths end to end, scoping, and bad input (SPEC §7).

The paths run through the API exactly as a court system and a centre's staff would drive them;
nothing is set up by writing rows the services would not write.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from courts.models import Referral, ReferralLog
from mediation.cases import services as dispute_services
from mediation.cases.models import Dispute, TransitionLog
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in

DELEGATION_NUMBER = "(2026)赣0102民诉前调123号"
REFERRALS = "/api/v1/referrals/"


def delegation(world: World, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "kind": "delegation",
        "body": world.body.pk,
        "case_number": DELEGATION_NUMBER,
        "dispute": {
            "category": "financial",
            "title": "金融借款合同纠纷",
            "facts": "被告借款后未按约归还本息。",
            "claimed_amount": "86000.00",
            "parties": [
                {
                    "role": "applicant",
                    "kind": "organization",
                    "name": "中国工商银行股份有限公司南昌东湖支行",
                    "id_type": "uscc",
                    "id_number": "91360100MA35ABCDE2",
                    "organization_type": "bank",
                },
                {
                    "role": "respondent",
                    "kind": "person",
                    "name": "李娜",
                    "id_type": "resident_id",
                    "id_number": "11010519491231002X",
                    "phone": "13800138000",
                },
            ],
        },
    }
    payload.update(overrides)
    return payload


def step(client: APIClient, referral_id: int, name: str, **data: Any) -> Any:
    return client.post(f"{REFERRALS}{referral_id}/transitions/{name}/", data, format="json")


def dispute_step(client: APIClient, dispute_id: int, name: str, **data: Any) -> Any:
    return client.post(f"/api/v1/disputes/{dispute_id}/transitions/{name}/", data, format="json")


def delegate(world: World, **overrides: Any) -> dict[str, Any]:
    response = client_for(world.court_user).post(
        REFERRALS, delegation(world, **overrides), format="json"
    )
    assert response.status_code == 201, response.data
    return response.data


def snapshot() -> tuple[int, int, int, int]:
    return (
        Dispute.objects.count(),
        Referral.objects.count(),
        ReferralLog.objects.count(),
        TransitionLog.objects.count(),
    )


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
        {"scheduled_at": timezone.now().isoformat(), "place": "第一调解室", "status": "held"},
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


# --- scoping -------------------------------------------------------------------------------------


def test_each_court_sees_only_its_own_referrals(world: World) -> None:
    ours = delegate(world)
    theirs_response = client_for(world.other_court_user).post(
        REFERRALS,
        delegation(world, case_number="(2026)赣0103民诉前调9号", body=world.other_body.pk),
        format="json",
    )
    assert theirs_response.status_code == 201, theirs_response.data
    theirs = theirs_response.data

    court = client_for(world.court_user)
    assert [r["id"] for r in court.get(REFERRALS).data["results"]] == [ours["id"]]
    assert court.get(f"{REFERRALS}{theirs['id']}/").status_code == 404
    assert court.get(f"{REFERRALS}{theirs['id']}/log/").status_code == 404
    assert court.get(f"/api/v1/disputes/{theirs['dispute']['id']}/").status_code == 404
    # Body staff see their body's crossings only; others see none.
    assert [r["id"] for r in client_for(world.clerk).get(REFERRALS).data["results"]] == [ours["id"]]
    assert [r["id"] for r in client_for(world.other_director).get(REFERRALS).data["results"]] == [
        theirs["id"]
    ]
    for outsider in (world.analyst, world.party_user):
        assert client_for(outsider).get(REFERRALS).data["results"] == []


def test_a_court_sees_parties_masked(world: World) -> None:
    sent = delegate(world)
    shown = client_for(world.court_user).get(f"{REFERRALS}{sent['id']}/").data
    respondent = next(p for p in shown["dispute"]["parties"] if p["name"] == "李娜")
    assert "11010519491231002X" not in str(shown) and "13800138000" not in str(shown)
    assert respondent["id_number"].endswith("002X") and "*" in respondent["id_number"]


def test_a_court_user_cannot_act_on_another_courts_referral(world: World) -> None:
    failed = dispute_in(world, "failed", court=None)
    referral = (
        client_for(world.director)
        .post(
            REFERRALS,
            {"kind": "litigation", "dispute": failed.pk, "court": world.court.pk},
            format="json",
        )
        .data
    )
    before = snapshot()
    for name in ("receive", "return_referral"):
        response = step(
            client_for(world.other_court_user), referral["id"], name, reason="不属本院管辖"
        )
        assert response.status_code == 404
    assert snapshot() == before
    assert Referral.objects.get(pk=referral["id"]).state == "sent"


def test_body_staff_cannot_take_the_courts_steps(world: World) -> None:
    failed = dispute_in(world, "failed", court=None)
    referral = (
        client_for(world.director)
        .post(
            REFERRALS,
            {"kind": "litigation", "dispute": failed.pk, "court": world.court.pk},
            format="json",
        )
        .data
    )
    response = step(client_for(world.director), referral["id"], "receive")
    assert response.status_code == 403
    assert Referral.objects.get(pk=referral["id"]).state == "sent"


def test_a_court_may_only_delegate_in_its_own_name(world: World) -> None:
    before = snapshot()
    response = client_for(world.court_user).post(
        REFERRALS,
        delegation(world, court=world.other_court.pk, case_number="(2026)赣0103民诉前调9号"),
        format="json",
    )
    assert response.status_code == 403
    for outsider in (world.clerk, world.analyst):
        assert (
            client_for(outsider).post(REFERRALS, delegation(world), format="json").status_code
            == 403
        )
    assert snapshot() == before


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "2026赣0102民诉前调123号",  # no brackets
        "(2026)赣0102民诉前调号",  # no serial
        "(2026)赣0102民初123号",  # a suit number is not a delegation number
        "(2026)赣0103民诉前调123号",  # another court's code
        "(2099)赣0102民诉前调123号",  # a year to come
        "(2026)XX0102民诉前调123号",  # not a province
    ],
)
def test_a_malformed_or_foreign_case_number_is_refused(world: World, number: str) -> None:
    before = snapshot()
    response = client_for(world.court_user).post(
        REFERRALS, delegation(world, case_number=number), format="json"
    )
    assert response.status_code == 400, response.data
    assert "case_number" in str(response.data)
    assert snapshot() == before


def test_other_bad_delegations_are_refused_with_field_errors(world: World) -> None:
    court = client_for(world.court_user)
    before = snapshot()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    cases = {
        "delegated_on": delegation(world, delegated_on=tomorrow),
        "kind": delegation(world, kind="appeal"),
        "body": delegation(world, body=999999),
        "dispute": delegation(world, dispute={"category": "traffic", "title": "", "parties": []}),
    }
    for field, payload in cases.items():
        response = court.post(REFERRALS, payload, format="json")
        assert response.status_code == 400, (field, response.data)
        assert field in response.data, (field, response.data)
    assert court.post(REFERRALS, "not json", content_type="application/json").status_code == 400
    assert snapshot() == before


def test_a_second_open_referral_of_the_same_kind_is_a_conflict(world: World) -> None:
    failed = dispute_in(world, "failed", court=None)
    director = client_for(world.director)
    body = {"kind": "litigation", "dispute": failed.pk, "court": world.court.pk}
    assert director.post(REFERRALS, body, format="json").status_code == 201
    before = snapshot()
    again = director.post(REFERRALS, body, format="json")
    assert again.status_code == 409
    assert snapshot() == before


def test_a_returned_referral_can_be_sent_again(world: World) -> None:
    failed = dispute_in(world, "failed", court=None)
    director = client_for(world.director)
    body = {"kind": "litigation", "dispute": failed.pk, "court": world.court.pk}
    first = director.post(REFERRALS, body, format="json").data
    court = client_for(world.court_user)
    returned = step(court, first["id"], "return_referral", reason="材料不全，请补充证据目录")
    assert returned.data["state"] == "returned"
    second = director.post(REFERRALS, {**body, "reason": "已补充材料"}, format="json")
    assert second.status_code == 201, second.data
    assert second.data["id"] != first["id"]
    failed.refresh_from_db()
    assert failed.state == "referred"


def test_court_steps_validate_their_input(world: World) -> None:
    failed = dispute_in(world, "failed", court=None)
    referral_id = (
        client_for(world.director)
        .post(
            REFERRALS,
            {"kind": "litigation", "dispute": failed.pk, "court": world.court.pk},
            format="json",
        )
        .data["id"]
    )
    court = client_for(world.court_user)
    assert step(court, referral_id, "return_referral").status_code == 400  # no reason
    assert step(court, referral_id, "file", case_number="(2026)赣0102民初1号").status_code == 409
    assert step(court, referral_id, "launch").status_code == 404
    step(court, referral_id, "receive")
    assert step(court, referral_id, "receive").status_code == 409
    assert step(court, referral_id, "file", case_number="(2026)赣0102民特1号").status_code == 400
    assert step(court, referral_id, "decide", decision="judgment").status_code == 409  # not filed
    stale = step(
        court, referral_id, "file", case_number="(2026)赣0102民初1号", expected_state="sent"
    )
    assert stale.status_code == 409
    assert Referral.objects.get(pk=referral_id).state == "received"
    step(court, referral_id, "file", case_number="(2026)赣0102民初1号")
    wrong = step(court, referral_id, "decide", decision="confirmed")
    assert wrong.status_code == 400 and "decision" in wrong.data


def test_nobody_decides_a_delegation_by_hand(world: World) -> None:
    sent = delegate(world)
    dispute_step(client_for(world.clerk), sent["dispute"]["id"], "accept")
    for user in (world.court_user, world.director):
        response = step(client_for(user), sent["id"], "decide", decision="mediated")
        assert response.status_code in (403, 409)
    assert Referral.objects.get(pk=sent["id"]).state == "received"


# --- extension of a delegation -------------------------------------------------------------------


def test_a_delegation_is_extended_once_with_every_partys_consent(world: World) -> None:
    sent = delegate(world, delegated_on="2026-11-02")
    case_id = sent["dispute"]["id"]
    dispute_step(client_for(world.clerk), case_id, "accept")
    parties = list(Dispute.objects.get(pk=case_id).case_parties.values_list("pk", flat=True))
    director = client_for(world.director)

    partial = step(director, sent["id"], "extend", days=20, consenting_parties=parties[:1])
    assert partial.status_code == 400 and "consenting_parties" in partial.data
    too_long = step(director, sent["id"], "extend", days=31, consenting_parties=parties)
    assert too_long.status_code == 400 and "days" in too_long.data
    assert Dispute.objects.get(pk=case_id).deadline == datetime.date(2026, 12, 2)

    extended = step(
        director, sent["id"], "extend", days=20, consenting_parties=parties, reason="双方同意延期"
    )
    assert extended.status_code == 200, extended.data
    assert extended.data["extended_days"] == 20
    assert Dispute.objects.get(pk=case_id).deadline == datetime.date(2026, 12, 22)
    moved = TransitionLog.objects.get(dispute_id=case_id, transition="extend_deadline")
    assert moved.data["to"] == "2026-12-22" and moved.actor == world.director

    again = step(director, sent["id"], "extend", days=5, consenting_parties=parties)
    assert again.status_code == 409
    assert Dispute.objects.get(pk=case_id).deadline == datetime.date(2026, 12, 22)


def test_an_entrustment_is_not_extended(world: World) -> None:
    sent = delegate(world, kind="entrustment", case_number="(2026)赣0102民初77号")
    dispute_step(client_for(world.clerk), sent["dispute"]["id"], "accept")
    parties = list(
        Dispute.objects.get(pk=sent["dispute"]["id"]).case_parties.values_list("pk", flat=True)
    )
    response = step(
        client_for(world.director), sent["id"], "extend", days=5, consenting_parties=parties
    )
    assert response.status_code == 409


# --- overdue delegations -------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "overdue"), [(30, False), (31, True)])
def test_a_delegation_is_overdue_from_day_31_for_court_and_body(
    world: World, day: int, overdue: bool
) -> None:
    sent = delegate(world, delegated_on="2026-10-01")
    moment = datetime.datetime.combine(
        datetime.date(2026, 10, 1) + datetime.timedelta(days=day), datetime.time(9)
    )
    with time_machine.travel(timezone.make_aware(moment), tick=False):
        for user in (world.court_user, world.clerk):
            listed = client_for(user).get(REFERRALS, {"overdue": "true"}).data["results"]
            assert [r["id"] for r in listed] == ([sent["id"]] if overdue else []), user
            shown = client_for(user).get(f"{REFERRALS}{sent['id']}/").data
            assert shown["overdue"] is overdue


def test_overdue_delegations_come_first(world: World) -> None:
    old = delegate(world, delegated_on="2026-09-01", case_number="(2026)赣0102民诉前调1号")
    new = delegate(world, case_number="(2026)赣0102民诉前调2号")
    listed = client_for(world.court_user).get(REFERRALS).data["results"]
    assert [r["id"] for r in listed] == [old["id"], new["id"]]
    assert [r["overdue"] for r in listed] == [True, False]


def test_the_list_costs_the_same_queries_for_more_referrals(world: World) -> None:
    court = client_for(world.court_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert court.get(REFERRALS).status_code == 200
        return len(captured)

    delegate(world, case_number="(2026)赣0102民诉前调1号")
    few = queries()
    for serial in range(2, 6):
        delegate(world, case_number=f"(2026)赣0102民诉前调{serial}号")
    assert queries() == few
