"""The authorization matrix of a case's agreement, signatures and documents in the API."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from documents.models import Agreement, MinutesSignature, Signature
from mediation.cases.models import MediationSession
from tests.authorization.bodies import (
    SIGNATURE_IMAGE,
    agreement_json,
    in_person_json,
    online_json,
    signatory,
)
from tests.authorization.expectations import SEE_CASE, only
from tests.authorization.harness import (
    ADMIN,
    DIRECTOR,
    MEDIATOR,
    OTHER,
    OWN,
    PARTY,
    Clients,
    Row,
    Scene,
    Url,
    api,
    by_endpoint,
    case_api,
    matrix,
    run_endpoint,
)
from tests.conftest import World


def parties_signed(s: Scene) -> None:
    """Every party of both cases has signed: the agreements wait for their mediators."""
    for side in (OWN, OTHER):
        agreement = Agreement.objects.get(dispute=s.case(side))
        version = agreement.versions.get(number=agreement.version)
        for cp in s.case(side).case_parties.select_related("party"):
            Signature.objects.create(
                agreement=agreement,
                version=version,
                signatory=cp,
                signer=cp,
                signer_name=cp.party.name,
                method="in_person",
                user=s.mediator(side).user,
                text_sha256=version.sha256,
            )


def mediator_signature_json(s: Scene, side: str) -> dict[str, str]:
    return {"signer_name": s.mediator(side).display_name, "image": SIGNATURE_IMAGE}


def minutes_held(s: Scene) -> None:
    """Both cases' sessions were held yesterday, joint, with their minutes; the applicant (the
    world's party on the own case) and the case's mediator were there."""
    for side in (OWN, OTHER):
        session = s.session(side)
        MediationSession.objects.filter(pk=session.pk).update(
            status="held",
            minutes="双方陈述事实，调解员释法明理。",
            scheduled_at=timezone.now() - datetime.timedelta(days=1),
        )
        session.attendees.add(s.applicant(side))
        session.mediators.add(s.mediator(side))


def minutes_signed(s: Scene) -> None:
    """The held sessions' minutes signed by everyone present: the PDF can be issued."""
    minutes_held(s)
    for side in (OWN, OTHER):
        session = s.session(side)
        common = {"session": session, "user": s.mediator(side).user, "text_sha256": "0" * 64}
        applicant = s.applicant(side)
        MinutesSignature.objects.create(
            attendee=applicant, signer_name=applicant.party.name, image=b"png", **common
        )
        MinutesSignature.objects.create(
            mediator=s.mediator(side),
            signer_name=s.mediator(side).display_name,
            image=b"png",
            **common,
        )


def minutes_api(tail: str) -> Url:
    return lambda s, side: (
        f"/api/v1/disputes/{s.case(side).pk}/sessions/{s.session(side).pk}/minutes/{tail}"
    )


def minutes_signature_json(s: Scene, side: str) -> dict[str, Any]:
    applicant = s.applicant(side)
    return {
        "attendee": applicant.pk,
        "signer_name": applicant.party.name,
        "image": SIGNATURE_IMAGE,
    }


# --- the table -----------------------------------------------------------------------------------

TABLE: list[Row] = [
    # ---- /api/v1/disputes/<id>/agreement/ and documents/ --------------------------------------
    *matrix(api("api-agreement", "GET", case_api("agreement/")), **SEE_CASE),
    *matrix(
        api(
            "api-agreement",
            "PUT",
            case_api("agreement/"),
            data=agreement_json,
            setup=Scene.cases_in_mediation,
        ),
        # The agreement is the case's mediator's work (SPEC §1, §5); the superuser configures,
        # it does not draft agreements, so 403 for it too.
        **only(200, (MEDIATOR,)),
    ),
    *matrix(api("api-signatures", "GET", case_api("agreement/signatures/")), **SEE_CASE),
    *matrix(
        api(
            "api-signatures",
            "POST",
            case_api("agreement/signatures/"),
            data=in_person_json,
            variant="in_person",
        ),
        # In-person signatures are collected by the case's mediator, no one else (superuser too).
        **only(201, (MEDIATOR,)),
    ),
    *matrix(
        api(
            "api-signatures",
            "POST",
            case_api("agreement/signatures/"),
            data=online_json,
            variant="online",
        ),
        # Online, a party signs for themselves with the code sent to them.
        **only(201, (PARTY,)),
    ),
    *matrix(
        api(
            "api-signing-code",
            "POST",
            case_api("agreement/signatures/code/"),
            data=signatory,
        ),
        **only(201, (PARTY,)),
    ),
    *matrix(
        api(
            "api-mediator-signature",
            "POST",
            case_api("agreement/mediator-signature/"),
            data=mediator_signature_json,
            setup=parties_signed,
        ),
        # The case's mediator signs last, in person; no one signs in their place (superuser too).
        **only(201, (MEDIATOR,)),
    ),
    *matrix(api("api-agreement-preview", "GET", case_api("agreement/preview/")), **SEE_CASE),
    *matrix(api("api-documents", "GET", case_api("documents/")), **SEE_CASE),
    *matrix(
        api("api-document-pdf", "GET", case_api("documents/acceptance_notice/pdf/")), **SEE_CASE
    ),
    # ---- a session's minutes: read by whom mediation/cases/minutes.py lets read them (a joint
    # session: the body's staff, the court, the party who attended) --------------------------
    *matrix(
        api(
            "api-minutes-signatures",
            "GET",
            minutes_api("signatures/"),
            setup=minutes_held,
        ),
        **SEE_CASE,
    ),
    *matrix(
        api(
            "api-minutes-signatures",
            "POST",
            minutes_api("signatures/"),
            data=minutes_signature_json,
            setup=minutes_held,
        ),
        # Those who record sessions record who signed their minutes: the case's mediator or a
        # director (services.record_session_outcome's people, the superuser among them).
        **only(201, (MEDIATOR, DIRECTOR, ADMIN)),
    ),
    *matrix(api("api-minutes-pdf", "GET", minutes_api("pdf/"), setup=minutes_signed), **SEE_CASE),
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
