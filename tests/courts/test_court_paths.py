"""The court paths of SPEC §3, as a table: a delegated case (诉前委派) and an entrusted one
(诉中委托), settled or failed, and what each may do next — confirmation, referral to litigation,
closing — driven through the API as a court system and a centre's staff would.

An entrusted case goes back to the trial court either way: settled, as the agreement for the
court's mediation statement or the suit's withdrawal (decided "mediated"); failed, back to trial
(decided "not mediated"). It is never confirmed nor referred to litigation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from courts.models import Referral
from mediation.cases import services as dispute_services
from mediation.cases.models import Dispute
from tests.conftest import World, client_for
from tests.courts.api_helpers import REFERRALS, delegate, dispute_step, snapshot, step
from tests.mediation.helpers import complete_the_file, dispute_in, give_confirmation_consents

ENTRUSTMENT_NUMBER = "(2026)赣0102民初77号"


@dataclass(frozen=True)
class Path:
    kind: str  # delegation | entrustment
    ending: str  # settled | failed
    decision: str  # what the court hears back
    then: str  # the next step tried: apply_confirmation | refer_to_court
    then_status: int  # at the court that sent the case
    other_court_status: int | None  # … at another court (None: not tried)
    close_outcome: str


PATHS = [
    Path("delegation", "settled", "mediated", "apply_confirmation", 200, 400, ""),
    Path("delegation", "failed", "not_mediated", "refer_to_court", 200, 400, ""),
    Path("entrustment", "settled", "mediated", "apply_confirmation", 409, None, "performed"),
    Path("entrustment", "failed", "not_mediated", "refer_to_court", 409, None, "court_decided"),
]


def _bring_to_ending(world: World, case_id: int, ending: str) -> None:
    clerk, director = client_for(world.clerk), client_for(world.director)
    mediator = client_for(world.mediator.user)
    assert dispute_step(clerk, case_id, "accept").status_code == 200
    assert dispute_step(director, case_id, "assign", mediator=world.mediator.pk).status_code == 200
    session = mediator.post(
        f"/api/v1/disputes/{case_id}/sessions/",
        {
            "scheduled_at": timezone.now().isoformat(),
            "place": "第一调解室",
            "status": "held",
            "minutes": "双方陈述事实与诉求，调解员释法明理。",
        },
        format="json",
    )
    assert session.status_code == 201, session.data
    assert dispute_step(mediator, case_id, "start").status_code == 200
    if ending == "failed":
        assert dispute_step(mediator, case_id, "fail", reason="双方分歧较大").status_code == 200
        return
    # The agreement signed on paper and recorded: `sign`, as it reaches the court.
    dispute_services.record_imported_conclusion(
        actor=world.director,
        dispute_id=case_id,
        state="signed",
        concluded_at=timezone.localdate(),
        source="纸质协议",
    )


@pytest.mark.parametrize("path", PATHS, ids=lambda p: f"{p.kind}-{p.ending}")
def test_court_paths(world: World, path: Path) -> None:
    number = {"entrustment": ENTRUSTMENT_NUMBER}.get(path.kind)
    sent = delegate(world, kind=path.kind, **({"case_number": number} if number else {}))
    case_id = sent["dispute"]["id"]
    _bring_to_ending(world, case_id, path.ending)

    # The court hears back without anybody doing it by hand.
    inbound = Referral.objects.get(pk=sent["id"])
    assert (inbound.state, inbound.decision) == ("decided", path.decision)

    dispute = Dispute.objects.get(pk=case_id)
    if path.then == "apply_confirmation":
        give_confirmation_consents(dispute, world.mediator.user)
    mediator = client_for(world.mediator.user)
    if path.other_court_status is not None:
        before = snapshot()
        wrong = dispute_step(mediator, case_id, path.then, court=world.other_court.pk)
        assert wrong.status_code == path.other_court_status, wrong.data
        assert "court" in wrong.data and snapshot() == before
    before = snapshot()
    response = dispute_step(mediator, case_id, path.then, court=world.court.pk)
    assert response.status_code == path.then_status, response.data
    if path.then_status == 409:
        assert snapshot() == before
        assert "entrusted" in str(response.data).lower() or "委托" in str(response.data)
        # … and it cannot even be offered: the transition is not among those available.
        available = mediator.get(f"/api/v1/disputes/{case_id}/transitions/").data
        assert path.then not in {t["name"] for t in available}
    else:
        assert Referral.objects.filter(dispute_id=case_id, court=world.court).count() == 2

    if path.close_outcome:
        complete_the_file(dispute, world.mediator.user)
        closed = dispute_step(mediator, case_id, "close", outcome=path.close_outcome)
        assert closed.status_code == 200, closed.data
        assert closed.data["state"] == "closed"


def test_an_entrusted_case_cannot_be_consented_to_confirmation(world: World) -> None:
    sent = delegate(world, kind="entrustment", case_number=ENTRUSTMENT_NUMBER)
    case_id = sent["dispute"]["id"]
    _bring_to_ending(world, case_id, "settled")
    applicant = Dispute.objects.get(pk=case_id).case_parties.get(role="applicant")
    response = client_for(world.mediator.user).post(
        f"/api/v1/disputes/{case_id}/confirmation-consents/",
        {"party": applicant.pk, "method": "in_person"},
        format="json",
    )
    assert response.status_code == 409


def test_court_staff_see_full_identity_only_once_they_have_received(world: World) -> None:
    """SPEC §1: the court files or rules on the parties as named, once it holds the referral."""
    dispute = dispute_in(world, "signed", court=None)
    full_id = world.party.id_number
    applied = client_for(world.mediator.user).post(
        REFERRALS,
        {"kind": "confirmation", "dispute": dispute.pk, "court": world.court.pk},
        format="json",
    )
    assert applied.status_code == 201, applied.data
    detail_url = f"{REFERRALS}{applied.data['id']}/"
    page_url = f"/court/referrals/{applied.data['id']}/"
    court = client_for(world.court_user)
    page = Client()
    page.force_login(world.court_user)

    # Sent, not yet received: masked in the API and on the page.
    assert full_id not in str(court.get(detail_url).data["dispute"]["parties"])
    assert full_id not in page.get(page_url).content.decode()

    assert step(court, applied.data["id"], "receive").status_code == 200
    assert full_id in str(court.get(detail_url).data["dispute"]["parties"])
    assert full_id in page.get(page_url).content.decode()
    # Another court never sees the case at all.
    assert client_for(world.other_court_user).get(detail_url).status_code == 404
