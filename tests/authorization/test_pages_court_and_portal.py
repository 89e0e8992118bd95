"""The authorization matrix of the court inbox (/court/) and the party portal (/portal/)."""

from __future__ import annotations

import pytest

from tests.authorization.bodies import extend_json, form, online_form, signatory
from tests.authorization.expectations import PORTAL_CASE, SEE_REFERRAL, only
from tests.authorization.harness import (
    ADMIN,
    ANON,
    COURT,
    DIRECTOR,
    MEDIATOR,
    PARTY,
    REFERRAL_VIEWERS,
    Clients,
    Row,
    Scene,
    by_endpoint,
    everyone,
    fixed,
    matrix,
    page,
    references_in_scope,
    run_endpoint,
)
from tests.conftest import World

# --- the table -----------------------------------------------------------------------------------

TABLE: list[Row] = [
    # ---- /court/: the court inbox -------------------------------------------------------------
    *matrix(
        page(
            "courts:inbox",
            "GET",
            fixed("/court/referrals/"),
            setup=Scene.both_cases,
            check=references_in_scope(REFERRAL_VIEWERS),
        ),
        anonymous=302,
        clerk=200,
        mediator=200,
        colleague=200,
        director=200,
        court=200,
        # SPEC is silent: parties and analysts have no referrals; like the workbench and the
        # portal, an area that is not theirs answers 404 rather than an empty court inbox.
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        page("courts:referral", "GET", lambda s, d: f"/court/referrals/{s.referral(d).pk}/"),
        **{**SEE_REFERRAL, ANON: (302, 302)},
    ),
    *matrix(
        page(
            "courts:step",
            "POST",
            lambda s, d: f"/court/referrals/{s.referral(d).pk}/extend/",
            data=extend_json,
            variant="extend",
        ),
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=(PARTY,)),
    ),
    *matrix(
        page(
            "courts:step",
            "POST",
            lambda s, d: f"/court/referrals/{s.litigation(d).pk}/receive/",
            data=form(expected_state="sent"),
            variant="receive",
        ),
        **only(303, (COURT, ADMIN), anon=302, hidden=(PARTY,)),
    ),
    # ---- /portal/: the party portal -----------------------------------------------------------
    *matrix(
        page("portal:my-data", "POST", fixed("/portal/my-data/")),
        # A party's own data, to the party only; the portal is no one else's area.
        **everyone(404, anonymous=302, party=200),
    ),
    *matrix(
        page(
            "portal:cases",
            "GET",
            fixed("/portal/"),
            setup=Scene.both_cases,
            check=references_in_scope(frozenset({PARTY})),
        ),
        # The superuser is no party: the portal is not its area (404, as for anyone else).
        **everyone(404, anonymous=302, party=200),
    ),
    *matrix(
        page("portal:login", "GET", fixed("/portal/login/")),
        # The sign-in page is public; a signed-in party is sent on to their cases.
        **everyone(200, party=302),
    ),
    *matrix(
        page("portal:login", "POST", fixed("/portal/login/"), data=form(phone="13800138000")),
        # Every valid number gets the same answer: on to the code page.
        **everyone(302),
    ),
    *matrix(
        page("portal:login-code", "GET", fixed("/portal/login/code/")),
        # Without a number asked for first, back to the first step, whoever asks.
        **everyone(302),
    ),
    *matrix(
        page("portal:case", "GET", lambda s, d: f"/portal/cases/{s.case(d).pk}/"), **PORTAL_CASE
    ),
    *matrix(
        page(
            "portal:signing-code",
            "POST",
            lambda s, d: f"/portal/cases/{s.case(d).pk}/signing-code/",
            data=signatory,
        ),
        **{**PORTAL_CASE, PARTY: (302, 404)},
    ),
    *matrix(
        page(
            "portal:sign",
            "POST",
            lambda s, d: f"/portal/cases/{s.case(d).pk}/sign/",
            data=online_form,
        ),
        **{**PORTAL_CASE, PARTY: (302, 404)},
    ),
    *matrix(
        page(
            "portal:document",
            "GET",
            lambda s, d: f"/portal/cases/{s.case(d).pk}/documents/acceptance_notice.pdf",
        ),
        **PORTAL_CASE,
    ),
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
