"""The directors' audit page: field changes of the body's records, masked, scoped."""

from __future__ import annotations

import re

from django.test import Client

from tests import factories as f
from tests.conftest import World, client_for
from tests.mediation.helpers import dispute_in


def _page(user: object) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    answer = client.get("/cases/audit/")
    return answer.status_code, answer.content.decode()


def test_a_director_sees_who_changed_what_with_numbers_masked(world: World) -> None:
    dispute = dispute_in(world, "mediating")
    answer = client_for(world.director).patch(
        f"/api/v1/disputes/{dispute.pk}/", {"title": "更正后的标题"}, format="json"
    )
    assert answer.status_code == 200
    party = dispute.case_parties.exclude(party=world.party).first().party
    party.phone = "13912345678"
    party.save()
    elsewhere = dispute_in(world, "mediating", body=world.other_body, mediator=None)
    elsewhere.title = "别处的改动"
    elsewhere.save()

    status, html = _page(world.director)
    assert status == 200
    assert "更正后的标题" in html and dispute.reference in html
    who = f"{world.director.last_name}{world.director.first_name}" or world.director.username
    assert re.search(rf"<td[^>]*>{re.escape(who)}</td>", html)
    assert "139****5678" in html and "13912345678" not in html
    assert "别处的改动" not in html and elsewhere.reference not in html


def test_who_may_open_it(world: World) -> None:
    assert _page(world.mediator.user)[0] == 403
    assert _page(world.clerk)[0] == 403
    assert _page(world.court_user)[0] == 404
    assert _page(world.party_user)[0] == 404
    assert _page(world.analyst)[0] == 404
    assert Client().get("/cases/audit/").status_code == 302
    admin_status, _html = _page(world.admin)
    assert admin_status == 200


def test_a_superuser_sees_every_body(world: World) -> None:
    mine = dispute_in(world, "mediating")
    theirs = dispute_in(world, "mediating", body=world.other_body, mediator=None)
    for dispute, title in ((mine, "标题甲"), (theirs, "标题乙")):
        dispute.title = title
        dispute.save()
    status, html = _page(f.UserFactory(is_superuser=True, is_staff=True))
    assert status == 200
    assert "标题甲" in html and "标题乙" in html


def test_the_page_asks_as_many_queries_for_few_changes_as_for_many(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(world.director)
    client.get("/cases/audit/")  # the session's first renewal is written once, here

    def changes(n: int) -> int:
        for i in range(n):
            dispute = dispute_in(world, "mediating")
            dispute.title = f"改动 {i}"
            dispute.save()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/cases/audit/").status_code == 200
        return len(queries)

    assert changes(3) == changes(9)
