"""The authorization matrix of the workbench pages (/cases/)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.authorization.bodies import (
    agreement_form,
    form,
    in_person_form,
    ledger_file,
    reason,
    session_form,
    traffic_case_form,
)
from tests.authorization.expectations import OUTSIDE_WORKBENCH, WORKBENCH_CASE, only
from tests.authorization.harness import (
    ADMIN,
    BODY_STAFF,
    CLERK,
    DIRECTOR,
    MEDIATOR,
    SIGNATURE_IMAGE,
    Clients,
    Row,
    Scene,
    Url,
    by_endpoint,
    case_page,
    everyone,
    fixed,
    matrix,
    nothing_of_the_other_body,
    page,
    references_in_scope,
    run_endpoint,
)
from tests.authorization.test_api_documents import minutes_held
from tests.conftest import World


def _respondent_page(tail: str = "") -> Url:
    return lambda s, side: f"/cases/{s.case(side).pk}/parties/{s.case_parties(side)[1]}/{tail}"


def _respondent_form(s: Scene, side: str) -> dict[str, Any]:
    respondent = s.case(side).case_parties.select_related("party").get(pk=s.case_parties(side)[1])
    return {"name": respondent.party.name, "occupation": "个体工商户"}


def _answer_form(s: Scene, side: str) -> dict[str, Any]:
    return {"case_party": s.case_parties(side)[1], "answer": "agrees", "channel": "phone"}


def _minutes_signature_form(s: Scene, side: str) -> dict[str, Any]:
    applicant = s.applicant(side)
    return {
        "signer": f"p{applicant.pk}",
        "signer_name": applicant.party.name,
        "image": SIGNATURE_IMAGE,
    }


# --- the table -----------------------------------------------------------------------------------

TABLE: list[Row] = [
    # ---- /cases/: the workbench ---------------------------------------------------------------
    *matrix(
        page(
            "workbench:queue",
            "GET",
            fixed("/cases/?tab=all"),
            setup=Scene.both_cases,
            check=references_in_scope(frozenset({*BODY_STAFF, ADMIN})),
        ),
        anonymous=302,
        clerk=200,
        mediator=200,
        colleague=200,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        page("workbench:register", "GET", fixed("/cases/new/")),
        anonymous=302,
        clerk=200,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=403,  # the superuser has no body to register for (may see, may not do)
    ),
    *matrix(
        page("workbench:register", "POST", fixed("/cases/new/"), data=traffic_case_form),
        anonymous=302,
        clerk=303,
        mediator=403,
        colleague=403,
        director=303,
        court=404,
        party=404,
        analyst=404,
        admin=403,  # as above: no body of its own
    ),
    *matrix(
        page("workbench:party_row", "GET", fixed("/cases/new/party-row/?index=2")),
        anonymous=302,
        clerk=200,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=403,
    ),
    *matrix(
        page("workbench:overview", "GET", fixed("/cases/overview/")),
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=403,  # an overview is of one's own body; the superuser has none
    ),
    *matrix(
        page(
            "workbench:audit",
            "GET",
            fixed("/cases/audit/"),
            setup=Scene.both_cases,
            check=nothing_of_the_other_body,
        ),
        # The field history of the body's cases: its directors (and the superuser, every body).
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        page("workbench:ledger_upload", "GET", fixed("/cases/import/")),
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        # The blank ledger: for those who may import, as the upload page is.
        page("workbench:ledger_template", "GET", fixed("/cases/import/template.xlsx")),
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=200,
        court=404,
        party=404,
        analyst=404,
        admin=200,
    ),
    *matrix(
        page("workbench:ledger_upload", "POST", fixed("/cases/import/"), data=ledger_file),
        anonymous=302,
        clerk=403,
        mediator=403,
        colleague=403,
        director=302,
        court=404,
        party=404,
        analyst=404,
        admin=302,
    ),
    *matrix(
        page(
            "workbench:ledger_import",
            "GET",
            lambda s, d: f"/cases/import/{s.ledger_import(d).pk}/",
        ),
        # An import's report is its uploader's (and the superuser's); nobody else's to see.
        **everyone((404, 404), anonymous=(302, 302), director=(200, 404), admin=(200, 200)),
    ),
    *matrix(
        page(
            "workbench:ledger_errors",
            "GET",
            lambda s, d: f"/cases/import/{s.ledger_import(d).pk}/errors.csv",
        ),
        **everyone((404, 404), anonymous=(302, 302), director=(200, 404), admin=(200, 200)),
    ),
    *matrix(page("workbench:case", "GET", case_page()), **WORKBENCH_CASE),
    *matrix(page("workbench:party", "GET", _respondent_page()), **WORKBENCH_CASE),
    *matrix(
        page("workbench:party", "POST", _respondent_page(), data=_respondent_form),
        # Changing a case's parties: its body's clerk and director and its own mediator.
        **only(303, (CLERK, MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page("workbench:party_remove", "POST", _respondent_page("remove/")),
        # As above; the case is past acceptance, so those who may are refused.
        **only(409, (CLERK, MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:transition",
            "POST",
            case_page("transitions/fail/"),
            data=reason("双方分歧较大", expected_state="agreed"),
        ),
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page("workbench:transition", "GET", case_page("transitions/fail/")),
        # A transition is a POST; a GET is sent to the case page the same whoever asks, whatever
        # case (it says nothing about the case: the page then answers as it does), after the
        # login redirect.
        **everyone((302, 302)),
    ),
    *matrix(
        page("workbench:sessions", "POST", case_page("sessions/"), data=session_form),
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:mediation_consent",
            "POST",
            case_page("mediation-consents/"),
            data=_answer_form,
        ),
        # The body's clerks and directors, before acceptance only: the case is past it.
        **only(409, (CLERK, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:rights_acknowledgement",
            "POST",
            case_page("rights-acknowledgements/"),
            data=lambda s, side: {"case_party": s.case_parties(side)[0]},
        ),
        # The body's staff on the case, while it is open.
        **only(303, (CLERK, MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:session",
            "POST",
            lambda s, d: f"/cases/{s.case(d).pk}/sessions/{s.session(d).pk}/",
            data=form(status="cancelled"),
        ),
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:minutes_signature",
            "POST",
            lambda s, d: f"/cases/{s.case(d).pk}/sessions/{s.session(d).pk}/minutes/",
            data=_minutes_signature_form,
            setup=minutes_held,
        ),
        # Those who record sessions take the signatures of their minutes.
        **only(303, (MEDIATOR, DIRECTOR, ADMIN), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page("workbench:agreement", "GET", case_page("agreement/")),
        # The editor is the case's mediator's; the agreement itself is readable on the case page.
        **only(200, (MEDIATOR,), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(
        page(
            "workbench:agreement",
            "POST",
            case_page("agreement/"),
            data=agreement_form,
            setup=Scene.cases_in_mediation,
        ),
        **only(303, (MEDIATOR,), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
    *matrix(page("workbench:signing", "GET", case_page("agreement/sign/")), **WORKBENCH_CASE),
    *matrix(
        page("workbench:signing", "POST", case_page("agreement/sign/"), data=in_person_form),
        **only(303, (MEDIATOR,), anon=302, hidden=OUTSIDE_WORKBENCH),
    ),
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
