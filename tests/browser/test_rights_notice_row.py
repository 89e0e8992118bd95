"""The case page's notice of rights and duties: one line per party — who (with a Chinese colon
in Chinese), whether they have signed, and the button that records it beside them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories as f
from tests.browser.conftest import Screenshot, sign_in
from tests.conftest import World
from tests.mediation.helpers import dispute_in


def test_each_party_is_one_line_with_its_button(
    page: Page, world: World, screenshot: Screenshot
) -> None:
    dispute = dispute_in(world, "registered", mediator=None, accepted_at=None)
    applicant = dispute.case_parties.get(role="applicant")
    agent = f.CasePartyFactory(dispute=dispute, role="agent", represents=applicant)
    sign_in(page, world.clerk, next_path=f"/cases/{dispute.pk}/")
    row = page.locator(f'[data-rights-party="{applicant.pk}"]')
    expect(row.locator(".who")).to_have_text(f"申请人：{applicant.party.name}")
    badge = row.locator(".badge.unsigned").bounding_box()
    button = row.get_by_role("button").bounding_box()
    assert badge and button
    # Beside the badge, not under it: their vertical middles are within the button's height.
    middle = lambda box: box["y"] + box["height"] / 2  # noqa: E731
    assert abs(middle(badge) - middle(button)) < button["height"] / 2
    assert button["x"] > badge["x"] + badge["width"]
    row.get_by_role("button").click()
    expect(page.locator(f'[data-rights-party="{applicant.pk}"] .badge.signed')).to_be_visible()
    # The agent's power of attorney is recorded in the parties' section, not in the notice's.
    expect(page.locator(f'[data-rights-party="{agent.pk}"]')).to_have_count(0)
    page.locator(f'[data-agent="{agent.pk}"] summary').click()
    expect(page.locator(f'form[data-power-of-attorney="{agent.pk}"]')).to_be_visible()
    screenshot("rights-notice-row")
