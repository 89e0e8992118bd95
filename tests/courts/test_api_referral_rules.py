"""/api/v1/referrals/: scoping, bad input, extending a delegation and overdue delegations
(SPEC §7).

Referrals are made through the API exactly as a court system and a centre's staff would make
them; nothing is set up by writing rows the services would not write.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courts.models import Referral
from mediation.cases.models import Dispute, TransitionLog
from tests.conftest import World, client_for
from tests.courts.api_helpers import REFERRALS, delegate, delegation, dispute_step, snapshot, step
from tests.mediation.helpers import dispute_in

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


def test_an_entrustment_is_extended_with_consent_within_its_own_limit(world: World) -> None:
    sent = delegate(world, kind="entrustment", case_number="(2026)赣0102民初77号")
    dispute_step(client_for(world.clerk), sent["dispute"]["id"], "accept")
    parties = list(
        Dispute.objects.get(pk=sent["dispute"]["id"]).case_parties.values_list("pk", flat=True)
    )
    director = client_for(world.director)
    # FENGQIAO_ENTRUSTMENT_EXTENSION_MAX_DAYS: 15 by default.
    too_long = step(director, sent["id"], "extend", days=20, consenting_parties=parties)
    assert too_long.status_code == 400 and "days" in too_long.data
    response = step(director, sent["id"], "extend", days=5, consenting_parties=parties)
    assert response.status_code == 200, response.data
    assert response.data["extended_days"] == 5


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
