"""The authorization matrix of the calendar files and feeds (/calendar/) and the dashboard
(/dashboard/).
"""

from __future__ import annotations

import pytest

from tests.authorization.expectations import FIGURES, SEE_CASE_PAGE
from tests.authorization.harness import (
    Clients,
    Row,
    Scene,
    by_endpoint,
    everyone,
    fixed,
    matrix,
    no_personal_data,
    page,
    run_endpoint,
)
from tests.conftest import World

# --- the table -----------------------------------------------------------------------------------

TABLE: list[Row] = [
    # ---- /calendar/ ---------------------------------------------------------------------------
    *matrix(
        page("calendar:session", "GET", lambda s, d: f"/calendar/sessions/{s.session(d).pk}.ics"),
        **SEE_CASE_PAGE,
    ),
    *matrix(
        page(
            "calendar:mediator-feed",
            "GET",
            lambda s, d: f"/calendar/mediators/{s.feed_token(d)}.ics",
        ),
        # A calendar app cannot sign in: the secret token is the key, for anyone holding it;
        # a token nobody holds is 404.
        **everyone((200, 404)),
    ),
    # ---- /dashboard/ --------------------------------------------------------------------------
    *matrix(
        page(
            "dashboard:page",
            "GET",
            fixed("/dashboard/"),
            setup=Scene.both_cases,
            check=no_personal_data,
        ),
        **FIGURES,
    ),
    *matrix(
        page(
            "dashboard:page",
            "GET",
            fixed("/dashboard/?table=category&format=csv"),
            setup=Scene.both_cases,
            check=no_personal_data,
            variant="export",
        ),
        **FIGURES,
    ),
    *matrix(
        page(
            "dashboard:cases",
            "GET",
            fixed("/dashboard/cases/?figure=all"),
            setup=Scene.both_cases,
            check=no_personal_data,
        ),
        **FIGURES,
    ),
    *matrix(
        page(
            "dashboard:cases",
            "GET",
            fixed("/dashboard/cases/?figure=all&format=csv"),
            setup=Scene.both_cases,
            check=no_personal_data,
            variant="export",
        ),
        **FIGURES,
    ),
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
