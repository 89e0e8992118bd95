"""/verify/ answers for every language's copy of a document: each copy has its own code, and a
copy held in one language is recognised on the page of the other language's code."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from documents import storage
from documents.models import Document
from tests.conftest import World, client_for
from tests.documents.conftest import Case


def _copies(world: World, signed: Case) -> dict[str, Document]:
    url = f"/api/v1/disputes/{signed.dispute.pk}/documents/agreement/pdf/?lang=en"
    assert client_for(world.director).get(url).status_code == 200
    return {d.lang: d for d in Document.objects.filter(dispute=signed.dispute, kind="agreement")}


def _upload(code: str, pdf: bytes) -> str:
    page = Client().post(f"/verify/{code}/", {"pdf": SimpleUploadedFile("a.pdf", pdf)})
    assert page.status_code == 200
    return page.content.decode()


def test_each_language_copy_matches_on_its_own_page(world: World, signed: Case) -> None:
    copies = _copies(world, signed)
    assert set(copies) == {"zh-hans", "en"}
    for document in copies.values():
        html = _upload(document.verification_code, storage.read(document.file))
        assert 'id="upload-matches"' in html and 'id="upload-differs"' not in html
        assert 'id="signature-valid"' in html


def test_a_copy_in_the_other_language_is_recognised_not_called_altered(
    world: World, signed: Case
) -> None:
    copies = _copies(world, signed)
    english = storage.read(copies["en"].file)
    chinese = storage.read(copies["zh-hans"].file)

    html = _upload(copies["zh-hans"].verification_code, english)
    assert 'id="upload-matches"' in html and 'id="upload-differs"' not in html
    assert "English" in html  # says which copy it is

    html = _upload(copies["en"].verification_code, chinese)
    assert 'id="upload-matches"' in html and "简体中文" in html


def test_a_copy_of_another_case_still_differs(world: World, signed: Case) -> None:
    copies = _copies(world, signed)
    other = Document.objects.exclude(dispute=signed.dispute).first()
    assert other is None  # only this case has documents: any other file must differ
    altered = bytearray(storage.read(copies["en"].file))
    altered[len(altered) // 2] ^= 0x01
    html = _upload(copies["zh-hans"].verification_code, bytes(altered))
    assert 'id="upload-differs"' in html
