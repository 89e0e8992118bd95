"""The dashboard tests' data set, `board`: test_rates.py's `figures` (hand-counted there), plus
two cases received in April without a mediator or a track (one of them overdue, with parties
whose personal data must never reach an analyst), so that the `none` slices and the month
trend have something to show.
"""

from __future__ import annotations

import datetime

import pytest

from mediation.kernel.choices import Category, State
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.figures.dashboard_helpers import (
    SECRET_FACTS,
    SECRET_ID,
    SECRET_NAME,
    SECRET_PHONE,
    SECRET_TITLE,
)
from tests.mediation.figures.test_rates import (
    APRIL,
    TODAY,
    case,
    figures,  # noqa: F401  (the fixture `board` builds on)
)


@pytest.fixture
def board(request: pytest.FixtureRequest) -> World:
    """`figures` plus, received in April, without mediator or track:

    - body A: one registered traffic case (not accepted, no deadline);
    - body B: one accepted family case, overdue by 3 days, with an applicant whose name, ID
      number and phone, and a title and facts, are personal data.
    """
    world: World = request.getfixturevalue("figures")
    none = {"track": "", "mediator": None, "received_at": APRIL}
    case(
        world.body,
        category=Category.TRAFFIC,
        state=State.REGISTERED,
        accepted_at=None,
        deadline=None,
        **none,
    )
    secret = case(
        world.other_body,
        category=Category.FAMILY,
        state=State.ACCEPTED,
        deadline=TODAY - datetime.timedelta(days=3),
        title=SECRET_TITLE,
        facts=SECRET_FACTS,
        **none,
    )
    applicant = f.PartyFactory(name=SECRET_NAME, id_number=SECRET_ID, phone=SECRET_PHONE)
    f.CasePartyFactory(dispute=secret, party=applicant, role=PartyRole.APPLICANT)
    f.CasePartyFactory(dispute=secret, role=PartyRole.RESPONDENT)
    world.secret = secret  # type: ignore[attr-defined]
    return world
