"""Journey (b): a party signs in with a one-time code and downloads only their own agreement.

The case is mediated and signed beforehand through the services (the respondent in person on
the mediator's device, the party online with a code, then the mediator), which stores the
sealed agreement. The
party then does in the browser what they would: asks for a code by phone number, types the code
the SMS brought (read from the in-memory SMS backend, shared with the in-process live server),
finds only their case with its progress, and downloads the agreement.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from documents import services as documents
from documents.models import Document
from documents.sms import MemorySmsBackend
from mediation.cases import services as mediation
from parties.models import PartyRole
from tests import factories as f
from tests.browser.conftest import Screenshot
from tests.conftest import World
from tests.documents.conftest import png
from tests.mediation.helpers import dispute_in

PHONE = "13800138000"


def last_code() -> str:
    return re.findall(r"(?<!\d)(\d{6})(?!\d)", MemorySmsBackend.outbox[-1][1])[-1]


def signed_case(world: World) -> Any:
    """A mediated case whose agreement both sides and then the mediator have signed; the party
    signed online."""
    party = world.party
    party.phone = PHONE
    party.save()
    # The number the party's portal account proved: sign-in and signing codes go there.
    world.party_user.portal_account.phone = PHONE
    world.party_user.portal_account.save()
    dispute = dispute_in(world, "mediating", title="邻里漏水损害赔偿纠纷")
    mine = dispute.case_parties.get(party=party)
    respondent = dispute.case_parties.exclude(pk=mine.pk).get()
    due = timezone.localdate() + datetime.timedelta(days=14)
    mediator = world.mediator.user
    documents.save_agreement(
        actor=mediator,
        dispute_id=dispute.pk,
        data=documents.AgreementInput(
            facts="楼上住户水管破裂，致楼下房屋受损。",
            clauses=["双方就本纠纷再无其他争议。"],
            obligations=[
                documents.ObligationInput(
                    payer=respondent.pk,
                    payee=mine.pk,
                    instalments=[documents.InstalmentInput(Decimal("3200.00"), due)],
                )
            ],
        ),
    )
    mediation.take_transition(actor=mediator, dispute_id=dispute.pk, name="draft_agreement")
    documents.record_signature(
        actor=mediator,
        dispute_id=dispute.pk,
        data=documents.SignatureInput(
            signatory=respondent.pk,
            method="in_person",
            signer_name=respondent.party.name,
            image=png(),
        ),
    )
    documents.request_signing_code(actor=world.party_user, dispute_id=dispute.pk, signatory=mine.pk)
    result = documents.record_signature(
        actor=world.party_user,
        dispute_id=dispute.pk,
        data=documents.SignatureInput(signatory=mine.pk, method="online", code=last_code()),
    )
    assert result.completed
    # The mediator signs last: the agreement takes effect and is sealed.
    documents.record_mediator_signature(
        actor=mediator,
        dispute_id=dispute.pk,
        data=documents.MediatorSignatureInput(signer_name=world.mediator.display_name, image=png()),
    )
    assert Document.objects.filter(dispute=dispute, kind="agreement").exists()
    return dispute


def test_a_party_signs_in_with_a_code_and_downloads_their_agreement(
    page: Page, world: World, screenshot: Screenshot, settings: Any, tmp_path: Path
) -> None:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"
    MemorySmsBackend.outbox.clear()
    mine = signed_case(world)
    # Someone else's signed case of the same body, which the party must never see.
    others = dispute_in(world, "signed", title="他人的合同纠纷")
    others.case_parties.filter(party=world.party).update(party=f.PartyFactory())
    f.CasePartyFactory(dispute=others, role=PartyRole.THIRD_PARTY)
    MemorySmsBackend.outbox.clear()

    # Step 1: the phone number; the answer does not say whether the number is known.
    page.goto("/portal/login/")
    page.locator("form.portal-login input[name=phone]").fill(PHONE)
    page.locator("form.portal-login button[type=submit]").click()
    expect(page).to_have_url("/portal/login/code/")
    expect(page.locator(".code-sent")).to_contain_text("138****8000")
    assert [phone for phone, _message in MemorySmsBackend.outbox] == [PHONE]

    # A wrong code is refused; the right one signs in and lands on "my cases".
    code = last_code()
    form = page.locator("form.portal-code")
    form.locator("input[name=code]").fill(f"{(int(code) + 1) % 10**6:06d}")
    form.locator("button[type=submit]").click()
    expect(page.locator("form.portal-code [role=alert]")).to_be_visible()
    form.locator("input[name=code]").fill(code)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url("/portal/")

    cases = page.locator("li.portal-case")
    expect(cases).to_have_count(1)
    expect(cases).to_contain_text(mine.reference)
    expect(cases).to_contain_text("邻里漏水损害赔偿纠纷")
    expect(page.locator("main")).not_to_contain_text(others.reference)
    expect(page.locator("main")).not_to_contain_text("他人的合同纠纷")
    expect(cases.locator('[aria-current="step"]')).to_have_attribute("data-step", "signed")

    cases.get_by_role("link", name=mine.reference).click()
    expect(page).to_have_url(f"/portal/cases/{mine.pk}/")
    expect(page.locator("ul.signatures .badge.signed")).to_have_count(2)
    with page.expect_download() as info:
        page.locator('li[data-kind="agreement"] a').first.click()
    download = info.value
    assert download.suggested_filename == f"{mine.reference}-agreement-zh-hans.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    screenshot("party-journey")

    # The other case is not theirs: its page and its agreement answer 404.
    assert page.request.get(f"/portal/cases/{others.pk}/").status == 404
    assert page.request.get(f"/portal/cases/{others.pk}/documents/agreement.pdf").status == 404
