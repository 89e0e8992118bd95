"""An organisation signs online in the portal as it signs in person: through a named person, in a
stated capacity, saying whether its seal is affixed; the sealed agreement's block shows them."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from documents import storage
from documents.models import Document, OneTimeCode, Signature
from mediation.kernel.roles import Role
from parties.models import CaseParty
from tests import factories as f
from tests.conftest import World
from tests.documents.conftest import Case
from tests.documents.helpers import in_person, mediator_signs
from tests.form_tokens import FormClient


@pytest.fixture
def handler(world: World, case: Case) -> Any:
    """The insurer's record acts through a portal account (its claims desk's), before the
    agreement is drafted."""
    user = f.UserFactory(roles=[Role.PARTY])
    record = f.OrganizationFactory(
        user=user, body=world.body, name="某财产保险股份有限公司南昌分公司", phone="13900139000"
    )
    CaseParty.objects.filter(pk=case.insurer.pk).update(party=record)
    case.insurer.refresh_from_db()
    return user


def web(user: Any) -> FormClient:
    client = FormClient(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def page_of(case: Case) -> str:
    return f"/portal/cases/{case.dispute.pk}/"


def fieldset(text: str, case_party: CaseParty) -> str:
    found = re.search(
        rf'<fieldset class="sign-for" data-signatory="{case_party.pk}">(.*?)</fieldset>', text, re.S
    )
    assert found, "no signing form"
    return found.group(1)


def code_for(client: FormClient, case: Case, sms: list[tuple[str, str]], capture: Any) -> str:
    with capture(execute=True):
        sent = client.post(f"{page_of(case)}signing-code/", {"signatory": case.insurer.pk})
    assert sent.status_code == 302
    return re.findall(r"(?<!\d)(\d{6})(?!\d)", sms[-1][1])[-1]


def test_an_organisation_names_its_representative_online_and_the_pdf_shows_them(
    world: World,
    handler: Any,
    agreed: Case,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = agreed
    client = web(handler)
    form = fieldset(client.get(page_of(case)).content.decode(), case.insurer)
    for name in ("signer_name", "representative_role", "seal_affixed"):
        assert f'name="{name}"' in form
    # A person signing online is asked for no representative.
    person = fieldset(web(world.party_user).get(page_of(case)).content.decode(), case.online)
    assert 'name="representative_role"' not in person

    code = code_for(client, case, sms, django_capture_on_commit_callbacks)
    refused = client.post(
        f"{page_of(case)}sign/",
        {"signatory": case.insurer.pk, "version": 1, "code": code, "signer_name": "刘海涛"},
    )
    assert refused.status_code == 400
    form = fieldset(refused.content.decode(), case.insurer)
    assert "Say in what capacity they sign" in form
    assert 'value="刘海涛"' in form  # what was typed stays
    # Checked before the code: the refusal cost no attempt, and nothing was signed.
    assert OneTimeCode.objects.get(purpose__startswith="sign:").attempts == 0
    assert not Signature.objects.filter(signatory=case.insurer).exists()

    no_name = client.post(
        f"{page_of(case)}sign/",
        {"signatory": case.insurer.pk, "version": 1, "code": code, "representative_role": "经办人"},
    )
    assert no_name.status_code == 400
    assert "Type the name of the person who signs" in fieldset(
        no_name.content.decode(), case.insurer
    )

    done = client.post(
        f"{page_of(case)}sign/",
        {
            "signatory": case.insurer.pk,
            "version": 1,
            "code": code,
            "signer_name": " 刘海涛 ",
            "representative_role": "理赔经办人",
            "seal_affixed": "on",
        },
    )
    assert done.status_code == 302, done.content.decode()
    signature = Signature.objects.get(signatory=case.insurer)
    assert (signature.method, signature.signer_name) == ("online", "刘海涛")
    assert (signature.representative_name, signature.representative_role) == (
        "刘海涛",
        "理赔经办人",
    )
    assert signature.seal_affixed is True

    assert in_person(world, case, case.online, case.online).status_code == 201
    assert in_person(world, case, case.minor, case.guardian).status_code == 201
    assert in_person(world, case, case.respondent, case.agent).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        assert mediator_signs(world, case).status_code == 201
    document = Document.objects.get(dispute=case.dispute, kind="agreement", lang="zh-hans")
    pdf = storage.read(document.file)
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "代表人：刘海涛" in text and "理赔经办人" in text and "已加盖公章" in text


def test_a_person_signing_online_signs_in_their_recorded_name(
    world: World, agreed: Case, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    case = agreed
    client = web(world.party_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{page_of(case)}signing-code/", {"signatory": case.online.pk})
    code = re.findall(r"(?<!\d)(\d{6})(?!\d)", sms[-1][1])[-1]
    done = client.post(
        f"{page_of(case)}sign/",
        {"signatory": case.online.pk, "version": 1, "code": code, "signer_name": "别人"},
    )
    assert done.status_code == 302
    signature = Signature.objects.get(signatory=case.online)
    assert (signature.signer_name, signature.representative_name) == ("张伟", "")
