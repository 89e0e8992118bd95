"""The forged-signature journey, as an attacker would try it, now stopped at its first step.

A clerk of one body registers a case naming another body's insurer by its USCC (public) with a
mobile number of the clerk's own, then tries to sign in to the portal with that number to sign
the other body's agreement as the insurer. The registration makes the clerk's body a record of
its own; the number signs no one in (no code is sent, none is accepted), so there is nothing to
sign with, and the insurer's record and account keep what they had.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from documents.models import Signature
from documents.sms import MemorySmsBackend
from mediation.cases.models import Dispute
from mediation.kernel.roles import Role
from parties.models import Party, PartyRole, PortalAccount
from tests import factories as f
from tests.browser.conftest import Screenshot, sign_in
from tests.browser.test_mediator_journey import sign_out
from tests.conftest import World
from tests.mediation.helpers import dispute_in

USCC = "91360102976158464Q"
INSURER = "中国人民财产保险股份有限公司南昌市分公司"
INSURER_PHONE = "13907910004"
ATTACKER_PHONE = "13900000001"


def fill_party(page: Page, index: int, **fields: str) -> None:
    for name, value in fields.items():
        control = page.locator(f'[name="parties-{index}-{name}"]')
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def test_a_clerk_cannot_sign_in_as_another_bodys_party(
    page: Page, world: World, screenshot: Screenshot, settings: Any
) -> None:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    theirs = dispute_in(world, "agreed", body=world.other_body, mediator=world.other_mediator)
    insurer = f.OrganizationFactory(
        body=world.other_body,
        name=INSURER,
        id_number=USCC,
        phone=INSURER_PHONE,
        user=f.UserFactory(roles=[Role.PARTY]),
    )
    f.CasePartyFactory(dispute=theirs, party=insurer, role=PartyRole.THIRD_PARTY)

    # The clerk names the insurer with a number of their own: their body gets its own record.
    sign_in(page, world.clerk, next_path="/cases/new/")
    page.locator('[name="category"]').select_option("traffic")
    page.locator('[name="channel"]').select_option("police")
    page.locator('[name="title"]').fill("两车追尾财产损害赔偿纠纷")
    page.locator('[name="facts"]').fill("两车追尾。")
    fill_party(page, 0, role="applicant", kind="person", name="张三")
    fill_party(
        page,
        1,
        role="respondent",
        kind="organization",
        name=INSURER,
        id_type="uscc",
        id_number=USCC,
        organization_type="insurer",
        phone=ATTACKER_PHONE,
    )
    page.locator("form.register .buttons button").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    assert Dispute.objects.filter(title="两车追尾财产损害赔偿纠纷", body=world.body).exists()
    sign_out(page)

    # The first step of the takeover: the number signs no one in.
    page.goto("/portal/login/")
    page.locator("form.portal-login input[name=phone]").fill(ATTACKER_PHONE)
    page.locator("form.portal-login button[type=submit]").click()
    expect(page).to_have_url("/portal/login/code/")
    assert MemorySmsBackend.outbox == []
    form = page.locator("form.portal-code")
    form.locator("input[name=code]").fill("000000")
    form.locator("button[type=submit]").click()
    expect(page.locator("form.portal-code [role=alert]")).to_be_visible()
    screenshot("forged-signature-refused")
    page.goto("/portal/")
    expect(page).to_have_url(re.compile(r"/portal/login/"))
    page.goto(f"/portal/cases/{theirs.pk}/")
    expect(page).to_have_url(re.compile(r"/portal/login/"))

    insurer.refresh_from_db()
    assert insurer.phone == INSURER_PHONE
    assert PortalAccount.objects.get(user=insurer.user).phone == INSURER_PHONE
    assert Party.objects.filter(body=world.body, phone=ATTACKER_PHONE, user__isnull=True).exists()
    assert not Signature.objects.exists()
