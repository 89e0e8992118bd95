"""Journey: after a session, the mediator hands the device to each person present to sign its
minutes (调解笔录). A name typed wrong comes back refused with the drawing still on the pad; then
the mediator signs and the signed minutes are linked. In Chinese, with chromium."""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import Page, expect

from documents.models import MinutesSignature
from mediation.cases import services
from tests.browser.conftest import Screenshot, sign_in
from tests.browser.test_signing_journey import _ink, draw
from tests.conftest import World
from tests.mediation.helpers import dispute_in


def test_those_present_sign_the_minutes_on_the_mediators_device(
    page: Page, world: World, screenshot: Screenshot
) -> None:
    dispute = dispute_in(world, "mediating")
    applicant = dispute.case_parties.get(role="applicant")
    session = services.schedule_session(
        actor=world.mediator.user,
        dispute_id=dispute.pk,
        data=services.SessionInput(
            scheduled_at=timezone.now() - datetime.timedelta(hours=1),
            place="第一调解室",
            status="held",
            minutes="申请人陈述事故经过，调解员释法明理。",
            attendee_ids=[applicant.pk],
        ),
    )
    sign_in(page, world.mediator.user, next_path=f"/cases/{dispute.pk}/")
    block = page.locator(f'[data-minutes-block="{session.pk}"]')
    block.locator("summary").click()
    form = block.locator(f'form[data-sign-form="minutes-p{applicant.pk}"]')
    form.locator('[name="signer_name"]').fill("别人")
    draw(page, form.locator("canvas"))
    drawn = _ink(page, form.locator("canvas"))
    form.get_by_role("button", name="记录").click()

    # Refused for the name: the form is open again, the drawing back on the pad.
    form = page.locator(f'form[data-sign-form="minutes-p{applicant.pk}"]')
    expect(form.locator("canvas[data-restored]")).to_have_count(1)
    assert _ink(page, form.locator("canvas")) == drawn
    form.locator('[name="signer_name"]').fill(applicant.party.name)
    form.get_by_role("button", name="记录").click()
    expect(block.locator(f'[data-minutes-signer="p{applicant.pk}"] .badge.signed')).to_be_visible()

    block.locator("summary").click()
    form = block.locator(f'form[data-sign-form="minutes-m{world.mediator.pk}"]')
    form.locator('[name="signer_name"]').fill(world.mediator.display_name)
    draw(page, form.locator("canvas"))
    form.get_by_role("button", name="记录").click()
    expect(block.locator(f'[data-minutes-pdf="{session.pk}"]')).to_be_visible()
    assert MinutesSignature.objects.filter(session=session).count() == 2
    screenshot("minutes-signed")
