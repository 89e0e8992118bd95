"""A party's personal data on request: export, and erasure once retention has run."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mediation.cases.models import Dispute
from parties.models import Party, PartyRole, PersonalDataRequest
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in

pytestmark = pytest.mark.django_db
NUMBER = "11010519491231002X"


def _party_in(world: World, state: str, *, ended_days_ago: int) -> tuple[Party, Dispute]:
    ended = timezone.localdate() - datetime.timedelta(days=ended_days_ago)
    dispute = dispute_in(
        world, state, received_at=ended - datetime.timedelta(days=30), concluded_at=ended
    )
    party = f.PartyFactory(
        name="赵敏", id_type="resident_id", id_number=NUMBER, phone="13912345678"
    )
    f.CasePartyFactory(dispute=dispute, party=party, role=PartyRole.RESPONDENT)
    return party, dispute


def _export(user: Any, party: Party) -> Any:
    return client_for(user).post(
        f"/api/v1/parties/{party.pk}/personal-data/export/", {"reason": "当事人申请"}, format="json"
    )


def _erase(user: Any, party: Party) -> Any:
    return client_for(user).post(
        f"/api/v1/parties/{party.pk}/personal-data/erase/",
        {"reason": "当事人申请删除"},
        format="json",
    )


def test_a_director_exports_everything_held_and_the_request_is_recorded(world: World) -> None:
    party, dispute = _party_in(world, "mediating", ended_days_ago=1)
    answer = _export(world.director, party)
    assert answer.status_code == 200
    data = answer.json()
    assert data["party"]["id_number"] == NUMBER and data["party"]["phone"] == "13912345678"
    assert [c["reference"] for c in data["cases"]] == [dispute.reference]
    assert data["history"] and data["history"][0]["name"] == "赵敏"
    request = PersonalDataRequest.objects.get(party=party)
    assert (request.kind, request.actor, request.reason) == ("export", world.director, "当事人申请")


def test_who_may_export(world: World) -> None:
    party, _dispute = _party_in(world, "mediating", ended_days_ago=1)
    assert _export(world.other_director, party).status_code == 404  # does not see the party
    assert _export(world.mediator.user, party).status_code == 403  # sees it, may not ask
    assert _export(world.other_court_user, party).status_code == 404
    assert _export(world.court_user, party).status_code == 403  # the case is its court's
    assert _export(world.admin, party).status_code == 200
    assert (
        client_for(None).post(f"/api/v1/parties/{party.pk}/personal-data/export/").status_code
        == 401
    )


def test_a_party_downloads_their_own_data_from_the_portal(world: World) -> None:
    dispute_in(world, "mediating")
    client = Client()
    client.force_login(world.party_user)
    answer = client.post("/portal/my-data/")
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment")
    data = json.loads(answer.content)
    assert [record["party"]["id"] for record in data["records"]] == [world.party.pk]
    assert data["account"]["phone"] == world.party_user.portal_account.phone
    assert client.get("/portal/my-data/").status_code == 405


def test_erasure_waits_for_the_case_to_close_and_its_retention(world: World, settings: Any) -> None:
    settings.FENGQIAO_RETENTION_YEARS = 3
    party, dispute = _party_in(world, "mediating", ended_days_ago=1)
    refused = _erase(world.director, party)
    assert refused.status_code == 409
    assert dispute.reference in refused.json()["reasons"][0]
    Dispute.objects.filter(pk=dispute.pk).update(state="closed")
    refused = _erase(world.director, party)
    assert refused.status_code == 409
    kept_until = dispute.concluded_at.replace(year=dispute.concluded_at.year + 3)
    assert kept_until.isoformat() in refused.json()["reasons"][0]
    assert Party.objects.get(pk=party.pk).id_number == NUMBER  # nothing touched
    assert not PersonalDataRequest.objects.filter(kind="erasure").exists()


def test_erasure_blanks_the_particulars_and_their_history(world: World, settings: Any) -> None:
    settings.FENGQIAO_RETENTION_YEARS = 3
    party, dispute = _party_in(world, "closed", ended_days_ago=4 * 366)
    account = f.UserFactory()
    Party.objects.filter(pk=party.pk).update(user=account)
    party.refresh_from_db()
    party.phone = "13700000000"  # one more change, so the history holds two old phone numbers
    party.save()

    answer = _erase(world.director, party)
    assert answer.status_code == 200, answer.json()
    party.refresh_from_db()
    assert (party.id_number, party.phone, party.id_number_hash, party.user) == ("", "", "", None)
    assert "赵敏" not in party.name
    history = list(party.history.all())
    assert len(history) == 1
    assert all(NUMBER not in str(vars(h)) and "1391234" not in str(vars(h)) for h in history)
    account.refresh_from_db()
    assert not account.is_active and not account.has_usable_password()
    assert dispute.case_parties.filter(party=party).exists()  # the role stays for the figures
    assert PersonalDataRequest.objects.get(kind="erasure").actor == world.director


def test_erasure_is_for_directors_and_the_superuser(world: World, settings: Any) -> None:
    settings.FENGQIAO_RETENTION_YEARS = 3
    party, _dispute = _party_in(world, "closed", ended_days_ago=4 * 366)
    assert _erase(world.mediator.user, party).status_code == 403
    assert _erase(world.party_user, party).status_code == 403  # a fellow party of the case
    assert _erase(world.other_director, party).status_code == 404
    assert (
        client_for(world.director)
        .post(f"/api/v1/parties/{party.pk}/personal-data/erase/", {}, format="json")
        .status_code
        == 400
    )  # a reason is required
    assert _erase(world.admin, party).status_code == 200
