"""Journey: who signs, and the mediator last. On a school case a child's guardian signs for her
(the child is not offered as signer), an insurer signs through its claims handler — whose first
try leaves out his capacity and comes back refused with the drawing still on the pad — then the
mediator signs and the case is signed, its sealed PDF downloadable. In Chinese, with chromium.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from documents import services as document_services
from documents.models import MediatorSignature, Signature
from mediation.cases import services as dispute_services
from mediation.cases.models import Dispute
from parties.models import PartyKind, PartyRole
from tests import factories as f
from tests.browser.conftest import Screenshot, sign_in
from tests.browser.test_mediator_journey import badge
from tests.browser.test_mediator_journey import draw as draw_in_view
from tests.conftest import World

INSURER = "某财产保险股份有限公司南昌分公司"


def _ink(page: Page, canvas: Any) -> int:
    """Pixels drawn on a signature pad."""
    return canvas.evaluate(
        """canvas => {
            const { width, height } = canvas;
            const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
            let ink = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
            return ink;
        }"""
    )


def draw(page: Page, canvas: Any) -> None:
    canvas.scroll_into_view_if_needed()
    draw_in_view(page, canvas)


def _agreed_school_case(world: World) -> tuple[Dispute, Any, Any, Any, Any]:
    today = timezone.localdate()
    dispute = f.DisputeFactory(
        body=world.body,
        state="mediating",
        mediator=world.mediator,
        category="school",
        title="校园意外伤害纠纷",
        received_at=today - datetime.timedelta(days=5),
        accepted_at=today - datetime.timedelta(days=4),
        deadline=today + datetime.timedelta(days=25),
        due_soon_on=today + datetime.timedelta(days=20),
    )
    child = f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="王小丽", birth_date=today.replace(year=today.year - 11)),
        role=PartyRole.APPLICANT,
    )
    guardian = f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="王建国"),
        role=PartyRole.GUARDIAN,
        represents=child,
    )
    school = f.CasePartyFactory(
        dispute=dispute, party=f.PartyFactory(name="李校长"), role=PartyRole.RESPONDENT
    )
    insurer = f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name=INSURER, kind=PartyKind.ORGANIZATION),
        role=PartyRole.THIRD_PARTY,
    )
    f.MediationSessionFactory(dispute=dispute)
    document_services.save_agreement(
        actor=world.mediator.user,
        dispute_id=dispute.pk,
        data=document_services.AgreementInput(
            disputed_matters="赔偿数额", clauses=["保险公司赔偿申请人医疗费人民币6000元。"]
        ),
    )
    dispute_services.take_transition(
        actor=world.mediator.user, dispute_id=dispute.pk, name="draft_agreement"
    )
    return dispute, child, guardian, school, insurer


def test_a_guardian_and_a_claims_handler_sign_then_the_mediator(
    page: Page, world: World, screenshot: Screenshot, settings: Any, tmp_path: Path
) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"
    dispute, child, guardian, school, insurer = _agreed_school_case(world)
    signing = f"/cases/{dispute.pk}/agreement/sign/"
    sign_in(page, world.mediator.user, next_path=signing)
    expect(page).to_have_url(signing)

    # --- the child is under 18: only her guardian is offered, and he signs ---
    expect(page.locator(f'tr[data-signatory="{child.pk}"] [data-minor]')).to_be_visible()
    form = page.locator(f'form[data-sign-form="{child.pk}"]')
    options = form.locator('[name="signer"] option')
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", str(guardian.pk))
    form.locator('[name="signer_name"]').fill("王建国")
    draw(page, form.locator("canvas"))
    form.locator('button[type="submit"]').click()
    expect(page.locator(f'tr[data-signatory="{child.pk}"] .badge.signed')).to_be_visible()

    # --- the insurer's claims handler forgets his capacity: refused, the drawing kept ---
    form = page.locator(f'form[data-sign-form="{insurer.pk}"]')
    form.locator('[name="signer_name"]').fill("刘海涛")
    draw(page, form.locator("canvas"))
    drawn = _ink(page, form.locator("canvas"))
    assert drawn > 100
    form.locator('button[type="submit"]').click()
    form = page.locator(f'form[data-sign-form="{insurer.pk}"]')
    expect(form.locator(".has-error")).to_have_count(1)
    expect(form.locator("canvas[data-restored]")).to_have_count(1)
    assert _ink(page, form.locator("canvas")) == drawn
    expect(form.locator('[name="signer_name"]')).to_have_value("刘海涛")
    form.locator('[name="representative_role"]').fill("理赔经办人")
    form.locator('[name="seal_affixed"]').check()
    form.locator('button[type="submit"]').click()  # no second drawing
    expect(page.locator(f'tr[data-signatory="{insurer.pk}"] .badge.signed')).to_be_visible()

    # --- the school signs; the agreement then waits for the mediator ---
    form = page.locator(f'form[data-sign-form="{school.pk}"]')
    form.locator('[name="signer_name"]').fill("李校长")
    draw(page, form.locator("canvas"))
    form.locator('button[type="submit"]').click()
    expect(page.locator("[data-awaiting-mediator]")).to_contain_text("等待调解员签名")
    expect(badge(page)).to_have_attribute("data-state", "agreed")

    # --- the mediator signs: the seal is applied and the agreement takes effect ---
    form = page.locator('form[data-sign-form="mediator"]')
    form.locator('[name="signer_name"]').fill(world.mediator.display_name)
    draw(page, form.locator("canvas"))
    form.locator('button[type="submit"]').click()
    expect(badge(page)).to_have_attribute("data-state", "signed")
    with page.expect_download() as download_info:
        page.locator('a[data-signed-pdf="zh-hans"]').click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
    screenshot("signing-journey")

    assert Dispute.objects.get(pk=dispute.pk).state == "signed"
    assert Signature.objects.get(signatory=child).signer == guardian
    handler = Signature.objects.get(signatory=insurer)
    assert (handler.representative_name, handler.representative_role) == ("刘海涛", "理赔经办人")
    assert handler.seal_affixed and bytes(handler.image).startswith(b"\x89PNG")
    assert MediatorSignature.objects.get(agreement__dispute=dispute).mediator == world.mediator
