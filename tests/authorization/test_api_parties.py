"""The authorization matrix of the parties API (/api/v1/parties/): personal data on request, a
body's record of a party, its phone and its portal account.
"""

from __future__ import annotations

import pytest

from tests.authorization.bodies import reason
from tests.authorization.expectations import (
    ERASE_PERSONAL_DATA,
    OPEN_ACCOUNT,
    PERSONAL_DATA,
    PHONE_BY_DECISION,
    PHONE_CODE,
    party_api,
    portal_party_api,
    record_api,
)
from tests.authorization.harness import Clients, Row, api, by_endpoint, matrix, run_endpoint
from tests.conftest import World

# --- the table -----------------------------------------------------------------------------------

TABLE: list[Row] = [
    # ---- /api/v1/parties/: personal data on request -------------------------------------------
    *matrix(
        api("api-personal-data-export", "POST", party_api("export/"), data=reason("当事人申请")),
        **PERSONAL_DATA,
    ),
    *matrix(
        api("api-personal-data-erase", "POST", party_api("erase/"), data=reason("当事人申请")),
        **ERASE_PERSONAL_DATA,
    ),
    # ---- /api/v1/parties/: a body's record, its phone and its portal account --------------------
    *matrix(
        api(
            "api-party-phone",
            "POST",
            portal_party_api("phone/"),
            data=lambda s, side: {"phone": "13911112222", "decision": "当事人手机遗失"},
        ),
        **PHONE_BY_DECISION,
    ),
    *matrix(api("api-party-phone-code", "POST", portal_party_api("phone/code/")), **PHONE_CODE),
    *matrix(api("api-party-portal-account", "POST", record_api("portal-account/")), **OPEN_ACCOUNT),
]


ENDPOINTS = by_endpoint(TABLE)


@pytest.mark.parametrize("rows", list(ENDPOINTS.values()), ids=list(ENDPOINTS))
def test_authorization(clients: Clients, world: World, rows: list[Row]) -> None:
    run_endpoint(clients, world, rows)
