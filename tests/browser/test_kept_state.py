"""Forms that keep their state, in chromium and in Chinese: an added obligation row is not marked
wrong before a save, a failed save keeps what was typed; a failed session record stays on the
case's address, so that a reload shows the case and not a bare 405."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from documents.models import Agreement
from tests import factories as f
from tests.browser.conftest import Screenshot, sign_in
from tests.conftest import World
from tests.mediation.helpers import dispute_in


def test_an_added_obligation_is_not_red_until_a_save_fails_and_keeps_what_was_typed(
    page: Page, world: World, screenshot: Screenshot
) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-B1")
    editor = f"/cases/{dispute.pk}/agreement/"
    sign_in(page, world.mediator.user, next_path=editor)
    expect(page).to_have_url(editor)
    page.get_by_role("button", name="添加给付义务").click()
    row = page.locator('[data-obligation="0"]')
    expect(row).to_be_visible()
    expect(page.locator('[aria-invalid="true"], .has-error, .errorlist')).to_have_count(0)
    expect(row.locator('[name="ob0-method"]')).to_have_value("bank_transfer")

    respondent, applicant = (
        dispute.case_parties.get(role="respondent"),
        dispute.case_parties.get(role="applicant"),
    )
    row.locator('[name="ob0-payer"]').select_option(str(respondent.pk))
    row.locator('[name="ob0-payee"]').select_option(str(applicant.pk))
    row.locator('[name="ob0-method"]').select_option("cash")
    row.locator('[name="ob0-in0-amount"]').fill("3000")
    page.locator("textarea[name=clause]").first.fill("被申请人赔偿申请人损失。")
    # A second row, left empty: not an error either.
    page.get_by_role("button", name="添加给付义务").click()
    page.locator('.agreement-editor .buttons button[name="action"][value=""]').click()

    expect(page).to_have_url(editor)
    due = page.locator('[name="ob0-in0-due_date"]')
    expect(due).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[data-obligation="0"]')).to_contain_text("请填写履行期限。")
    expect(page.locator('[name="ob0-in0-amount"]')).to_have_value("3000")
    expect(page.locator('[name="ob0-payer"]')).to_have_value(str(respondent.pk))
    expect(page.locator('[name="ob0-method"]')).to_have_value("cash")
    expect(page.locator("textarea[name=clause]").first).to_have_value("被申请人赔偿申请人损失。")
    expect(page.locator('[data-obligation="1"] [aria-invalid="true"]')).to_have_count(0)
    assert not Agreement.objects.filter(dispute=dispute, version__gt=0).exists()
    screenshot("kept-state-agreement-failed-save")


def test_a_failed_session_record_stays_on_the_case(
    page: Page, world: World, screenshot: Screenshot
) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-B2")
    session = f.MediationSessionFactory(
        dispute=dispute, scheduled_at=timezone.now() - datetime.timedelta(hours=2)
    )
    case = f"/cases/{dispute.pk}/"
    sign_in(page, world.mediator.user, next_path=case)
    expect(page).to_have_url(case)
    form = page.locator(f'form[data-outcome="{session.pk}"]')
    form.locator("xpath=ancestor::details").locator("summary").click()
    expect(form.get_by_text("会议结果")).to_be_visible()
    form.locator('[name="status"]').select_option("held")
    form.get_by_role("button").click()
    form = page.locator(f'form[data-outcome="{session.pk}"]')
    expect(form).to_contain_text("请填写调解记录。")
    expect(form.locator('[name="minutes"]')).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(rf"{re.escape(case)}$"))
    screenshot("kept-state-session-failed")
    page.reload()
    expect(page).to_have_url(re.compile(rf"{re.escape(case)}$"))
    expect(page.locator("h2 .badge.state")).to_be_visible()
