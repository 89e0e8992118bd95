"""People by name, never by login: the header, the logs of cases and referrals, the audit page,
the API's logs and the public start page."""

from __future__ import annotations

from django.test import Client

from mediation.cases import services
from mediation.kernel.presentation import display_name, display_names
from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in


def _page(user: object, path: str) -> str:
    client = Client()
    client.force_login(user)
    answer = client.get(path)
    assert answer.status_code == 200, path
    return answer.content.decode()


def test_staff_go_by_their_name_parties_by_their_accounts_courts_with_their_court(
    world: World,
) -> None:
    world.court_user.last_name, world.court_user.first_name = "李", "文博"
    world.court_user.save()
    nameless = f.UserFactory(username="clerk99", last_name="", first_name="")

    assert display_name(world.mediator.user) == world.mediator.display_name
    assert display_name(world.party_user) == "张伟"  # the portal account's (the party's) name
    assert display_name(world.court_user) == "李文博（南昌市东湖区人民法院）"
    assert display_name(nameless) == "clerk99"  # nothing better on record
    assert display_name(None) == ""


def test_many_names_cost_one_query(world: World, django_assert_num_queries: object) -> None:
    users = [world.director, world.court_user, world.party_user, world.mediator.user]
    with django_assert_num_queries(1):  # type: ignore[operator]
        names = display_names(users)
        assert display_name(world.court_user) == names[world.court_user.pk]
    assert names[world.party_user.pk] == "张伟"


def test_the_header_names_the_signed_in_person_not_their_login(world: World) -> None:
    for user, path in (
        (world.mediator.user, "/cases/"),
        (world.party_user, "/portal/"),
        (world.court_user, "/court/referrals/"),
    ):
        html = _page(user, path)
        header = html.split("</header>")[0]
        assert display_name(user) in header, path
        assert user.username not in header, path


def test_the_case_log_names_a_court_clerk_with_the_court(world: World) -> None:
    world.court_user.last_name, world.court_user.first_name = "黄", "丽萍"
    world.court_user.save()
    dispute = dispute_in(world, "registered")
    services.take_transition(actor=world.clerk, dispute_id=dispute.pk, name="accept")

    html = _page(world.director, f"/cases/{dispute.pk}/")
    log = html.split('id="log-heading"')[1]
    assert display_name(world.clerk) in log and world.clerk.username not in log

    entries = client_for(world.director).get(f"/api/v1/disputes/{dispute.pk}/log/").json()
    assert entries[-1]["actor"] == display_name(world.clerk)


def test_the_audit_page_names_who_changed_a_record(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    answer = client_for(world.director).patch(
        f"/api/v1/disputes/{dispute.pk}/", {"title": "更正后的标题"}, format="json"
    )
    assert answer.status_code == 200
    html = _page(world.director, "/cases/audit/")
    assert display_name(world.director) in html
    assert world.director.username not in html.split("</header>")[1]


def test_the_public_start_page_offers_developers_plain_words(db: object) -> None:
    html = Client().get("/").content.decode()
    assert "OpenAPI" not in html
    assert 'href="/api/docs/"' in html and "开发" in html
