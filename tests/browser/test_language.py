"""Journey (d): the language switch in the header shows the same page in English.

Users read Chinese (the browser asks for zh-CN); the `<select id="language">` of base.html posts
to /i18n/setlang/, which sends the browser back to the page it came from, now in English, and the
choice sticks for the next pages.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from courts import services
from tests.browser.conftest import Screenshot, sign_in
from tests.conftest import World
from tests.mediation.helpers import dispute_in

FILTERED_INBOX = "/court/referrals/?kind=litigation"


def test_the_language_switch_shows_the_same_page_in_english(
    page: Page, world: World, screenshot: Screenshot
) -> None:
    failed = dispute_in(world, "failed", court=None)
    referral = services.send_referral(
        actor=world.director, dispute_id=failed.pk, kind="litigation", court=world.court
    )
    sign_in(page, world.court_user, next_path=FILTERED_INBOX)
    expect(page).to_have_url(FILTERED_INBOX)

    html, heading = page.locator("html"), page.get_by_role("heading", level=2)
    row = page.locator(f'tr.referral[data-referral="{referral.pk}"]')
    switch = page.locator("select#language")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(heading).to_have_text("诉调对接")
    expect(row).to_contain_text("转诉讼")
    expect(row).to_contain_text("已移送")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    expect(switch).to_have_value("zh-hans")

    switch.select_option("en")  # submits itself (onchange)

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(FILTERED_INBOX)  # the same page, its filter kept
    expect(heading).to_have_text("Court linkage")
    expect(row).to_contain_text("Referral to litigation")
    expect(row).to_contain_text("Sent")
    expect(row).to_contain_text(failed.reference)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(switch).to_have_value("en")
    expect(page.get_by_text("诉调对接")).to_have_count(0)
    screenshot("language-en")

    # The choice sticks: the next page is English too, though the browser still asks for Chinese.
    row.get_by_role("link", name=failed.reference).click()
    expect(page).to_have_url(f"/court/referrals/{referral.pk}/")
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    expect(page.locator('form[data-step="receive"]').get_by_role("button")).to_have_text(
        "Record receipt"
    )
