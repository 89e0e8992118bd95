"""Who may use the workbench pages (/cases/), where each role lands after signing in, and the
language the pages speak by default.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import World
from tests.mediation.workbench.helpers import (
    OVERVIEW,
    QUEUE,
    REGISTER,
    case,
    case_url,
    html,
    listed,
    state_of,
    transition_url,
    web,
)

# --- who may use the workbench -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(world: World) -> None:
    dispute = case(world, "registered", "FQ-A-1")
    for path in (QUEUE, case_url(dispute), REGISTER, OVERVIEW):
        answer = web().get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith("/accounts/login/?next=")
    answer = web().post(transition_url(dispute, "accept"), {"expected_state": "registered"})
    assert answer.status_code == 302
    assert state_of(dispute) == "registered"


@pytest.mark.parametrize("who", ["court_user", "party_user", "analyst"])
def test_the_workbench_is_404_for_anyone_but_body_staff(world: World, who: str) -> None:
    # The party user is the applicant and the court user's court is the case's court: both may
    # see the case through the API or the court inbox, but the workbench is the body's.
    dispute = case(world, "registered", "FQ-A-1")
    client = web(getattr(world, who))
    for path in (QUEUE, case_url(dispute), REGISTER, OVERVIEW, f"{REGISTER}party-row/?index=2"):
        assert client.get(path).status_code == 404, path
    answer = client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})
    assert answer.status_code == 404
    assert state_of(dispute) == "registered"


@pytest.mark.parametrize("who", ["clerk", "director", "mediator"])
def test_body_staff_open_the_queue_and_the_nav_links_it(world: World, who: str) -> None:
    answer = web(getattr(world, who)).get(QUEUE)
    assert answer.status_code == 200
    assert 'href="/cases/"' in html(answer)


def test_the_nav_and_home_page_show_only_the_users_areas(world: World) -> None:
    director_home = html(web(world.director).get("/"))
    assert 'data-area="workbench"' in director_home
    assert 'data-area="overview"' in director_home
    clerk_home = html(web(world.clerk).get("/"))
    assert 'data-area="workbench"' in clerk_home
    assert 'data-area="overview"' not in clerk_home
    court_home = html(web(world.court_user).get("/"))
    assert 'data-area="court"' in court_home
    assert 'data-area="workbench"' not in court_home
    assert 'href="/cases/"' not in court_home
    assert 'data-area="admin"' in html(web(world.admin).get("/"))


def test_another_bodys_case_is_404(world: World) -> None:
    theirs = case(world, "registered", "FQ-THEIRS", body=world.other_body, mediator=None)
    ours = case(world, "registered", "FQ-OURS", mediator=None)

    assert web(world.director).get(case_url(theirs)).status_code == 404
    assert web(world.other_director).get(case_url(ours)).status_code == 404
    assert "FQ-THEIRS" not in listed(web(world.director).get(QUEUE + "?tab=all"))
    assert listed(web(world.other_director).get(QUEUE + "?tab=all")) == ["FQ-THEIRS"]
    answer = web(world.other_director).post(
        transition_url(ours, "decline"),
        {"expected_state": "registered", "ground": "not_civil", "advice": "公安机关"},
    )
    assert answer.status_code == 404
    assert state_of(ours) == "registered"


def test_the_pages_speak_chinese_by_default(world: World) -> None:
    client = Client()
    client.force_login(world.director)
    page = client.get(QUEUE).content.decode()
    assert 'lang="zh-hans"' in page


@pytest.mark.parametrize(
    ("who", "area"),
    [
        ("clerk", "/cases/"),
        ("mediator", "/cases/"),
        ("court_user", "/court/referrals/"),
        ("party_user", "/portal/"),
        ("analyst", "/dashboard/"),
    ],
)
def test_after_signing_in_each_role_lands_in_its_area(
    world: World, client: Any, who: str, area: str
) -> None:
    user = world.mediator.user if who == "mediator" else getattr(world, who)
    client.force_login(user)
    assert client.get("/start/")["Location"] == area
