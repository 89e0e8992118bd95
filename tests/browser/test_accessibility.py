"""Every role's pages at a phone's width (390 px) and a desktop's (1280 px): axe-core's WCAG 2.1
A/AA rules find no serious or critical violation, no page scrolls sideways, and a screenshot of
each is left as tests/artifacts/a11y/<role>-<page>-<width>.png to be looked at.

One browser context per role: it signs in once and walks its pages at both widths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from courts import services as courts
from documents.models import Document
from documents.sms import MemorySmsBackend
from tests import factories as f
from tests.browser.axe import serious_violations
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.browser.test_party_journey import signed_case
from tests.conftest import World
from tests.mediation.helpers import dispute_in

pytestmark = pytest.mark.usefixtures("_documents_in_tmp")
WIDTHS = (390, 1280)
SHOTS = ARTIFACTS / "a11y"


@dataclass
class Cases:
    registered: Any
    mediating: Any
    signed: Any
    referral: Any
    verification_code: str


def cases_of(world: World) -> Cases:
    """A case in each of the states a role's pages show: registered, mediating with a session,
    signed and sealed (with its public verification code), failed and referred to the court."""
    registered = dispute_in(world, "registered", mediator=None, title="物业服务合同纠纷")
    mediating = dispute_in(world, "mediating", title="道路交通事故人身损害赔偿纠纷")
    f.MediationSessionFactory(dispute=mediating)
    signed = signed_case(world)
    failed = dispute_in(world, "failed", court=None, title="医疗损害责任纠纷")
    referral = courts.send_referral(
        actor=world.director, dispute_id=failed.pk, kind="litigation", court=world.court
    )
    document = Document.objects.filter(dispute=signed, kind="agreement").first()
    assert document is not None
    return Cases(registered, mediating, signed, referral, document.verification_code)


# Each role: who signs in, and the pages they live in (name, path) given the cases.
Pages = Callable[[Cases], list[tuple[str, str]]]
ROLES: dict[str, tuple[Callable[[World], Any] | None, Pages]] = {
    "clerk": (
        lambda w: w.clerk,
        lambda c: [
            ("queue", "/cases/"),
            ("register", "/cases/new/"),
            ("case", f"/cases/{c.registered.pk}/"),
        ],
    ),
    "mediator": (
        lambda w: w.mediator.user,
        lambda c: [
            ("queue", "/cases/"),
            ("case-sessions", f"/cases/{c.mediating.pk}/"),
            ("agreement-editor", f"/cases/{c.mediating.pk}/agreement/"),
            ("agreement-signed", f"/cases/{c.signed.pk}/agreement/"),
        ],
    ),
    "director": (
        lambda w: w.director,
        lambda c: [
            ("queue", "/cases/"),
            ("queue-all", "/cases/?tab=all"),
            ("case", f"/cases/{c.signed.pk}/"),
            ("overview", "/cases/overview/"),
            ("audit", "/cases/audit/"),
            ("ledger-import", "/cases/import/"),
            ("dashboard", "/dashboard/"),
        ],
    ),
    "court": (
        lambda w: w.court_user,
        lambda c: [
            ("inbox", "/court/referrals/"),
            ("referral", f"/court/referrals/{c.referral.pk}/"),
        ],
    ),
    "party": (
        lambda w: w.party_user,
        lambda c: [("portal", "/portal/"), ("portal-case", f"/portal/cases/{c.signed.pk}/")],
    ),
    "analyst": (
        lambda w: w.analyst,
        lambda c: [("dashboard", "/dashboard/"), ("dashboard-cases", "/dashboard/cases/")],
    ),
    "public": (
        None,
        lambda c: [
            ("home", "/"),
            ("login", "/accounts/login/"),
            ("portal-login", "/portal/login/"),
            ("verify", f"/verify/{c.verification_code}/"),
        ],
    ),
}


@pytest.fixture
def _documents_in_tmp(settings: Any, tmp_path: Path) -> None:
    # The signed case is sealed with development certificates made for this test alone.
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"
    MemorySmsBackend.outbox.clear()


def sideways_overflow(page: Page) -> str:
    """What makes the page wider than the window (it scrolls sideways): the outermost elements
    that reach past its right edge, or "" when nothing does."""
    return str(
        page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                if (document.documentElement.scrollWidth <= width) return "";
                const wide = [...document.body.querySelectorAll("*")].filter(
                    e => e.getBoundingClientRect().right > width + 1);
                return wide.filter(e => !wide.includes(e.parentElement)).slice(0, 5).map(
                    e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
                        + " (" + Math.round(e.getBoundingClientRect().right) + " px)").join(", ");
            }"""
        )
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_a_role_passes_axe_at_phone_and_desktop_width(
    page: Page, world: World, role: str
) -> None:
    who, pages_of = ROLES[role]
    paths = pages_of(cases_of(world))
    if who is not None:
        sign_in(page, who(world))
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, f"{role} {path}: {response}"
            page.screenshot(path=SHOTS / f"{role}-{name}-{width}.png", full_page=True)
            problems += serious_violations(page)
            if overflow := sideways_overflow(page):
                problems.append(f"{page.url} at {width} px scrolls sideways: {overflow}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


# How many lines an element's text takes on screen.
LINES = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.top);
    return tops.filter((top, i) => tops.findIndex(t => Math.abs(t - top) < 8) === i).length;
}"""


def test_lists_are_cards_on_a_phone_and_rows_on_one_line_on_a_desktop(
    page: Page, world: World
) -> None:
    cases = cases_of(world)
    sign_in(page, world.director)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/cases/?tab=all")
    row = page.locator(f'tr.case[data-case="{cases.mediating.reference}"]')
    assert row.locator("td").first.evaluate("e => getComputedStyle(e).display") == "table-cell"
    # Case numbers, dates and the mediator's name each stay on one line.
    for cell in row.locator("td.nowrap").all():
        assert cell.evaluate(LINES) == 1, cell.inner_text()
    assert page.evaluate("() => document.body.getBoundingClientRect().width") > 1200
    # The case page puts its steps and particulars in a column beside the rest.
    page.goto(f"/cases/{cases.mediating.pk}/")
    side = page.locator(".case-side").bounding_box()
    main = page.locator(".case-main").bounding_box()
    assert side and main and side["x"] > main["x"] + main["width"] and main["width"] > 700

    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/cases/?tab=all")
    cell = row.locator("td[data-label]").first
    assert cell.evaluate("e => getComputedStyle(e).display") == "block"
    # A card names its cells: each shows its column's name (data-label) before the value.
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    assert label.strip('"') == cell.get_attribute("data-label") != ""
    # The card opens with the case number.
    tops = [box["y"] for box in (td.bounding_box() for td in row.locator("td").all()) if box]
    first = row.locator("td.card-title").first.bounding_box()
    assert first and first["y"] == min(tops)
    page.goto(f"/court/referrals/?kind={cases.referral.kind}")
    inbox_row = page.locator(f'tr.referral[data-referral="{cases.referral.pk}"]')
    assert inbox_row.evaluate("e => getComputedStyle(e).display") == "flex"
    assert sideways_overflow(page) == ""
