"""The API's one-time-code endpoints are rate limited; signatures drawn at the desk,
which carry no code, are not."""

from __future__ import annotations

from typing import Any

from tests.conftest import World, client_for
from tests.documents.conftest import Case
from tests.documents.helpers import INSURER_REPRESENTATIVE, agreement_url, in_person


def test_asking_for_signing_codes_is_throttled_per_user(
    world: World, agreed: Case, sms: list[tuple[str, str]], settings: Any
) -> None:
    settings.FENGQIAO_RATE_OTP = "2/m"
    party = client_for(world.party_user)
    url = agreement_url(agreed.dispute, "signatures/code/")
    answers = [party.post(url, {"signatory": agreed.online.pk}, format="json") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    # Reading the signatures is not counted.
    assert party.get(agreement_url(agreed.dispute, "signatures/")).status_code == 200


def test_desk_signatures_are_not_counted(world: World, agreed: Case, settings: Any) -> None:
    settings.FENGQIAO_RATE_OTP = "1/m"
    answers = [
        in_person(world, agreed, agreed.respondent, agreed.respondent).status_code,
        in_person(
            world, agreed, agreed.insurer, agreed.insurer, **INSURER_REPRESENTATIVE
        ).status_code,
    ]
    assert answers == [201, 201]
