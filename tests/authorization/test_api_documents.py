"""The authorization matrix of a case's agreement, signatures and documents in the API."""

from __future__ import annotations

import pytest

from documents.models import Agreement, Signature
from tests.authorization.bodies import (
    SIGNATURE_IMAGE,
    agreement_json,
    in_person_json,
    online_json,
    signatory,
)
from tests.authorization.expectations import SEE_CASE, only
from tests.authorization.harness import (
    MEDIATOR,
    OTHER,
    OWN,
    PARTY,
    Clients,
    Row,
    Scene,
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
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
