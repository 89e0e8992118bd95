"""The agreement takes effect with the mediator's own signature, given after every party's, and
the body's seal applied in the same transaction (SPEC §3 `sign`, §5; People's Mediation Law
art. 29): who may sign as mediator, when, and what the signed copy shows."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from documents import generation
from documents.models import Document, MediatorSignature
from documents.signing import verify_pdf
from mediation.cases.models import Dispute, TransitionLog
from tests.conftest import World, client_for
from tests.documents.conftest import Case
from tests.documents.helpers import (
    agreement_url,
    in_person,
    mediator_signs,
    sign_all_but_the_online_signatory,
)


def _all_parties_sign(world: World, case: Case) -> None:
    sign_all_but_the_online_signatory(world, case)
    last = in_person(world, case, case.online, case.online)
    assert last.status_code == 201, last.data


def _signed_pdf(case: Case) -> bytes:
    document = Document.objects.get(dispute=case.dispute, kind="agreement", lang="zh-hans")
    return generation.pdf_of(document)


def _text(pdf: bytes) -> str:
    """The text of every page, lines joined (a long name wraps in its signature box)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "".join(page.extract_text() for page in pages).replace("\n", "")


def test_the_mediator_signs_after_every_party_and_the_seal_makes_it_take_effect(
    world: World, agreed: Case
) -> None:
    case = agreed
    _all_parties_sign(world, case)
    case.dispute.refresh_from_db()
    assert case.dispute.state == "agreed" and case.dispute.signed_at is None
    assert not Document.objects.filter(dispute=case.dispute).exists()

    done = mediator_signs(world, case)

    assert done.status_code == 201, done.data
    case.dispute.refresh_from_db()
    assert case.dispute.state == "signed" and case.dispute.signed_at is not None
    own = MediatorSignature.objects.get(agreement__dispute=case.dispute)
    assert own.mediator == world.mediator and own.image.startswith(b"\x89PNG")
    assert own.text_sha256 == case.dispute.agreement.current_version.sha256
    log = TransitionLog.objects.filter(dispute=case.dispute).last()
    assert (log.transition, log.actor) == ("sign", world.mediator.user)
    # The sealed copy is made in the same transaction, not on first download.
    assert verify_pdf(_signed_pdf(case)).ok


def test_nobody_but_the_assigned_mediator_signs_as_mediator(world: World, agreed: Case) -> None:
    case = agreed
    _all_parties_sign(world, case)
    for user in (world.second_mediator.user, world.director, world.party_user):
        refused = mediator_signs(world, case, user=user)
        assert refused.status_code in (403, 404), (user, refused.data)
    assert mediator_signs(world, case, user=world.second_mediator.user).status_code == 403
    assert not MediatorSignature.objects.exists()
    assert Dispute.objects.get(pk=case.dispute.pk).state == "agreed"


def test_the_mediator_cannot_sign_before_every_party(world: World, agreed: Case) -> None:
    case = agreed
    sign_all_but_the_online_signatory(world, case)
    early = mediator_signs(world, case)
    assert early.status_code == 409
    assert "张伟" in early.data["detail"]
    assert not MediatorSignature.objects.exists()
    # Nor take `sign` through the transitions' endpoint without signing.
    assert in_person(world, case, case.online, case.online).status_code == 201
    bare = client_for(world.mediator.user).post(
        f"/api/v1/disputes/{case.dispute.pk}/transitions/sign/", {}, format="json"
    )
    assert bare.status_code == 409
    assert Dispute.objects.get(pk=case.dispute.pk).state == "agreed"


def test_the_mediator_types_their_own_name_and_draws(world: World, agreed: Case) -> None:
    case = agreed
    _all_parties_sign(world, case)
    assert mediator_signs(world, case, signer_name="别人").status_code == 400
    assert mediator_signs(world, case, image="").status_code == 400
    assert Dispute.objects.get(pk=case.dispute.pk).state == "agreed"
    assert mediator_signs(world, case).status_code == 201
    again = mediator_signs(world, case)
    assert again.status_code == 409


def test_a_failure_to_seal_leaves_the_case_agreed_and_the_mediator_unsigned(
    world: World, agreed: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = agreed
    _all_parties_sign(world, case)

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise OSError("the body's key cannot be read")

    monkeypatch.setattr("documents.signing.sign_pdf", broken)
    failed = mediator_signs(world, case)

    assert failed.status_code == 503
    dispute = Dispute.objects.get(pk=case.dispute.pk)
    assert dispute.state == "agreed" and dispute.signed_at is None
    assert not MediatorSignature.objects.exists()
    assert not Document.objects.filter(dispute=dispute).exists()
    assert not TransitionLog.objects.filter(dispute=dispute, transition="sign").exists()


def test_the_signed_copy_shows_seal_representative_guardian_and_mediator(
    world: World, signed: Case
) -> None:
    text = _text(_signed_pdf(signed))
    # No placeholder for the seal on a signed copy: the seal itself is drawn.
    assert "（印）" not in text
    assert "某财产保险股份有限公司南昌分公司（盖章）" in text
    assert "代表人：刘海涛" in text and "理赔经办人" in text and "已加盖公章" in text
    assert "法定代理人：王建国（签名）" in text
    assert world.mediator.display_name in text
    # The seal's words are drawn on its arc, one glyph each.
    assert all(ch in text for ch in world.body.name)
    # The person signing for the insurer is named; their name is not the company's.
    signature = signed.dispute.agreement.signatures.get(signatory=signed.insurer)
    assert (signature.representative_name, signature.representative_role) == (
        "刘海涛",
        "理赔经办人",
    )
    assert signature.seal_affixed


def test_the_unsigned_preview_keeps_the_seal_placeholder(world: World, agreed: Case) -> None:
    preview = client_for(world.mediator.user).get(agreement_url(agreed.dispute, "preview/"))
    assert preview.status_code == 200
    assert "（印）" in _text(preview.content)


def test_the_signature_widget_covers_the_drawn_seal(world: World, signed: Case) -> None:
    from documents.rendering import render_pdf_with_seal

    reader = PdfReader(io.BytesIO(_signed_pdf(signed)))
    widgets = [
        (number, annotation.get_object())
        for number, page in enumerate(reader.pages)
        for annotation in page.get("/Annots") or []
        if annotation.get_object().get("/FT") == "/Sig"
        or annotation.get_object().get("/Parent", {}).get("/FT") == "/Sig"
    ]
    assert len(widgets) == 1
    number, widget = widgets[0]
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    # A seal-sized square (3.8 cm ≈ 108 pt) on the last page, in the lower right half.
    assert number == len(reader.pages) - 1
    assert 100 < x1 - x0 < 116 and 100 < y1 - y0 < 116
    assert x0 > float(reader.pages[number].mediabox.width) / 2
    context = generation.build_context(signed.dispute, "agreement", "zh-hans")
    context["sealed"] = True
    _pdf, place = render_pdf_with_seal("agreement", context)
    assert place is not None and place.page == number
    assert [round(v) for v in place.box] == [round(x0), round(y0), round(x1), round(y1)]


def test_pdfsig_validates_the_signed_agreement(world: World, signed: Case, tmp_path: Path) -> None:
    pdfsig = shutil.which("pdfsig")
    if pdfsig is None:
        pytest.skip("poppler's pdfsig is not installed (apt-get install poppler-utils)")
    path = tmp_path / "agreement.pdf"
    path.write_bytes(_signed_pdf(signed))
    result = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, timeout=60)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "Signature #1" in out and "Signature #2" not in out
    assert "Signature Validation: Signature is Valid." in out, out
    assert "Signed Ranges" in out and "Total document signed" in out, out
    assert "Signer Certificate Common Name: " + signed.dispute.body.name[:20] in out
    # The body's certificate chains to our own CA, which poppler's trust store does not hold:
    # that is the only thing it may doubt.
    assert "Certificate Validation: Certificate is Trusted." in out or (
        "Certificate issuer isn't Trusted." in out
    )


def test_pyhanko_validates_the_signed_agreement(world: World, signed: Case) -> None:
    check = verify_pdf(_signed_pdf(signed))
    assert check.ok, check.summary
    assert check.signer.startswith(world.body.name[:10])
