"""The dashboard: who sees what (analysts never personal data, body staff only their body, the
others nothing), and bad input answered with its reason.

The data set is `board` (conftest.py): test_rates.py's hand-counted `figures` and two more cases.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests import factories as f
from tests.conftest import World
from tests.mediation.figures.dashboard_helpers import (
    CASES,
    PAGE,
    PERSONAL,
    cell,
    download,
    listed,
    text,
    tree,
    web,
    xlsx_sheet,
)

pytestmark = pytest.mark.django_db


# --- who sees what -------------------------------------------------------------------------------


def test_analysts_see_no_personal_data(board: World) -> None:
    client = web(board.analyst)
    answers = [
        client.get(PAGE),
        client.get(CASES, {"figure": "all"}),
        client.get(CASES, {"figure": "overdue"}),
        client.get(CASES, {"figure": "open", "category": "family"}),
    ]
    for answer in answers:
        assert answer.status_code == 200
        content = answer.content.decode()
        for secret in PERSONAL:
            assert secret not in content
        assert "/cases/" + str(board.secret.pk) not in content  # no workbench links either
    assert board.secret.reference in answers[2].content.decode()  # the reference is no secret
    exports = [
        client.get(CASES, {"figure": "all", "format": "csv"}),
        client.get(PAGE, {"table": "overdue", "format": "csv"}),
        client.get(PAGE, {"table": "mediator", "format": "csv"}),
    ]
    for export in exports:
        data = download(export).decode("utf-8-sig")
        assert board.secret.reference in data or "mediator" in export["Content-Disposition"]
        for secret in PERSONAL:
            assert secret not in data
    sheet = xlsx_sheet(client.get(CASES, {"figure": "all", "format": "xlsx"}))
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert board.secret.reference in cells
    assert not any(secret in value for value in cells for secret in PERSONAL)


@pytest.mark.parametrize("who", ["director", "clerk", "mediator"])
def test_body_staff_see_only_their_body(board: World, who: str) -> None:
    user = board.mediator.user if who == "mediator" else getattr(board, who)
    client = web(user)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = tree(response)
    content = response.content.decode()
    assert board.other_body.name not in content
    assert board.other_mediator.display_name not in content
    assert not page.xpath('//table[@data-table="body"]')  # one body: no table of bodies
    assert text(cell(page, "category", "", "success")) == "69"  # 66 financial + 3 medical
    assert text(cell(page, "category", "", "overdue")) == "1"
    assert listed(client, f"{CASES}?figure=all") == 168  # 160 + 7 + the registered one
    # Another body's id is not a value they may ask for.
    answer = client.get(CASES, {"figure": "all", "body": board.other_body.pk})
    assert answer.status_code == 400
    assert board.other_body.name not in answer.content.decode()
    # Their list links each case to the workbench.
    rows = tree(client.get(CASES, {"figure": "open"})).xpath("//tr[@data-case]//a/@href")
    assert len(rows) == 3 and all(re.fullmatch(r"/cases/\d+/", href) for href in rows)
    data = download(client.get(CASES, {"figure": "all", "format": "csv"})).decode("utf-8-sig")
    assert board.other_body.name not in data
    assert len(data.strip().splitlines()) == 1 + 168


def test_analysts_get_no_workbench_links_and_superusers_do(board: World) -> None:
    analyst = tree(web(board.analyst).get(CASES, {"figure": "overdue"}))
    assert analyst.xpath("//tr[@data-case]") and not analyst.xpath("//tr[@data-case]//a")
    admin = tree(web(board.admin).get(CASES, {"figure": "overdue"}))
    assert len(admin.xpath("//tr[@data-case]//a")) == 2
    assert admin.xpath('//table[@data-table="body"]') == []  # a list page has no tables of figures
    assert tree(web(board.admin).get(PAGE)).xpath('//table[@data-table="body"]')


def test_courts_parties_and_users_without_a_role_are_refused(board: World) -> None:
    for user in (board.court_user, board.party_user, f.UserFactory()):
        client = web(user)
        for path, params in [
            (PAGE, {}),
            (PAGE, {"table": "category", "format": "csv"}),
            (CASES, {"figure": "success"}),
            (CASES, {"figure": "success", "format": "xlsx"}),
        ]:
            answer = client.get(path, params)
            assert answer.status_code == 403, (user, path, params)
            assert "Content-Disposition" not in answer


def test_anonymous_visitors_are_sent_to_sign_in(board: World) -> None:
    for path in (PAGE, CASES):
        answer = Client().get(path)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/accounts/login/?next=")


def test_the_navigation_links_the_dashboard_for_analysts_directors_and_superusers(
    board: World,
) -> None:
    for user, shown in [
        (board.analyst, True),
        (board.director, True),
        (board.admin, True),
        (board.clerk, False),
        (board.court_user, False),
    ]:
        content = web(user).get("/").content.decode()
        assert ('href="/dashboard/"' in content) is shown, user


def test_analysts_land_on_the_dashboard(board: World) -> None:
    assert web(board.analyst).get("/start/")["Location"] == PAGE


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (CASES, {"figure": "colour"}, "colour"),
        (CASES, {"figure": "success", "category": "colour"}, "colour"),
        (CASES, {"figure": "success", "track": "sideways"}, "sideways"),
        (CASES, {"figure": "success", "mediator": "abc"}, "abc"),
        (CASES, {"figure": "success", "mediator": "999999"}, "999999"),
        (CASES, {"figure": "success", "body": "-1"}, "-1"),
        (CASES, {"figure": "success", "court": "99999999999999999999999"}, "9999"),
        (CASES, {"figure": "success", "month": "2026-13"}, "2026-13"),
        (CASES, {"figure": "success", "month": "March"}, "March"),
        (CASES, {"figure": "success", "from": "2026-05-01", "to": "2026-04-01"}, ""),
        (CASES, {"figure": "success", "from": "2026-02-30"}, ""),
        (CASES, {"figure": "success", "sort": "sideways"}, "sideways"),
        (CASES, {"figure": "success", "format": "pdf"}, "pdf"),
        (PAGE, {"from": "2026-05-01", "to": "2026-04-01"}, ""),
        (PAGE, {"to": "yesterday"}, ""),
        (PAGE, {"table": "category", "format": "pdf"}, "pdf"),
        (PAGE, {"table": "colour", "format": "csv"}, "colour"),
        (PAGE, {"format": "csv"}, ""),
    ],
)
def test_bad_input_is_400_with_the_reason_on_the_page(
    board: World, path: str, params: dict[str, str], message: str
) -> None:
    answer = web(board.analyst).get(path, params)
    assert answer.status_code == 400
    assert "Content-Disposition" not in answer
    page = tree(answer)
    assert page.xpath('//*[@role="alert"]') or page.xpath('//*[contains(@class, "has-error")]')
    assert message in answer.content.decode()


def test_an_inverted_range_shows_the_error_next_to_the_date(board: World) -> None:
    answer = web(board.analyst, "en").get(PAGE, {"from": "2026-05-01", "to": "2026-04-01"})
    assert answer.status_code == 400
    page = tree(answer)
    [field] = page.xpath('//div[contains(@class, "has-error")]')
    assert field.xpath('.//input[@name="from"]/@value') == ["2026-05-01"]
    assert "The start date must not be after the end date." in text(field)
    assert not page.xpath("//table[@data-table]")


def test_a_page_past_the_end_shows_the_last_page(board: World) -> None:
    answer = web(board.analyst).get(CASES, {"figure": "success", "page": "999"})
    assert answer.status_code == 200
