"""The minutes' API: signing in person, who reads the signatures and the signed PDF (a caucus's
minutes are for the body's staff only), and the PDF only once everyone present has signed."""

from __future__ import annotations

from typing import Any

from documents.signing import verify_pdf
from mediation.cases.models import MediationSession
from tests import factories as f
from tests.conftest import World, client_for
from tests.documents.conftest import Case
from tests.documents.helpers import IMAGE
from tests.documents.minutes_helpers import REFUSAL, everyone_signs, hold_session, text_of


def url(session: MediationSession, tail: str) -> str:
    return f"/api/v1/disputes/{session.dispute_id}/sessions/{session.pk}/minutes/{tail}"


def post(world: World, session: MediationSession, user: Any = None, **data: Any) -> Any:
    return client_for(user or world.mediator.user).post(
        url(session, "signatures/"), data, format="json"
    )


def test_the_mediator_takes_each_signature_and_the_pdf_follows(world: World, case: Case) -> None:
    session = hold_session(world, case)
    mediator = client_for(world.mediator.user)
    listed = mediator.get(url(session, "signatures/")).json()
    assert listed["number"] == 1 and listed["complete"] is False and listed["pdf"] is None
    assert [s["status"] for s in listed["signers"]] == ["unsigned"] * 4
    assert mediator.get(url(session, "pdf/")).status_code == 409

    signed = post(world, session, attendee=case.online.pk, signer_name="张伟", image=IMAGE)
    assert signed.status_code == 201, signed.content
    assert signed.json()["signers"][0]["status"] == "signed"
    again = post(world, session, attendee=case.online.pk, signer_name="张伟", image=IMAGE)
    assert again.status_code == 409
    absent = post(world, session, attendee=case.respondent.pk, signer_name="李娜", image=IMAGE)
    assert absent.status_code == 400 and "attendee" in absent.json()
    refused = post(world, session, attendee=case.agent.pk, refused=True, note=REFUSAL)
    assert refused.status_code == 201
    assert post(world, session, user=world.party_user).status_code == 403
    insurer = {"attendee": case.insurer.pk, "signer_name": "刘海涛", "image": IMAGE}
    assert post(world, session, representative_role="理赔经办人", **insurer).status_code == 201
    last = post(
        world,
        session,
        mediator=world.mediator.pk,
        signer_name=world.mediator.display_name,
        image=IMAGE,
    )
    assert last.status_code == 201
    body = last.json()
    assert body["complete"] is True and body["gaps"] == [] and body["pdf"] == url(session, "pdf/")

    pdf = mediator.get(url(session, "pdf/"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert verify_pdf(pdf.content).ok and "拒绝签字" in text_of(pdf.content)
    assert mediator.get(url(session, "pdf/?lang=fr")).status_code == 400


def test_joint_minutes_are_read_by_an_attending_party_and_the_court(
    world: World, case: Case
) -> None:
    session = hold_session(world, case)
    everyone_signs(world, case, session)
    for user in (world.party_user, world.court_user, world.director):
        client = client_for(user)
        assert client.get(url(session, "signatures/")).status_code == 200
        pdf = client.get(url(session, "pdf/?lang=en"))
        assert pdf.status_code == 200 and "Minutes of a Mediation Session" in text_of(pdf.content)
    # Reading is not recording: the party and the court may not take signatures.
    for user in (world.party_user, world.court_user, world.second_mediator.user):
        answer = post(world, session, user=user, attendee=case.online.pk, refused=True, note="x")
        assert answer.status_code == 403
    for user in (world.other_mediator.user, world.analyst):
        assert client_for(user).get(url(session, "pdf/")).status_code == 404


def test_caucus_minutes_are_for_the_body_only(world: World, case: Case) -> None:
    caucus = hold_session(world, case, kind="caucus")
    everyone_signs(world, case, caucus)
    # The party was there and the court sees the case: neither reads what was said alone.
    for user in (world.party_user, world.court_user):
        client = client_for(user)
        assert client.get(url(caucus, "signatures/")).status_code == 404
        assert client.get(url(caucus, "pdf/")).status_code == 404
        answer = post(world, caucus, user=user, attendee=case.online.pk, refused=True, note="x")
        assert answer.status_code == 404
    staff = client_for(world.clerk).get(url(caucus, "pdf/"))
    assert staff.status_code == 200 and "背对背调解笔录（第1次）" in text_of(staff.content)


def test_a_session_of_another_case_is_not_found(world: World, case: Case) -> None:
    session = hold_session(world, case)
    other = f.DisputeFactory(body=world.body, mediator=world.mediator, state="mediating")
    for tail in ("signatures/", "pdf/"):
        answer = client_for(world.mediator.user).get(
            f"/api/v1/disputes/{other.pk}/sessions/{session.pk}/minutes/{tail}"
        )
        assert answer.status_code == 404
