"""What the court-ending journeys (test_court_endings.py) share: the people, numbers and papers
of the two cases, the API clients, and the checks every paper gets."""

from __future__ import annotations

import datetime
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from rest_framework.test import APIClient

from documents import pki
from mediation.cases.models import Dispute
from mediation.kernel.roles import Role
from parties.validators import resident_id_check_digit, uscc_check_char
from tests import factories as f
from tests.browser.conftest import sign_in
from tests.browser.test_mediator_journey import badge, open_step, sign_out
from tests.browser.test_signing_journey import draw
from tests.conftest import World
from tests.documents.helpers import IMAGE

TODAY = timezone.localdate()
YEAR = TODAY.year
PASSWORD = "pw"  # the factories' password
INSURER = "中国人民财产保险股份有限公司南昌市分公司"


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


INJURED_ID = resident_id("36010219850312123")
DRIVER_ID = resident_id("36010319900722451")
INSURER_USCC = "91360100705525117" + uscc_check_char("91360100705525117")
CHILD_ID = resident_id("36010220180506002")
MOTHER_ID = resident_id("36010219900214002")
FATHER_ID = resident_id("36010219880909003")


def masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


@dataclass
class Body:
    body: Any
    clerk: Any
    director: Any
    mediator: Any  # a Mediator row


def body_with_staff(world: World, **fields: Any) -> Body:
    body = f.MediationBodyFactory(court=world.court, **fields)

    def staff(role: Role) -> Any:
        user = f.UserFactory(roles=[role])
        f.StaffMemberFactory(user=user, body=body)
        return user

    return Body(
        body=body,
        clerk=staff(Role.CLERK),
        director=staff(Role.DIRECTOR),
        mediator=f.MediatorFactory(body=body, categories=list(fields.get("categories", []))),
    )


def api(user: Any) -> APIClient:
    """An API client holding a token of `user`, as a court's system or a mediator's app has."""
    client = APIClient()
    answer = client.post(
        "/api/v1/auth/token/", {"username": user.get_username(), "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.content.decode()[:2000]
    return answer.json()


def an_hour_ago() -> str:
    return (timezone.now() - datetime.timedelta(hours=1)).isoformat()


def pdf_text(pdf: bytes) -> str:
    """The text without the line breaks and spaces a layout puts inside words and numbers."""
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


def check_signature(pdf: bytes, body_name: str) -> None:
    """The body's PAdES signature, intact, valid and trusted by the development CA."""
    ca = list(load_certs_from_pemder_data(pki.ca_paths()[1].read_bytes()))
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    # pyHanko validates in asyncio.run(), which refuses to start inside Playwright's running
    # loop: it gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        status = pool.submit(
            validate_pdf_signature,
            signatures[0],
            ValidationContext(trust_roots=ca, allow_fetching=False),
        ).result()
    assert status.bottom_line, status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == body_name


def papers(client: APIClient, dispute: Dispute) -> dict[tuple[str, str], tuple[bytes, str]]:
    """Every paper the case has reached, in Chinese, and the agreement in English too: its
    bytes and the text read back; each checked for the body's signature and on /verify/."""
    found: dict[tuple[str, str], tuple[bytes, str]] = {}
    listing = ok(client.get(f"/api/v1/disputes/{dispute.pk}/documents/"))
    for document in listing:
        for lang in ("zh-hans", "en") if document["kind"] == "agreement" else ("zh-hans",):
            answer = client.get(document["pdf"], {"lang": lang})
            assert answer.status_code == 200, (document["kind"], lang, answer.status_code)
            pdf = b"".join(answer.streaming_content) if answer.streaming else answer.content
            assert pdf.startswith(b"%PDF")
            check_signature(pdf, dispute.body.name)
            found[(document["kind"], lang)] = (pdf, pdf_text(pdf))
    for document in ok(client.get(f"/api/v1/disputes/{dispute.pk}/documents/")):
        for generated in document["generated"]:
            page = client.get(f"/verify/{generated['verification_code']}/")
            assert page.status_code == 200
            html = page.content.decode()
            assert dispute.number in html and dispute.body.name in html
    return found


def sign_minutes(client: APIClient, dispute: Dispute, representatives: dict[int, str]) -> None:
    """Everyone present signs the minutes of each held session on the mediator's device; an
    organisation through the person who came for it."""
    for session in dispute.sessions.filter(status="held"):
        url = f"/api/v1/disputes/{dispute.pk}/sessions/{session.pk}/minutes/signatures/"
        for signer in ok(client.get(url))["signers"]:
            data: dict[str, Any] = {"image": IMAGE}
            if signer["attendee"] is not None:
                data["attendee"] = signer["attendee"]
                if signer["attendee"] in representatives:
                    data["representative_name"] = representatives[signer["attendee"]]
                    data["representative_role"] = "理赔经办人"
                else:
                    data["signer_name"] = signer["name"]
            else:
                data |= {"mediator": signer["mediator"], "signer_name": signer["name"]}
            ok(client.post(url, data, format="json"), 201)


def close_on_the_page(page: Page, user: Any, case_path: str, outcome: str) -> None:
    sign_in(page, user, next_path=case_path)
    expect(page.locator("[data-file-gaps]")).to_have_count(0)
    form = open_step(page, "close")
    form.locator('[name="outcome"]').select_option(outcome)
    form.locator('button[type="submit"]').click()
    expect(badge(page)).to_have_attribute("data-state", "closed")
    expect(page.locator("main")).to_contain_text("调解卷宗")
    sign_out(page)


def case_file(client: APIClient, dispute: Dispute) -> str:
    """The closed case's file, as the body's staff download it: signed by the body."""
    answer = client.get(f"/api/v1/disputes/{dispute.pk}/documents/case_file/pdf/")
    assert answer.status_code == 200, answer.status_code
    pdf = b"".join(answer.streaming_content) if answer.streaming else answer.content
    check_signature(pdf, dispute.body.name)
    return pdf_text(pdf)


def setup_pki(settings: Any, tmp_path: Path) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"


def sign_on_device(page: Page, rows: list[tuple[int, str, dict[str, Any]]], mediator: Any) -> None:
    """On the signing page: each signatory's signer draws, then the mediator, which seals."""
    for signatory, name, extra in rows:
        form = page.locator(f'form[data-sign-form="{signatory}"]')
        if "signer" in extra:
            form.locator('[name="signer"]').select_option(str(extra["signer"]))
        form.locator('[name="signer_name"]').fill(name)
        if "representative_role" in extra:
            form.locator('[name="representative_role"]').fill(extra["representative_role"])
            form.locator('[name="seal_affixed"]').check()
        draw(page, form.locator("canvas"))
        form.locator('button[type="submit"]').click()
        expect(page.locator(f'tr[data-signatory="{signatory}"] .badge.signed')).to_be_visible()
    expect(page.locator("[data-awaiting-mediator]")).to_contain_text("等待调解员签名")
    form = page.locator('form[data-sign-form="mediator"]')
    form.locator('[name="signer_name"]').fill(mediator.display_name)
    draw(page, form.locator("canvas"))
    form.locator('button[type="submit"]').click()
    expect(badge(page)).to_have_attribute("data-state", "signed")
