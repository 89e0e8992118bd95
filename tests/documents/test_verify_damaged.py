"""The public verification page when the body's stored copy has been altered or lost, and when
the copy a visitor uploads is altered or not a PDF at all: always a page that says which, never a
server error. PDFs are really rendered and signed (the `signed` fixture)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from documents import storage
from documents.models import Document
from tests.conftest import World, client_for
from tests.documents.conftest import Case


def visitor() -> Client:
    # English pages: the messages are asserted in English (the zh-Hans catalogue translates them).
    return Client(headers={"accept-language": "en"})


def page_of(document: Document) -> str:
    return f"/verify/{document.verification_code}/"


def upload(document: Document, data: bytes) -> object:
    pdf = SimpleUploadedFile("copy.pdf", data, "application/pdf")
    return visitor().post(page_of(document), {"pdf": pdf})


def altered(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01
    return bytes(changed)


def tamper_with_the_stored_copy(document: Document) -> None:
    path = default_storage.path(document.file.path)
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(altered(data))


def test_a_tampered_stored_copy_is_reported_and_copies_are_still_compared(signed: Case) -> None:
    document = Document.objects.get(dispute=signed.dispute)
    original = storage.read(document.file)
    tamper_with_the_stored_copy(document)

    page = visitor().get(page_of(document))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="stored-damaged"' in html and 'id="signature-valid"' not in html
    assert "The copy kept by the mediation body is damaged or missing" in html
    assert document.sha256 in html

    # The copy a party holds is still the document as issued: its SHA-256 was recorded then.
    same = upload(document, original)
    assert same.status_code == 200
    assert "The file is identical to the document as issued." in same.content.decode()

    changed = upload(document, altered(original))
    assert changed.status_code == 200 and 'id="upload-differs"' in changed.content.decode()

    not_a_pdf = upload(document, b"GIF89a not a pdf")
    assert not_a_pdf.status_code == 400
    assert "This is not a PDF file." in not_a_pdf.content.decode()


def test_a_stored_copy_gone_from_storage_is_reported(signed: Case) -> None:
    document = Document.objects.get(dispute=signed.dispute)
    default_storage.delete(document.file.path)
    page = visitor().get(page_of(document))
    assert page.status_code == 200 and 'id="stored-damaged"' in page.content.decode()


def test_an_altered_or_garbled_upload_against_an_intact_copy(signed: Case) -> None:
    document = Document.objects.get(dispute=signed.dispute)
    original = storage.read(document.file)

    changed = upload(document, altered(original))
    html = changed.content.decode()
    assert changed.status_code == 200 and 'id="upload-differs"' in html
    assert 'id="signature-valid"' in html  # the stored copy itself is fine

    garbled = upload(document, b"%PDF-1.7\n" + bytes(range(256)) * 8)
    html = garbled.content.decode()
    assert garbled.status_code == 200 and 'id="upload-differs"' in html
    assert "damaged or has been altered and cannot be read" in html

    assert visitor().get("/verify/NOSUCHCODE42/").status_code == 404


def test_a_damaged_stored_copy_is_refused_for_download_not_a_server_error(
    world: World, signed: Case
) -> None:
    document = Document.objects.get(dispute=signed.dispute, kind="agreement", lang="zh-hans")
    tamper_with_the_stored_copy(document)
    url = f"/api/v1/disputes/{signed.dispute.pk}/documents/agreement/pdf/"
    answer = client_for(world.director).get(url)
    assert answer.status_code == 409
    assert "damaged or missing" in answer.json()["detail"] or "损坏" in answer.json()["detail"]
    portal = Client(raise_request_exception=False)
    portal.force_login(world.party_user)
    page = portal.get(f"/portal/cases/{signed.dispute.pk}/documents/agreement.pdf")
    assert page.status_code == 409
    assert page["Content-Type"].startswith("text/html")
