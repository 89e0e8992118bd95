"""Journey (c): a court receives a litigation referral, files the case and records the judgment.

The body's director sends a failed case to the court through `courts.services`, as the workbench
does; the court's clerk does the rest in the browser, in Chinese, as the court would.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from courts import services
from courts.models import Referral, ReferralLog
from mediation.cases.models import Dispute
from tests.browser.conftest import Screenshot, sign_in
from tests.conftest import World
from tests.mediation.helpers import dispute_in

FILING_NUMBER = f"({timezone.localdate().year})赣0102民初456号"  # the world court's code


def step(page: Page, name: str) -> Locator:
    """The form of one referral step on the detail page (each posts to …/<pk>/<name>/)."""
    return page.locator(f'form[data-step="{name}"]')


def take(page: Page, name: str, label: str, fields: dict[str, str] | None = None) -> None:
    """Fill a step's form and send it; `label` is its button's Chinese label."""
    form = step(page, name)
    for field, value in (fields or {}).items():
        control = form.locator(f'[name="{field}"]')
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.get_by_role("button", name=label).click()


def state_badge(page: Page) -> Locator:
    return page.locator("h2 .badge.state")


def test_a_court_receives_a_referral_and_records_its_judgment(
    page: Page, world: World, screenshot: Screenshot
) -> None:
    failed = dispute_in(world, "failed", court=None, title="医疗损害赔偿纠纷")
    referral = services.send_referral(
        actor=world.director, dispute_id=failed.pk, kind="litigation", court=world.court
    )
    detail_path = f"/court/referrals/{referral.pk}/"

    # Signing in lands the court's clerk on the court inbox, which lists the new referral.
    sign_in(page, world.court_user)
    expect(page).to_have_url("/court/referrals/")
    expect(page.get_by_role("heading", level=2)).to_have_text("诉调对接")
    row = page.locator(f'tr.referral[data-referral="{referral.pk}"]')
    expect(row).to_contain_text("转诉讼")
    expect(row).to_contain_text("已移送")
    expect(row).to_contain_text("医疗损害赔偿纠纷")

    row.get_by_role("link", name=failed.reference).click()
    expect(page).to_have_url(detail_path)
    expect(state_badge(page)).to_have_text("已移送")
    expect(page.locator("form.step")).to_have_count(2)  # receive, or return it

    take(page, "receive", "记录收案")
    expect(page.get_by_role("status")).to_have_text("已记录“记录收案”。")
    expect(state_badge(page)).to_have_text("已收案")

    take(page, "file", "登记立案", {"case_number": FILING_NUMBER})
    expect(state_badge(page)).to_have_text("已立案")
    expect(page.locator("dl.fields").first).to_contain_text(FILING_NUMBER)

    take(page, "decide", "登记处理结果", {"decision": "judgment", "reason": "一审判决赔偿"})
    expect(page.get_by_role("status")).to_have_text("已记录“登记处理结果”。")
    expect(state_badge(page)).to_have_text("已处理")
    fields = page.locator("dl.fields").first
    expect(fields).to_contain_text("判决")
    expect(fields).to_contain_text("一审判决赔偿")
    expect(page.locator("form.step")).to_have_count(0)
    expect(page.get_by_text("目前您在该对接记录上没有待办事项。")).to_be_visible()
    expect(page.locator("table.log tbody tr")).to_have_count(4)  # sent, received, filed, decided

    screenshot("court-journey")

    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.state, referral.decision) == ("decided", "judgment")
    assert referral.case_number == FILING_NUMBER
    assert referral.reason == "一审判决赔偿"
    assert referral.received_at and referral.filed_at and referral.decided_at
    assert Dispute.objects.get(pk=failed.pk).state == "closed"  # filing closes the body's case
    log: list[Any] = list(
        ReferralLog.objects.filter(referral=referral).values_list("action", "actor", "to_state")
    )
    assert log == [
        ("send", world.director.pk, "sent"),
        ("receive", world.court_user.pk, "received"),
        ("file", world.court_user.pk, "filed"),
        ("decide", world.court_user.pk, "decided"),
    ]
