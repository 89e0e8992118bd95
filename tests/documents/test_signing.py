"""PAdES signatures by the body's certificate (SPEC §5): the development PKI, signing, and the
verification behind the public page. Real keys, real pyHanko, real WeasyPrint PDFs — no mocks."""

from __future__ import annotations

import datetime
import random
import re
import stat
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from asn1crypto import x509 as asn1_x509
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone, translation
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from pypdf.generic import ContentStream

from documents import pki
from documents.signing import SignatureCheck, sign_pdf, verify_pdf
from tests import factories as f

BODY_ID = 7
BODY_NAME = "东湖区医疗纠纷人民调解委员会"
TITLE = "人民调解协议书"


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("signing")
    return {"pki": base / "pki", "other": base / "other-pki", "fonts": base / "fonts"}


def _settings(dirs: dict[str, Path], pki_dir: str = "pki") -> override_settings:
    return override_settings(
        FENGQIAO_PKI_DIR=dirs[pki_dir],
        FENGQIAO_FONT_CACHE_DIR=dirs["fonts"],
        FENGQIAO_PKI_AUTO_CREATE=True,
    )


@pytest.fixture(autouse=True)
def _module_pki(settings: Any, dirs: dict[str, Path]) -> None:
    # One PKI for the module (keys are made once); never the project's var/.
    settings.FENGQIAO_PKI_DIR = dirs["pki"]
    settings.FENGQIAO_FONT_CACHE_DIR = dirs["fonts"]
    settings.FENGQIAO_PKI_AUTO_CREATE = True


def _html(*pages: str) -> str:
    style = "font-family:'WenQuanYi Micro Hei'"
    body = "".join(
        f'<p style="{style}{";page-break-before:always" if i else ""}">{text}</p>'
        for i, text in enumerate(pages)
    )
    return f"<html><body>{body}</body></html>"


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return weasyprint.HTML(
        string=_html(f"{TITLE} 张伟", "第二页：双方签名及调解委员会印章")
    ).write_pdf()


@pytest.fixture(scope="module")
def signed(unsigned: bytes, dirs: dict[str, Path]) -> bytes:
    with _settings(dirs):
        return sign_pdf(
            unsigned, body_id=BODY_ID, body_name=BODY_NAME, reason=TITLE, location="江西省南昌市"
        )


@pytest.fixture(scope="module")
def foreign(unsigned: bytes, dirs: dict[str, Path]) -> bytes:
    """The same document signed under another CA with a certificate of the same name."""
    with _settings(dirs, "other"):
        return sign_pdf(unsigned, body_id=BODY_ID, body_name=BODY_NAME)


def _byte_range(pdf: bytes) -> list[int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match, "no /ByteRange in the signed PDF"
    return [int(g) for g in match.groups()]


def _xor(pdf: bytes, at: int, mask: int) -> bytes:
    out = bytearray(pdf)
    out[at] ^= mask
    return bytes(out)


def _flip(pdf: bytes, at: int) -> bytes:
    return _xor(pdf, at, 0x01)


def _files(directory: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in directory.rglob("*") if p.is_file()}


def _failed_closed(check: SignatureCheck) -> None:
    assert isinstance(check, SignatureCheck)
    assert not check.ok
    assert check.summary


# --- the development PKI -------------------------------------------------------------------------


def _pki_command(*args: str) -> str:
    out = StringIO()
    call_command("make_dev_pki", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_make_dev_pki_creates_the_ca_and_a_certificate_per_body(
    db: Any, settings: Any, tmp_path: Path
) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    bodies = [
        f.MediationBodyFactory(name=BODY_NAME),
        f.MediationBodyFactory(name="西湖区人民调解委员会"),
    ]

    output = _pki_command()

    ca_key, ca_cert_path = pki.ca_paths()
    ca_cert = asn1_x509.Certificate.load(_der(ca_cert_path))
    assert ca_cert.ca and ca_cert.self_signed == "maybe"
    assert ca_cert.subject.native["common_name"] == "Fengqiao Development CA"
    assert ca_cert.subject.native["organization_name"] == "枫桥 (development)"
    for body in bodies:
        key_path, cert_path = pki.body_signer_paths(body.pk)
        cert = asn1_x509.Certificate.load(_der(cert_path))
        assert cert.subject.native["common_name"] == body.name
        assert cert.subject.native["organization_name"] == body.name
        cn = next(
            a for rdn in cert.subject.chosen for a in rdn if a["type"].native == "common_name"
        )
        assert cn["value"].name == "utf8_string"
        assert cert.issuer == ca_cert.subject
        assert set(cert.key_usage_value.native) == {"digital_signature", "non_repudiation"}
        assert "email_protection" in cert.extended_key_usage_value.native
        assert not cert.ca
        assert f"created bodies/{body.pk}.cert.pem" in output
    for key_path in [ca_key, *(pki.body_signer_paths(b.pk)[0] for b in bodies)]:
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def _der(path: Path) -> bytes:
    return load_certs_from_pemder_data(path.read_bytes()).__next__().dump()


def test_make_dev_pki_is_idempotent(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    body = f.MediationBodyFactory(name=BODY_NAME)
    _pki_command()
    before = _files(tmp_path / "pki")
    assert len(before) == 4

    output = _pki_command()

    assert _files(tmp_path / "pki") == before
    assert "created" not in output
    assert f"already exists bodies/{body.pk}.key.pem" in output


def test_make_dev_pki_for_given_bodies_only(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    wanted, other = f.MediationBodyFactory(), f.MediationBodyFactory()

    _pki_command("--body", str(wanted.pk))

    assert all(p.exists() for p in pki.body_signer_paths(wanted.pk))
    assert not any(p.exists() for p in pki.body_signer_paths(other.pk))
    with pytest.raises(CommandError, match="No such mediation body: 999999"):
        _pki_command("--body", "999999")


def test_existing_files_are_never_overwritten(tmp_path: Path, settings: Any) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    pki.ensure_body_certificate(3, "甲调解委员会")
    before = _files(tmp_path / "pki")

    assert pki.ensure_body_certificate(3, "乙调解委员会（改名）") == []
    assert pki.ensure_dev_ca() == []
    assert _files(tmp_path / "pki") == before


def test_missing_material_without_auto_create_names_the_command(
    settings: Any, tmp_path: Path, unsigned: bytes
) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "empty"
    settings.FENGQIAO_PKI_AUTO_CREATE = False

    with pytest.raises(ImproperlyConfigured, match=r"make_dev_pki --body 5") as excinfo:
        pki.load_signer(5, BODY_NAME, create_if_missing=False)
    assert str(tmp_path / "empty" / "bodies" / "5.key.pem") in str(excinfo.value)
    with pytest.raises(ImproperlyConfigured, match="make_dev_pki"):
        sign_pdf(unsigned, body_id=5, body_name=BODY_NAME)
    assert not (tmp_path / "empty").exists()

    signer = pki.load_signer(5, BODY_NAME, create_if_missing=True)
    assert signer.signing_cert.subject.native["common_name"] == BODY_NAME


# --- signing and verifying -----------------------------------------------------------------------


def test_signed_pdf_verifies(signed: bytes, unsigned: bytes) -> None:
    check = verify_pdf(signed)

    assert check.ok, check.summary
    assert (check.signed, check.intact, check.valid, check.trusted, check.covers_whole_file) == (
        True,
        True,
        True,
        True,
        True,
    )
    assert check.signer == BODY_NAME
    assert check.signed_at is not None
    assert abs(timezone.now() - check.signed_at) < datetime.timedelta(minutes=10)
    # An incremental update: the original document is kept byte for byte.
    assert signed.startswith(unsigned)


def test_signature_validates_with_pyhanko_against_the_dev_ca(signed: bytes) -> None:
    ca = list(load_certs_from_pemder_data(pki.ca_paths()[1].read_bytes()))
    sig = PdfFileReader(BytesIO(signed)).embedded_signatures[0]

    status = validate_pdf_signature(sig, ValidationContext(trust_roots=ca, allow_fetching=False))

    assert status.bottom_line, status.pretty_print_details()
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == BODY_NAME
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.sig_object["/Reason"] == TITLE
    assert sig.md_algorithm == "sha256"


def test_signed_pdf_keeps_its_chinese_text(signed: bytes) -> None:
    reader = PdfReader(BytesIO(signed))
    assert len(reader.pages) == 2
    assert TITLE in reader.pages[0].extract_text()


def test_visible_stamp_on_the_last_page(signed: bytes) -> None:
    reader = PdfReader(BytesIO(signed))
    assert "/Annots" not in reader.pages[0]
    widgets = [a.get_object() for a in reader.pages[-1]["/Annots"]]
    (widget,) = [w for w in widgets if w.get("/FT") == "/Sig"]
    assert widget["/Subtype"] == "/Widget"
    assert widget["/T"] == "BodySeal"
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    page_width = float(reader.pages[-1].mediabox.width)
    assert 0 < x0 < x1 <= page_width and 0 < y0 < y1 < 200  # bottom of the page
    # The stamp's text is tagged with /ActualText: the body's name and 电子签章.
    assert BODY_NAME in _stamp_text(reader, widget)
    assert "电子签章" in _stamp_text(reader, widget)


def _stamp_text(reader: PdfReader, widget: Any) -> str:
    texts: list[str] = []

    def walk(xobject: Any) -> None:
        for operands, operator in ContentStream(xobject, reader).operations:
            if operator == b"BDC" and len(operands) > 1 and hasattr(operands[1], "get"):
                actual = operands[1].get("/ActualText")
                if actual is not None:
                    texts.append(str(actual))
        for sub in xobject.get("/Resources", {}).get("/XObject", {}).values():
            walk(sub.get_object())

    walk(widget["/AP"]["/N"].get_object())
    return "\n".join(texts)


def test_invisible_signature_has_no_stamp(unsigned: bytes) -> None:
    out = sign_pdf(unsigned, body_id=BODY_ID, body_name=BODY_NAME, visible=False)

    assert verify_pdf(out).ok
    reader = PdfReader(BytesIO(out))
    (widget,) = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    assert [float(v) for v in widget["/Rect"]] == [0, 0, 0, 0]


def test_long_body_name_and_page_box(unsigned: bytes) -> None:
    name = BODY_NAME * 2  # 28 characters, 84 bytes of UTF-8: too long for a CN
    out = sign_pdf(unsigned, body_id=BODY_ID + 1, body_name=name, box=(36, 36, 336, 96))

    check = verify_pdf(out)
    assert check.ok, check.summary
    assert check.signer == name  # from O: the CN holds only the first 21 characters
    signer = pki.load_signer(BODY_ID + 1, name, create_if_missing=False)
    assert signer.signing_cert.subject.native["common_name"] == name[:21]
    assert signer.signing_cert.subject.native["organization_name"] == name
    widget = next(
        a.get_object() for a in PdfReader(BytesIO(out)).pages[-1]["/Annots"] if a.get_object()
    )
    assert [float(v) for v in widget["/Rect"]] == [36, 36, 336, 96]


# --- tampering and junk --------------------------------------------------------------------------


def _position(signed: bytes, where: str) -> int:
    start1, len1, start2, len2 = _byte_range(signed)
    return {
        # "WeasyPrint" in the document information: the file still parses, the hash differs
        "string": signed.index(b"WeasyPrint", 0, start1 + len1) + 2,
        "first range": len1 // 2,
        "second range": start2 + len2 // 2,
        "signature value": start1 + len1 + 200,
        "middle": len(signed) // 2,
    }[where]


@pytest.mark.parametrize(
    "where", ["string", "first range", "second range", "signature value", "middle"]
)
def test_flipping_one_byte_breaks_verification(signed: bytes, where: str) -> None:
    check = verify_pdf(_flip(signed, _position(signed, where)))

    _failed_closed(check)
    assert not (check.intact and check.valid and check.covers_whole_file)


def _hex_digit_flip(pdf: bytes, start: int, end: int) -> bytes:
    """Flip a hex digit between start and end into another hex digit (0<->1, 8<->9...)."""
    at = next(i for i in range(start, end) if pdf[i : i + 1].isdigit())
    return _flip(pdf, at)


def test_bytes_no_hash_covers_are_checked_too(signed: bytes) -> None:
    # The /Contents hole holds the CMS object and zero padding; neither the padding nor the
    # certificates in the CMS are covered by the signature, so standard validation would pass.
    start1, len1, start2, _len2 = _byte_range(signed)
    padding = _hex_digit_flip(signed, start2 - 40, start2)
    ca_hex = pki.trust_roots()[0].dump().hex().upper().encode()
    ca_at = signed.index(ca_hex, start1 + len1, start2)
    ca_copy = _hex_digit_flip(signed, ca_at + len(ca_hex) // 2, ca_at + len(ca_hex))

    letter = next(i for i in range(start1 + len1 + 1, start2) if signed[i : i + 1] in b"ABCDEF")
    lower_case = _xor(signed, letter, 0x20)  # 'A' -> 'a': the same hex value

    for tampered in (padding, ca_copy, lower_case):
        with translation.override("en"):  # the summary is worded in the active language
            check = verify_pdf(tampered)
        assert check.signed and check.intact and check.valid and check.trusted
        assert not check.covers_whole_file and not check.ok
        assert "container" in check.summary


def test_no_single_byte_flip_goes_unnoticed(signed: bytes) -> None:
    rng = random.Random(20260302)
    for at in sorted(rng.sample(range(len(signed)), 40)):
        assert not verify_pdf(_flip(signed, at)).ok, f"flip at byte {at} went unnoticed"


def test_a_changed_string_is_reported_as_not_intact(signed: bytes) -> None:
    at = _position(signed, "string")

    check = verify_pdf(_flip(signed, at))

    assert check.signed and not check.intact and not check.ok
    assert check.signer == BODY_NAME


def test_content_added_after_signing_is_reported(signed: bytes) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    stream = generic.StreamObject(stream_data=b"0 0 1 rg 100 100 200 50 re f")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = BytesIO()
    writer.write(out)

    check = verify_pdf(out.getvalue())

    assert check.signed and check.intact and check.valid and check.trusted
    assert not check.covers_whole_file
    assert not check.ok


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda s, u: s[: len(s) // 2], id="truncated to half"),
        pytest.param(lambda s, u: s[:-40], id="last bytes cut"),
        pytest.param(lambda s, u: random.Random(4).randbytes(4000), id="random bytes"),
        pytest.param(lambda s, u: b"%PDF-1.7\n" + random.Random(5).randbytes(4000), id="pdf junk"),
        pytest.param(lambda s, u: b"", id="empty"),
        pytest.param(lambda s, u: u, id="unsigned pdf"),
    ],
)
def test_junk_and_unsigned_files_are_not_signed(signed: bytes, unsigned: bytes, make: Any) -> None:
    check = verify_pdf(make(signed, unsigned))

    _failed_closed(check)
    assert not check.signed


def test_certificate_from_another_ca_is_valid_but_not_trusted(foreign: bytes) -> None:
    check = verify_pdf(foreign)

    assert check.signed and check.intact and check.valid and check.covers_whole_file
    assert not check.trusted
    assert not check.ok
    assert check.signer == BODY_NAME  # the same name does not make it ours


def test_production_layout_signs_without_the_ca_key(
    settings: Any, tmp_path: Path, dirs: dict[str, Path], signed: bytes, unsigned: bytes
) -> None:
    # Production: the CA certificate and the bodies' material, installed by hand; no CA key.
    (tmp_path / "prod" / "bodies").mkdir(parents=True)
    for name in ("ca.cert.pem", f"bodies/{BODY_ID}.key.pem", f"bodies/{BODY_ID}.cert.pem"):
        (tmp_path / "prod" / name).write_bytes((dirs["pki"] / name).read_bytes())
    settings.FENGQIAO_PKI_DIR = tmp_path / "prod"
    settings.FENGQIAO_PKI_AUTO_CREATE = False

    assert verify_pdf(signed).ok
    assert verify_pdf(sign_pdf(unsigned, body_id=BODY_ID, body_name=BODY_NAME)).ok
    with pytest.raises(ImproperlyConfigured, match=r"ca\.key\.pem is missing"):
        pki.ensure_body_certificate(BODY_ID + 50, "另一调解委员会")
    assert not (tmp_path / "prod" / "ca.key.pem").exists()
