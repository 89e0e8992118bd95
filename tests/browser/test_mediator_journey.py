"""Journey (a): a three-party traffic case from registration to the signed agreement's PDF.

A clerk registers it (applicant, respondent, the insurer as third party) and accepts it, a
director assigns it, and the mediator schedules a session, starts mediation, drafts the agreement
with two instalments in the editor (the total follows the typing), records the agreement and
collects every party's drawn signature on the canvas (the insurer's by its claims handler), then
signs as mediator, which makes the case signed and the sealed PDF downloadable. In Chinese, as
the users work; selectors are the pages' own names and data attributes.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from documents.models import Agreement, Signature
from mediation.cases.models import Dispute
from tests.browser.conftest import Screenshot, sign_in
from tests.conftest import World

TODAY = timezone.localdate()
APPLICANT = "张伟"
RESPONDENT = "李娜"
INSURER = "某财产保险股份有限公司南昌分公司"


def day(n: int) -> str:
    return (TODAY + datetime.timedelta(days=n)).isoformat()


def sign_out(page: Page) -> None:
    page.locator('header form[action="/accounts/logout/"] button').click()
    expect(page.locator('header form[action="/accounts/logout/"]')).to_have_count(0)


def badge(page: Page) -> Any:
    return page.locator("h2 .badge.state")


def open_step(page: Page, name: str) -> Any:
    """The form of a transition with fields, inside its <details>, opened."""
    form = page.locator(f'form[data-transition="{name}"]')
    if not form.is_visible():
        page.locator(f'details:has(form[data-transition="{name}"]) > summary').click()
    return form


def fill_party(page: Page, index: int, **fields: str) -> None:
    for name, value in fields.items():
        control = page.locator(f'[name="parties-{index}-{name}"]')
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def draw(page: Page, canvas: Any) -> None:
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 30 + step * 25, y + box["height"] * (0.3 if step % 2 else 0.7), steps=3)
    page.mouse.up()


def test_a_mediator_takes_a_traffic_case_to_a_signed_agreement(
    page: Page, world: World, screenshot: Screenshot, settings: Any, tmp_path: Path
) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"

    # --- the clerk registers the case with three parties and accepts it ---
    sign_in(page, world.clerk, next_path="/cases/new/")
    expect(page).to_have_url("/cases/new/")
    page.locator('[name="category"]').select_option("traffic")
    page.locator('[name="channel"]').select_option("police")
    page.locator('[name="title"]').fill("两车追尾人身损害赔偿纠纷")
    page.locator('[name="facts"]').fill("两车在八一大道追尾，申请人受伤。")
    page.locator('[name="claimed_amount"]').fill("86000")
    fill_party(
        page,
        0,
        role="applicant",
        kind="person",
        name=APPLICANT,
        id_type="resident_id",
        id_number="11010519491231002X",
        phone="13800138000",
    )
    fill_party(page, 1, role="respondent", kind="person", name=RESPONDENT)
    page.locator("#add-party").click()
    expect(page.locator('[name="parties-2-role"]')).to_be_visible()
    fill_party(
        page,
        2,
        role="third_party",
        kind="organization",
        name=INSURER,
        id_type="uscc",
        id_number="91360100MA35ABCDE2",
        organization_type="insurer",
    )
    page.locator("form.register .buttons button").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    dispute = Dispute.objects.get(title="两车追尾人身损害赔偿纠纷")
    case_path = f"/cases/{dispute.pk}/"
    expect(page.locator("table.parties tbody tr")).to_have_count(3)
    page.locator('form[data-transition="accept"] button').click()
    expect(badge(page)).to_have_attribute("data-state", "accepted")
    sign_out(page)

    # --- the director assigns it ---
    sign_in(page, world.director, next_path=case_path)
    expect(page).to_have_url(case_path)
    form = open_step(page, "assign")
    form.locator('[name="mediator"]').select_option(str(world.mediator.pk))
    form.locator('button[type="submit"]').click()
    expect(badge(page)).to_have_attribute("data-state", "assigned")
    sign_out(page)

    # --- the mediator schedules a session and starts mediating ---
    sign_in(page, world.mediator.user, next_path=case_path)
    expect(page).to_have_url(case_path)
    page.locator("details.schedule-session > summary").click()
    session = page.locator("form[data-session-form]")
    session.locator('[name="scheduled_at"]').fill(f"{day(2)}T09:30")
    session.locator('[name="place"]').fill("东湖区调解中心第一调解室")
    expect(session.locator('[name="attendees"]:checked')).to_have_count(3)
    session.locator('button[type="submit"]').click()
    expect(page.locator("table.sessions tbody tr")).to_have_count(1)
    expect(page.locator("table.sessions a[data-ics]")).to_have_count(1)
    page.locator('form[data-transition="start"] button').click()
    expect(badge(page)).to_have_attribute("data-state", "mediating")

    # --- the agreement: a clause and two instalments of ¥43,000 ---
    page.locator("a[data-edit-agreement]").click()
    expect(page).to_have_url(f"{case_path}agreement/")
    page.locator('textarea[name="clause"]').first.fill(
        "被申请人及保险公司赔偿申请人医疗费、误工费等共计人民币86000元。"
    )
    page.locator('textarea[name="disputed_matters"]').fill("赔偿数额")
    page.locator('button[value="add_obligation"]').click()
    parties = list(dispute.case_parties.order_by("id"))
    applicant, insurer = parties[0], parties[2]
    page.locator('[name="ob0-payer"]').select_option(str(insurer.pk))
    page.locator('[name="ob0-payee"]').select_option(str(applicant.pk))
    page.locator('[name="ob0-method"]').select_option("insurer_direct")
    page.locator('button[value="add_instalment:0"]').click()
    expect(page.locator('[name="ob0-in1-amount"]')).to_be_visible()
    expect(page.locator('[name="ob0-schedule"]')).to_have_value("instalments")
    expect(page.locator('[name="ob0-payer"]')).to_have_value(str(insurer.pk))  # kept
    page.locator('[name="ob0-in0-amount"]').fill("43000")
    page.locator('[name="ob0-in0-due_date"]').fill(day(10))
    expect(page.locator("output[data-total]")).to_have_text("¥43,000.00")
    page.locator('[name="ob0-in1-amount"]').fill("43000")
    page.locator('[name="ob0-in1-due_date"]').fill(day(40))
    expect(page.locator("output[data-obligation-total]")).to_have_text("¥86,000.00")
    expect(page.locator("output[data-total]")).to_have_text("¥86,000.00")
    page.locator('.agreement-editor > .buttons button[type="submit"]').click()
    expect(page.locator(".messages li")).to_have_count(1)
    expect(page.locator("output[data-total]")).to_have_text("¥86,000.00")
    expect(page.locator("a[data-preview]")).to_be_visible()

    # --- the agreement is recorded (draft_agreement) ---
    page.goto(case_path)
    form = open_step(page, "draft_agreement")
    form.locator('button[type="submit"]').click()
    expect(badge(page)).to_have_attribute("data-state", "agreed")

    # --- every party signs on the mediator's device ---
    page.locator("a[data-collect-signatures]").click()
    expect(page).to_have_url(f"{case_path}agreement/sign/")
    for cp, name in ((parties[0], APPLICANT), (parties[1], RESPONDENT), (parties[2], "刘海涛")):
        form = page.locator(f'form[data-sign-form="{cp.pk}"]')
        form.locator('[name="signer_name"]').fill(name)
        if cp == parties[2]:  # the insurer signs through its claims handler, with its seal
            form.locator('[name="representative_role"]').fill("理赔经办人")
            form.locator('[name="seal_affixed"]').check()
        draw(page, form.locator("canvas"))
        form.locator('button[type="submit"]').click()
        expect(page.locator(f'tr[data-signatory="{cp.pk}"] .badge.signed')).to_be_visible()
    expect(badge(page)).to_have_attribute("data-state", "agreed")
    expect(page.locator("[data-awaiting-mediator]")).to_contain_text("等待调解员签名")

    # --- the mediator signs last: the seal is applied and the agreement takes effect ---
    form = page.locator('form[data-sign-form="mediator"]')
    form.locator('[name="signer_name"]').fill(world.mediator.display_name)
    draw(page, form.locator("canvas"))
    form.locator('button[type="submit"]').click()
    expect(badge(page)).to_have_attribute("data-state", "signed")

    # --- the signed PDF ---
    link = page.locator('a[data-signed-pdf="zh-hans"]')
    with page.expect_download() as download_info:
        link.click()
    path = download_info.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    screenshot("mediator-journey")

    dispute.refresh_from_db()
    assert dispute.state == "signed"
    agreement = Agreement.objects.get(dispute=dispute)
    assert agreement.total == 86000
    signatures = Signature.objects.filter(agreement=agreement, voided_at__isnull=True)
    assert signatures.count() == 3
    assert all(bytes(s.image).startswith(b"\x89PNG") for s in signatures)
