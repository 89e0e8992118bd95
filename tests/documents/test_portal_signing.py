"""Signing the agreement online from the party portal, and downloading it once in effect."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from documents.models import OneTimeCode, Signature
from mediation.cases.models import Dispute
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.documents.conftest import Case
from tests.documents.helpers import INSURER_REPRESENTATIVE, in_person, mediator_signs
from tests.form_tokens import FormClient


def web(user: Any) -> Client:
    client = FormClient()
    client.force_login(user)
    return client


def page_of(case: Case) -> str:
    return f"/portal/cases/{case.dispute.pk}/"


def code_in(sms: list[tuple[str, str]]) -> str:
    return re.findall(r"(?<!\d)(\d{6})(?!\d)", sms[-1][1])[-1]


def test_a_party_signs_online_from_the_portal_and_downloads_the_agreement(
    world: World, agreed: Case, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    case = agreed
    in_person(world, case, case.minor, case.guardian)
    in_person(world, case, case.respondent, case.agent)
    in_person(world, case, case.insurer, case.insurer, **INSURER_REPRESENTATIVE)
    client = web(world.party_user)

    text = client.get(page_of(case)).content.decode()
    assert 'data-step="agreed" aria-current="step"' in text
    assert "双方就本纠纷再无其他争议。" in text  # a clause
    assert "¥86,000.50" in text  # the total of the obligations
    assert f"/api/v1/disputes/{case.dispute.pk}/agreement/preview/" in text
    assert f'class="sign-for" data-signatory="{case.online.pk}"' in text
    # Only the signatory the party may sign for gets a form.
    assert text.count('class="sign-for"') == 1

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"{page_of(case)}signing-code/", {"signatory": case.online.pk})
    assert sent.status_code == 302
    assert sms[-1][0] == "13800138000"
    assert "138****8000" in client.get(page_of(case)).content.decode()

    wrong = f"{(int(code_in(sms)) + 1) % 10**6:06d}"
    refused = client.post(
        f"{page_of(case)}sign/", {"signatory": case.online.pk, "version": 1, "code": wrong}
    )
    assert refused.status_code == 400
    assert OneTimeCode.objects.get(purpose__startswith="sign:").attempts == 1

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"{page_of(case)}sign/",
            {"signatory": case.online.pk, "version": 1, "code": code_in(sms)},
        )
    assert done.status_code == 302, done.content.decode()
    signature = Signature.objects.get(signatory=case.online)
    assert (signature.method, signature.user) == ("online", world.party_user)
    # The parties have all signed; the mediator's signature makes it take effect.
    assert Dispute.objects.get(pk=case.dispute.pk).state == "agreed"
    assert mediator_signs(world, case).status_code == 201
    assert Dispute.objects.get(pk=case.dispute.pk).state == "signed"

    text = client.get(page_of(case)).content.decode()
    assert 'data-step="signed" aria-current="step"' in text
    assert 'class="sign-for"' not in text
    url = f"{page_of(case)}documents/agreement.pdf"
    assert url in text
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf).startswith(b"%PDF")

    # Someone who is not a party to the case gets 404, for the page and the document.
    stranger = f.UserFactory()
    other = f.PartyFactory(user=stranger)
    elsewhere = f.DisputeFactory(body=world.body)
    f.CasePartyFactory(dispute=elsewhere, party=other, role=PartyRole.APPLICANT)
    assert web(stranger).get(page_of(case)).status_code == 404
    assert web(stranger).get(url).status_code == 404
    assert client.get(f"{page_of(case)}documents/termination.pdf").status_code == 404
    assert client.get(f"{page_of(case)}documents/nonsense.pdf").status_code == 404
    assert client.get(f"{url}?lang=xx").status_code == 404


def test_signing_errors_are_shown_never_a_500(
    world: World, agreed: Case, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    case = agreed
    client = web(world.party_user)
    sign = f"{page_of(case)}sign/"
    # No code asked for yet.
    answer = client.post(sign, {"signatory": case.online.pk, "version": 1, "code": "123456"})
    assert answer.status_code == 400 and 'role="alert"' in answer.content.decode()
    # Someone else's signature.
    answer = client.post(sign, {"signatory": case.respondent.pk, "version": 1, "code": "123456"})
    assert answer.status_code == 400
    answer = client.post(f"{page_of(case)}signing-code/", {"signatory": case.respondent.pk})
    assert answer.status_code == 400
    # A missing field.
    assert client.post(sign, {"signatory": case.online.pk}).status_code == 400
    assert client.post(f"{page_of(case)}signing-code/", {}).status_code == 400
    # A superseded version.
    answer = client.post(sign, {"signatory": case.online.pk, "version": 9, "code": "123456"})
    assert answer.status_code == 409
    # A case that is not agreed.
    Dispute.objects.filter(pk=case.dispute.pk).update(state="mediating")
    answer = client.post(f"{page_of(case)}signing-code/", {"signatory": case.online.pk})
    assert answer.status_code == 409
    assert sms == []
