"""The authorization matrix of the disputes API (/api/v1/disputes/): the list, registration, a
case's detail, transitions, parties, sessions (and who reads their minutes) and log.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.authorization.bodies import (
    form,
    minutes_read_by_role,
    reason,
    register_json,
    session_json,
    sessions_with_minutes,
    third_party_json,
)
from tests.authorization.expectations import (
    NOT_ALLOWED,
    REFERENCE_LIST,
    SEE_CASE,
    WORKBENCH_CASE,
    edit_case,
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
    Url,
    api,
    by_endpoint,
    case_api,
    case_page,
    disputes_listed_in_scope,
    everyone,
    fixed,
    matrix,
    page,
    run_endpoint,
)
from tests.conftest import World


def _respondent_api() -> Url:
    return lambda s, side: (
        f"/api/v1/disputes/{s.case(side).pk}/parties/{s.case_parties(side)[1]}/"
    )


def _applicant(s: Scene, side: str) -> dict[str, Any]:
    return {"case_party": s.case_parties(side)[0]}


def _respondents_answer(s: Scene, side: str) -> dict[str, Any]:
    return {"case_party": s.case_parties(side)[1], "answer": "agrees", "channel": "phone"}


# --- the table -----------------------------------------------------------------------------------

TABLE: list[Row] = [
    # ---- /api/v1/ -------------------------------------------------------------------------------
    *matrix(api("api-root", "GET", fixed("/api/v1/")), **REFERENCE_LIST),
    *matrix(
        api(
            "dispute-list",
            "GET",
            fixed("/api/v1/disputes/"),
            setup=Scene.both_cases,
            check=disputes_listed_in_scope,
        ),
        # Everyone gets the list of what they may see; the analyst's is empty (no cases).
        **everyone(200, anonymous=401),
    ),
    *matrix(
        api("dispute-list", "POST", fixed("/api/v1/disputes/"), data=register_json),
        # Own side: a dispute for the user's own body; other side: for the other body.
        anonymous=(401, 401),
        clerk=(201, 403),
        mediator=(403, 403),
        colleague=(403, 403),
        director=(201, 403),
        court=(403, 403),  # a court registers only the cases it delegates (referrals API)
        party=(403, 403),
        analyst=(403, 403),
        admin=(201, 201),
    ),
    *matrix(api("dispute-detail", "GET", case_api()), **SEE_CASE),
    *matrix(
        api("dispute-detail", "PATCH", case_api(), data=form(title="两车追尾人身损害赔偿（更正）")),
        **edit_case(200),
    ),
    *matrix(api("dispute-detail", "DELETE", case_api()), **NOT_ALLOWED),
    *matrix(api("dispute-transitions", "GET", case_api("transitions/")), **SEE_CASE),
    *matrix(
        api(
            "dispute-take-transition",
            "POST",
            case_api("transitions/fail/"),
            data=reason("双方分歧较大"),
            variant="fail",
        ),
        **only(200, (MEDIATOR, DIRECTOR, ADMIN)),
    ),
    *matrix(
        api(
            "dispute-take-transition",
            "POST",
            case_api("transitions/withdraw/"),
            data=reason("申请人撤回申请"),
            variant="withdraw",
        ),
        # SPEC §3: clerk, mediator, party (the applicant).
        **only(200, (CLERK, MEDIATOR, PARTY, ADMIN)),
    ),
    *matrix(
        api("dispute-parties", "GET", case_api("parties/")),
        **SEE_CASE,
    ),
    *matrix(
        api("dispute-parties", "POST", case_api("parties/"), data=third_party_json),
        **edit_case(201),
    ),
    *matrix(
        api(
            "dispute-party",
            "PATCH",
            _respondent_api(),
            data=form(occupation="个体工商户", ethnicity="汉族"),
        ),
        **edit_case(200),
    ),
    *matrix(
        api(
            "dispute-party",
            "DELETE",
            _respondent_api(),
        ),
        # Who may change the parties may try; the case is past acceptance, so it is refused.
        **edit_case(409),
    ),
    *matrix(api("dispute-mediation-consents", "GET", case_api("mediation-consents/")), **SEE_CASE),
    *matrix(
        api(
            "dispute-mediation-consents",
            "POST",
            case_api("mediation-consents/"),
            data=_respondents_answer,
        ),
        # The body's clerks and directors record it, before acceptance only: the case is past it.
        **only(409, (CLERK, DIRECTOR, ADMIN)),
    ),
    *matrix(
        api("dispute-rights-acknowledgements", "GET", case_api("rights-acknowledgements/")),
        **SEE_CASE,
    ),
    *matrix(
        api(
            "dispute-rights-acknowledgements",
            "POST",
            case_api("rights-acknowledgements/"),
            data=_applicant,
        ),
        # The body's staff on the case, while it is open (the own case is agreed).
        **edit_case(201),
    ),
    *matrix(api("dispute-sessions", "GET", case_api("sessions/")), **SEE_CASE),
    *matrix(
        api(
            "dispute-sessions",
            "GET",
            case_api("sessions/"),
            setup=sessions_with_minutes,
            check=minutes_read_by_role,
            variant="minutes",
        ),
        **SEE_CASE,
    ),
    *matrix(
        page(
            "workbench:case",
            "GET",
            case_page(),
            setup=sessions_with_minutes,
            check=minutes_read_by_role,
            variant="minutes",
        ),
        **WORKBENCH_CASE,
    ),
    *matrix(
        api("dispute-sessions", "POST", case_api("sessions/"), data=session_json),
        # services.schedule_session: the assigned mediator or a director.
        **only(201, (MEDIATOR, DIRECTOR, ADMIN)),
    ),
    *matrix(api("dispute-log", "GET", case_api("log/")), **SEE_CASE),
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
