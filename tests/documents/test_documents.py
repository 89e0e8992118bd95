"""From four signatures to a signed, stored, verifiable Chinese PDF that every party downloads,
and everyone else does not. PDFs are really rendered, signed and read back."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from courts import services as court_services
from documents import generation, storage, tasks
from documents.models import Document, StoredFile
from documents.signing import verify_pdf
from mediation.cases.models import Dispute
from tests import factories as f
from tests.conftest import World, client_for
from tests.documents.conftest import Case
from tests.documents.helpers import (
    INSURER_REPRESENTATIVE,
    in_person,
    mediator_signs,
    online_code,
    put,
    sign,
    terms,
)
from tests.mediation.helpers import give_confirmation_consents


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_url(dispute: Dispute, kind: str, lang: str = "") -> str:
    tail = f"?lang={lang}" if lang else ""
    return f"/api/v1/disputes/{dispute.pk}/documents/{kind}/pdf/{tail}"


def test_the_last_signature_stores_one_signed_chinese_agreement(world: World, signed: Case) -> None:
    document = Document.objects.get(dispute=signed.dispute)
    assert (document.kind, document.lang, document.version) == ("agreement", "zh-hans", 1)
    pdf = storage.read(document.file)
    assert storage.sha256_of(pdf) == document.sha256

    check = verify_pdf(pdf)
    assert check.ok, check.summary
    assert check.signer == world.body.name

    text = text_of(pdf)
    for expected in (
        "人民调解协议书",
        signed.dispute.reference,
        "王小明",
        "王建国",
        "李娜",
        "赵敏",
        "某财产保险股份有限公司南昌分公司",
        "86,000.50",
        document.verification_code,
    ):
        assert expected in text, expected
    # Copies go to every party: nobody's full ID number is printed.
    for cp in signed.dispute.case_parties.select_related("party"):
        if len(cp.party.id_number) == 18:
            assert cp.party.id_number not in text


def test_every_party_and_the_body_download_it_and_strangers_get_404(
    world: World, signed: Case
) -> None:
    url = pdf_url(signed.dispute, "agreement")
    first = client_for(world.party_user).get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    body = b"".join(first.streaming_content) if first.streaming else first.content
    assert body == storage.read(Document.objects.get(dispute=signed.dispute).file)
    for user in (world.mediator.user, world.director, world.clerk):
        assert client_for(user).get(url).content == body, user
    for stranger in (world.other_director, world.analyst, world.court_user, world.other_court_user):
        assert client_for(stranger).get(url).status_code == 404, stranger
    assert Document.objects.count() == 1 and StoredFile.objects.count() == 1


def test_a_court_holding_a_referral_of_the_case_may_download(world: World, signed: Case) -> None:
    give_confirmation_consents(signed.dispute, world.mediator.user)  # the joint application
    court_services.send_referral(
        actor=world.mediator.user,
        dispute_id=signed.dispute.pk,
        kind="confirmation",
        court=world.court,
    )
    assert client_for(world.court_user).get(pdf_url(signed.dispute, "agreement")).status_code == 200
    assert (
        client_for(world.other_court_user).get(pdf_url(signed.dispute, "agreement")).status_code
        == 404
    )


def test_english_on_request_is_its_own_signed_document(world: World, signed: Case) -> None:
    response = client_for(world.party_user).get(pdf_url(signed.dispute, "agreement", "en"))
    assert response.status_code == 200
    text = text_of(response.content)
    assert "People's Mediation Agreement" in text and "王小明" in text
    assert verify_pdf(response.content).ok
    assert set(Document.objects.values_list("lang", flat=True)) == {"zh-hans", "en"}
    # A language not offered is refused as the schema's enum says: 400 naming `lang`.
    refused = client_for(world.party_user).get(pdf_url(signed.dispute, "agreement", "fr"))
    assert refused.status_code == 400 and "lang" in refused.json()


def test_generating_again_or_retrying_stores_nothing_new(signed: Case) -> None:
    document = Document.objects.get(dispute=signed.dispute)
    again = generation.generate(signed.dispute.pk, "agreement", "zh-hans")
    retried = tasks.generate_document.delay(signed.dispute.pk, "agreement", "zh-hans").get()
    assert again.pk == document.pk and retried == document.sha256
    assert StoredFile.objects.count() == 1


def test_storage_never_overwrites(signed: Case) -> None:
    stored = Document.objects.get(dispute=signed.dispute).file
    data = storage.read(stored)
    assert storage.store(data, "application/pdf").pk == stored.pk
    with pytest.raises(TypeError):
        StoredFile.objects.filter(pk=stored.pk).update(size=1)


@pytest.mark.parametrize(
    ("state", "kinds"),
    [
        ("accepted", {"acceptance_notice"}),
        ("failed", {"acceptance_notice", "termination"}),
    ],
)
def test_notices_follow_the_case_and_render_in_both_languages(
    world: World, case: Case, state: str, kinds: set[str]
) -> None:
    dispute = case.dispute
    Dispute.objects.filter(pk=dispute.pk).update(
        state=state, outcome="failure" if state == "failed" else ""
    )
    listed = client_for(world.director).get(f"/api/v1/disputes/{dispute.pk}/documents/").data
    assert {item["kind"] for item in listed} == kinds
    for kind in kinds:
        for lang, title in (("zh-hans", None), ("en", None)):
            response = client_for(world.director).get(pdf_url(dispute, kind, lang))
            assert response.status_code == 200, (kind, lang)
            text = text_of(response.content)
            assert dispute.reference in text and "王小明" in text, (kind, lang)
            del title
    assert client_for(world.director).get(pdf_url(dispute, "agreement")).status_code == 404


def test_referral_letter_and_confirmation_application(world: World, signed: Case) -> None:
    # Before the parties apply there is no application to print, nor a court to address it to.
    before = client_for(world.director).get(pdf_url(signed.dispute, "confirmation_application"))
    assert before.status_code == 404
    give_confirmation_consents(signed.dispute, world.mediator.user)  # the joint application
    court_services.send_referral(
        actor=world.mediator.user,
        dispute_id=signed.dispute.pk,
        kind="confirmation",
        court=world.court,
    )
    response = client_for(world.director).get(pdf_url(signed.dispute, "confirmation_application"))
    assert response.status_code == 200
    assert world.court.name in text_of(response.content)


# --- the public verification page ----------------------------------------------------------------


def test_the_verification_page_shows_hash_masked_names_and_validity(signed: Case) -> None:
    document = Document.objects.get(dispute=signed.dispute)
    page = Client().get(f"/verify/{document.verification_code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert document.sha256 in html and 'id="signature-valid"' in html
    assert "王**" in html and "王小明" not in html and "张伟" not in html
    assert Client().get("/verify/NOSUCHCODE42/").status_code == 404


def test_uploading_the_same_pdf_matches_and_a_flipped_byte_does_not(signed: Case) -> None:
    document = Document.objects.get(dispute=signed.dispute)
    pdf = storage.read(document.file)
    url = f"/verify/{document.verification_code}/"

    same = Client().post(url, {"pdf": SimpleUploadedFile("a.pdf", pdf, "application/pdf")})
    assert same.status_code == 200 and 'id="upload-matches"' in same.content.decode()

    flipped = bytearray(pdf)
    flipped[len(flipped) // 3] ^= 0x01
    changed = Client().post(
        url, {"pdf": SimpleUploadedFile("a.pdf", bytes(flipped), "application/pdf")}
    )
    html = changed.content.decode()
    assert changed.status_code == 200 and 'id="upload-differs"' in html
    assert not verify_pdf(bytes(flipped)).ok

    not_pdf = Client().post(url, {"pdf": SimpleUploadedFile("a.pdf", b"hello", "application/pdf")})
    assert not_pdf.status_code == 400


def test_a_draft_can_be_read_before_signing_and_is_not_stored(world: World, agreed: Case) -> None:
    url = f"/api/v1/disputes/{agreed.dispute.pk}/agreement/preview/?lang=en"
    response = client_for(world.party_user).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "DRAFT" in text and "王小明" in text
    assert not verify_pdf(response.content).signed
    assert not Document.objects.exists() and not StoredFile.objects.exists()
    assert client_for(world.other_director).get(url).status_code == 404


def test_a_settled_delegation_brings_the_signed_agreement_back_to_the_court(
    world: World, case: Case, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    # The case came from the court: its delegation is decided "mediated" when it takes effect,
    # and the court finds the signed agreement among the referral's documents.
    referral = f.ReferralFactory(
        kind="delegation", dispute=case.dispute, court=world.court, state="received"
    )
    mediator = client_for(world.mediator.user)
    put(mediator, case, terms(case))
    mediator.post(f"/api/v1/disputes/{case.dispute.pk}/transitions/draft_agreement/", {})
    in_person(world, case, case.minor, case.guardian)
    in_person(world, case, case.respondent, case.agent)
    in_person(world, case, case.insurer, case.insurer, **INSURER_REPRESENTATIVE)
    code = online_code(world, case, sms, django_capture_on_commit_callbacks)
    sign(client_for(world.party_user), case, signatory=case.online.pk, method="online", code=code)
    assert mediator_signs(world, case).status_code == 201

    shown = client_for(world.court_user).get(f"/api/v1/referrals/{referral.pk}/").data
    assert (shown["state"], shown["decision"]) == ("decided", "mediated")
    links = {d["kind"]: d["pdf"] for d in shown["documents"]}
    download = client_for(world.court_user).get(links["agreement"])
    assert download.status_code == 200 and verify_pdf(download.content).ok
