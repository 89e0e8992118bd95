"""The authorization matrix of the referrals API (/api/v1/referrals/), the rates, and the
reference lists (bodies, mediators, courts).
"""

from __future__ import annotations

import pytest

from tests.authorization.bodies import delegation_json, extend_json, form, litigation_json
from tests.authorization.expectations import (
    FIGURES,
    NOT_ALLOWED,
    NOT_ALLOWED_LIST,
    REFERENCE,
    REFERENCE_LIST,
    SEE_REFERRAL,
    only,
)
from tests.authorization.harness import (
    ADMIN,
    ANON,
    COURT,
    DIRECTOR,
    MEDIATOR,
    PARTY,
    Clients,
    Row,
    Scene,
    api,
    by_endpoint,
    everyone,
    fixed,
    matrix,
    rates_in_scope,
    referrals_listed_in_scope,
    run_endpoint,
)
from tests.conftest import World

# --- the table -----------------------------------------------------------------------------------

TABLE: list[Row] = [
    # ---- /api/v1/referrals/, the rates and the reference lists -----------------------------------
    *matrix(
        api(
            "referral-list",
            "GET",
            fixed("/api/v1/referrals/"),
            setup=Scene.both_cases,
            check=referrals_listed_in_scope,
        ),
        **everyone(200, anonymous=401),
    ),
    *matrix(
        api(
            "referral-list",
            "POST",
            fixed("/api/v1/referrals/"),
            data=litigation_json,
            variant="litigation",
        ),
        # A body sends its failed case to court: mediator or director (SPEC §3 refer_to_court).
        # The court does not hold the failed case yet, so it may not see it: 404.
        **only(201, (MEDIATOR, DIRECTOR, ADMIN), hidden=(COURT,)),
    ),
    *matrix(
        api(
            "referral-list",
            "POST",
            fixed("/api/v1/referrals/"),
            data=delegation_json,
            variant="delegation",
        ),
        # A court delegates to any body (own/other: the body it sends to); nobody else delegates
        # in a court's name, the superuser included (it has no court).
        **everyone((403, 403), anonymous=(401, 401), court=(201, 201)),
    ),
    *matrix(
        api("referral-detail", "GET", lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/"),
        **SEE_REFERRAL,
    ),
    *matrix(
        api("referral-detail", "PATCH", lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/"),
        **NOT_ALLOWED,
    ),
    *matrix(
        api(
            "referral-transitions",
            "GET",
            lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/transitions/",
        ),
        **SEE_REFERRAL,
    ),
    *matrix(
        api(
            "referral-take-transition",
            "POST",
            lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/transitions/extend/",
            data=extend_json,
            variant="extend",
        ),
        # Extending a delegation: the body's director or the case's mediator (courts.rules).
        **only(200, (MEDIATOR, DIRECTOR, ADMIN), hidden=(PARTY,)),
    ),
    *matrix(
        api(
            "referral-take-transition",
            "POST",
            lambda s, d: f"/api/v1/referrals/{s.litigation(d).pk}/transitions/receive/",
            data=form(expected_state="sent"),
            variant="receive",
        ),
        # A referral to litigation is received by its court; the body that sent it may not.
        **only(200, (COURT, ADMIN), hidden=(PARTY,)),
    ),
    *matrix(
        api("referral-log", "GET", lambda s, d: f"/api/v1/referrals/{s.referral(d).pk}/log/"),
        **SEE_REFERRAL,
    ),
    *matrix(
        api(
            "api-rates",
            "GET",
            fixed("/api/v1/stats/rates/?group_by=category,track,body"),
            setup=Scene.both_cases,
            check=rates_in_scope,
        ),
        **{**FIGURES, ANON: 401},
    ),
    *matrix(api("body-list", "GET", fixed("/api/v1/bodies/")), **REFERENCE_LIST),
    *matrix(api("body-list", "POST", fixed("/api/v1/bodies/")), **NOT_ALLOWED_LIST),
    *matrix(api("body-detail", "GET", lambda s, d: f"/api/v1/bodies/{s.body(d).pk}/"), **REFERENCE),
    *matrix(api("mediator-list", "GET", fixed("/api/v1/mediators/")), **REFERENCE_LIST),
    *matrix(
        api("mediator-detail", "GET", lambda s, d: f"/api/v1/mediators/{s.mediator(d).pk}/"),
        **REFERENCE,
    ),
    *matrix(api("court-list", "GET", fixed("/api/v1/courts/")), **REFERENCE_LIST),
    *matrix(
        api("court-detail", "GET", lambda s, d: f"/api/v1/courts/{s.court(d).pk}/"), **REFERENCE
    ),
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
