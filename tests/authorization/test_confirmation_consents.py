"""The authorization matrix of the joint application for judicial confirmation: the parties'
consents (API, case page, portal) and the agents' special powers of attorney."""

from __future__ import annotations

from typing import Any

import pytest

from tests.authorization.expectations import (
    OUTSIDE_WORKBENCH,
    PORTAL_CASE,
    SEE_CASE,
    only,
)
from tests.authorization.harness import (
    ADMIN,
    CLERK,
    DIRECTOR,
    MEDIATOR,
    PARTY,
    Clients,
    Row,
    Scene,
    api,
    by_endpoint,
    case_api,
    case_page,
    matrix,
    page,
    run_endpoint,
)
from tests.conftest import World


def applicant(s: Scene, side: str) -> dict[str, Any]:
    return {"party": s.applicant(side).pk}


def in_person(s: Scene, side: str) -> dict[str, Any]:
    return {"party": s.applicant(side).pk, "method": "in_person"}


def online(s: Scene, side: str) -> dict[str, Any]:
    return {"party": s.applicant(side).pk, "method": "online", "code": s.consent_code(side)}


def online_form(s: Scene, side: str) -> dict[str, Any]:
    return {"party": s.applicant(side).pk, "code": s.consent_code(side)}


def power_of_attorney(s: Scene, side: str) -> dict[str, Any]:
    return {"scope": ["confirmation"], "dated": "2026-11-01", "document": "授权委托书第7号"}


def agent_url(s: Scene, side: str) -> str:
    agent = s.agent(side)
    return f"/api/v1/disputes/{agent.dispute_id}/parties/{agent.pk}/power-of-attorney/"


def agent_page(s: Scene, side: str) -> str:
    agent = s.agent(side)
    return f"/cases/{agent.dispute_id}/parties/{agent.pk}/power-of-attorney/"


SIGNED = Scene.cases_signed

TABLE: list[Row] = [
    *matrix(
        api("api-confirmation-consents", "GET", case_api("confirmation-consents/"), setup=SIGNED),
        **SEE_CASE,
    ),
    *matrix(
        api(
            "api-confirmation-consents",
            "POST",
            case_api("confirmation-consents/"),
            data=in_person,
            setup=SIGNED,
            variant="in_person",
        ),
        # Recorded by the case's mediator (the superuser may stand in, as for any record).
        **only(201, (MEDIATOR, ADMIN)),
    ),
    *matrix(
        api(
            "api-confirmation-consents",
            "POST",
            case_api("confirmation-consents/"),
            data=online,
            setup=SIGNED,
            variant="online",
        ),
        **only(201, (PARTY,)),
    ),
    *matrix(
        api(
            "api-confirmation-consent-code",
            "POST",
            case_api("confirmation-consents/code/"),
            data=applicant,
            setup=SIGNED,
        ),
        **only(201, (PARTY,)),
    ),
    *matrix(
        api("api-power-of-attorney", "PUT", agent_url, data=power_of_attorney),
        # The body's desk and the case's mediator record what the agent brought.
        **only(200, (CLERK, DIRECTOR, MEDIATOR, ADMIN)),
    ),
    *matrix(
        page(
            "workbench:power_of_attorney",
            "POST",
            agent_page,
            data=power_of_attorney,
        ),
        # The same, from the case page.
        **only(303, (CLERK, DIRECTOR, MEDIATOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:confirmation_consent",
            "POST",
            case_page("confirmation-consents/"),
            data=applicant,
            setup=SIGNED,
        ),
        **only(303, (MEDIATOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "portal:consent-code",
            "POST",
            lambda s, d: f"/portal/cases/{s.case(d).pk}/consent-code/",
            data=applicant,
            setup=SIGNED,
        ),
        **{**PORTAL_CASE, PARTY: (302, 404)},
    ),
    *matrix(
        page(
            "portal:consent",
            "POST",
            lambda s, d: f"/portal/cases/{s.case(d).pk}/consent/",
            data=online_form,
            setup=SIGNED,
        ),
        **{**PORTAL_CASE, PARTY: (302, 404)},
    ),
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
