"""PAdES signatures on generated documents, and their verification (SPEC §5).

Signatures are PAdES baseline B-B: a CMS signature (ETSI.CAdES.detached, SHA-256) by the mediation
body's certificate (see :mod:`documents.pki`), with the signing time the server claims. There is no
RFC 3161 timestamp (B-T) or embedded revocation data (B-LT): the machine has no timestamp authority
to reach. Consequently verification checks the certificate chain as of *now*: once the body's
certificate expires, older documents verify as "not trusted" unless they were re-timestamped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import datetime
import functools
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import cms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from documents import pki

logger = logging.getLogger(__name__)

STAMP_LABEL = "电子签章"
STAMP_CHARS = "0123456789-: "  # what the date and time in the stamp are made of
# Families tried in order (fontconfig names); the first whose font has CJK glyphs wins.
CJK_FONT_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Droid Sans Fallback",
)
CJK_FONT_FILES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: the SC face
)
STAMP_SIZE = (200.0, 56.0)  # width, height in PDF points
STAMP_MARGIN = 28.0
STAMP_COLOUR = (0.78, 0.06, 0.06)  # seal red
# Changes after signing that still count as "the signed document": none, or adding validation
# data and document timestamps (what a later B-LT/B-LTA upgrade would append).
ALLOWED_LATER_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)

_font_lock = threading.Lock()
_font_cache: dict[tuple, Path] = {}


# --- result --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SignatureCheck:
    """What the verification page shows about a PDF's (first) signature."""

    signed: bool
    intact: bool  # the signed bytes hash to what the signature says
    valid: bool  # the signature value is cryptographically valid for the signer's key
    trusted: bool  # the signer's certificate chains to our trust roots and may sign documents
    covers_whole_file: bool  # nothing was changed after signing (beyond validation data)
    signer: str  # the certificate subject's common name (see _signer_name)
    signed_at: datetime.datetime | None  # the signing time the signer claims (no timestamp)
    summary: str

    @property
    def ok(self) -> bool:
        return (
            self.signed and self.intact and self.valid and self.trusted and self.covers_whole_file
        )


def _failed(summary: str, *, signed: bool = False, **fields_: Any) -> SignatureCheck:
    values: dict[str, Any] = {
        "signed": signed,
        "intact": False,
        "valid": False,
        "trusted": False,
        "covers_whole_file": False,
        "signer": "",
        "signed_at": None,
        "summary": summary,
    }
    values.update(fields_)
    return SignatureCheck(**values)


# --- helpers -------------------------------------------------------------------------------------


def _outside_event_loop(fn, /, *args, **kwargs):
    """pyHanko's synchronous API calls asyncio.run(); inside a running loop (an async view) that
    fails, so run it on a worker thread there."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def _font_has(path: str, index: int, text: str) -> bool:
    cmap = _cmap(path, index, _file_version(path))
    return bool(cmap) and all(ord(ch) in cmap for ch in text if not ch.isspace())


def _fc_match(family: str) -> tuple[str, int] | None:
    fc = shutil.which("fc-match")
    if fc is None:
        return None
    try:
        out = subprocess.run(
            [fc, "-f", "%{file}\t%{index}", family],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _sep, index = out.partition("\t")
    if not path:
        return None
    try:
        return path, int(index or 0)
    except ValueError:
        return path, 0


def find_cjk_font() -> tuple[str, int] | None:
    """(font file, face index) of an installed font with simplified-Chinese glyphs, or None.

    fontconfig answers every query with *some* font, so each answer is checked for CJK glyphs.
    """
    candidates = [m for m in map(_fc_match, CJK_FONT_FAMILIES) if m is not None]
    candidates += [c for c in CJK_FONT_FILES if os.path.exists(c[0])]
    for path, index in dict.fromkeys(candidates):
        if _font_has(path, index, STAMP_LABEL + "调解委员会"):
            return path, index
    return None


def _font_cache_dirs() -> list[Path]:
    configured = getattr(settings, "FENGQIAO_FONT_CACHE_DIR", None)
    dirs = [Path(configured)] if configured else []
    dirs.append(Path(settings.BASE_DIR) / "var" / "cache" / "fonts")
    dirs.append(Path(tempfile.gettempdir()) / f"fengqiao-fonts-{os.getuid()}")
    return dirs


def _write_cached(name: str, produce) -> Path:
    """The cache file ``name``, produced by ``produce(tmp_path)`` the first time (atomically)."""
    last_error: OSError | None = None
    for folder in _font_cache_dirs():
        target = folder / name
        if target.exists():
            return target
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            os.close(fd)
            try:
                produce(tmp)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return target
        except OSError as exc:
            last_error = exc
    raise OSError(f"no writable font cache directory: {last_error}")


def _subset_font(path: str, index: int, chars: str, out: str) -> None:
    """Save the face ``index`` of ``path`` (a .ttc collection or a single font), cut down to
    ``chars``, as one font file — pyHanko's glyph accumulator cannot read collections, and loading
    a whole CJK face for every signature costs ~1 s where a subset costs milliseconds."""
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        options = subset.Options()
        options.hinting = False
        options.layout_features = ["*"]
        options.notdef_outline = True
        options.drop_tables += ["FFTM"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        if font["head"].unitsPerEm != 1000:
            # pyHanko 0.38 writes the PDF /W glyph widths in font units, but PDF reads them as
            # 1/1000 em: with WenQuanYi Micro Hei (2048 units) viewers would space every glyph
            # twice as wide as laid out. A font scaled to 1000 units per em sidesteps that.
            scale_upem(font, 1000)
        font.save(out)
    finally:
        font.close()


def stamp_font_path(text: str = "") -> Path | None:
    """A CJK font file holding the glyphs of ``text`` (plus the stamp label and the characters
    of a date), for visible stamps; None if the machine has no CJK font.

    Subsets are cached on disk (``FENGQIAO_FONT_CACHE_DIR``, else ``var/cache/fonts``, else the
    temp dir) keyed by the source font's version and the characters, and in memory."""
    found = find_cjk_font_cached()
    if found is None:
        return None
    path, index = found
    chars = "".join(sorted(set(text + STAMP_LABEL + STAMP_CHARS) - set("\t\n\r\x0b\x0c")))
    version = _file_version(path)
    digest = hashlib.sha256(f"{path}|{index}|{version}|{chars}".encode()).hexdigest()[:20]
    key = (path, index, version, chars)
    with _font_lock:
        cached = _font_cache.get(key)
        if cached is not None and cached.exists():
            return cached
        try:
            result = _write_cached(
                f"stamp-{Path(path).stem}-{index}-{digest}.ttf",
                lambda tmp: _subset_font(path, index, chars, tmp),
            )
        except Exception:
            logger.exception("Cannot prepare the CJK font %s#%s for signature stamps", *found)
            return None
        if len(_font_cache) > 256:
            _font_cache.clear()
        _font_cache[key] = result
        return result


@functools.cache
def find_cjk_font_cached() -> tuple[str, int] | None:
    return find_cjk_font()


@functools.lru_cache(maxsize=8)
def _cmap(path: str, index: int, version: tuple) -> frozenset[int]:
    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        try:
            return frozenset((font.getBestCmap() or {}).keys())
        finally:
            font.close()
    except Exception:  # unreadable or not a font
        return frozenset()


def _file_version(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return (None, None)
    return (st.st_size, st.st_mtime_ns)


def _stamp_box(writer: IncrementalPdfFileWriter) -> tuple[float, float, float, float]:
    """Bottom-right corner of the last page, inside a small margin."""
    x0, y0, x1 = 0.0, 0.0, 595.0  # A4 if the page has no readable media box
    try:
        page_ref, _resources = writer.find_page_for_modification(-1)
        page = page_ref.get_object()
        box = page.get("/CropBox") or page.get("/MediaBox")
        if box is not None:
            x0, y0, x1 = float(box[0]), float(box[1]), float(box[2])
    except Exception:
        logger.debug("No media box on the last page; assuming A4", exc_info=True)
    width, height = STAMP_SIZE
    right = max(x1 - STAMP_MARGIN, x0 + width)
    bottom = y0 + STAMP_MARGIN
    return (right - width, bottom, right, bottom + height)


def _stamp_style(font: Path) -> TextStampStyle:
    return TextStampStyle(
        stamp_text="%(body)s\n" + STAMP_LABEL + " %(when)s",
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(font), font_size=10),
            text_color=STAMP_COLOUR,
            leading=14,
        ),
        border_width=1,
        border_color=STAMP_COLOUR,
        background=None,
    )


# --- signing -------------------------------------------------------------------------------------


def sign_pdf(
    pdf: bytes,
    *,
    body_id: int,
    body_name: str,
    reason: str = "",
    location: str = "",
    field_name: str = "BodySeal",
    visible: bool = True,
    box: tuple[float, float, float, float] | None = None,
    on_page: int = -1,
    over_drawn_seal: bool = False,
) -> bytes:
    """The PDF with a PAdES B-B signature by the body's certificate, appended as an incremental
    update (the original bytes are kept unchanged at the start of the result).

    With ``visible``, the signature gets a stamp — "<body name> / 电子签章 <local time>" in seal
    red — in ``box`` (x0, y0, x1, y1 in points) on the last page, by default its bottom-right
    corner. Without a CJK font on the machine the signature is made invisible instead (and logged)
    rather than drawing empty boxes. With ``over_drawn_seal`` the document draws the body's seal
    itself (templates/documents/_seal.html) at ``box`` on page ``on_page``: the signature's
    widget covers exactly that seal, with a transparent appearance of its own, so that the seal
    seen is the one the signature is bound to (a viewer shows the signature on it). Key material
    comes from :func:`documents.pki.load_signer`, created on first use only when
    ``FENGQIAO_PKI_AUTO_CREATE`` is on.
    """
    signer = pki.load_signer(body_id, body_name, create_if_missing=pki.auto_create_enabled())
    return _outside_event_loop(
        _sign,
        pdf,
        signer=signer,
        body_name=body_name,
        reason=reason,
        location=location,
        field_name=field_name,
        visible=visible,
        box=box,
        on_page=on_page,
        over_drawn_seal=over_drawn_seal,
    )


def _sign(
    pdf: bytes,
    *,
    signer: signers.SimpleSigner,
    body_name: str,
    reason: str,
    location: str,
    field_name: str,
    visible: bool,
    box: tuple[float, float, float, float] | None,
    on_page: int = -1,
    over_drawn_seal: bool = False,
) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or None,
        location=location or None,
    )
    stamp_style = None
    field_spec = None
    text_params = None
    if over_drawn_seal and box is not None:
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            stamp_style=TextStampStyle(stamp_text="", border_width=0, background=None),
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=on_page, box=box),
        )
        out = BytesIO()
        pdf_signer.sign_pdf(writer, output=out)
        return out.getvalue()
    font = stamp_font_path(body_name) if visible else None
    if visible and font is None:
        logger.warning("No CJK font found for the signature stamp; signing without a stamp.")
    if font is not None:
        found = find_cjk_font_cached()
        if found is not None and not _font_has(*found, body_name):
            logger.warning("The stamp font %s lacks glyphs for %r", found[0], body_name)
        stamp_style = _stamp_style(font)
        field_spec = fields.SigFieldSpec(
            sig_field_name=field_name, on_page=-1, box=box or _stamp_box(writer)
        )
        text_params = {
            "body": body_name,
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        }
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, stamp_style=stamp_style, new_field_spec=field_spec
    )
    out = BytesIO()
    pdf_signer.sign_pdf(writer, output=out, appearance_text_params=text_params)
    return out.getvalue()


# --- verification --------------------------------------------------------------------------------


def _signer_name(cert) -> str:
    """The subject's common name — or its organisation name when the CN is a cut-down prefix of
    it (CNs are limited to 64 bytes, so long Chinese body names are shortened there)."""
    try:
        native = cert.subject.native
    except Exception:
        return ""

    def first(value: Any) -> str:
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        return str(value or "")

    cn, org = first(native.get("common_name")), first(native.get("organization_name"))
    if not cn or (len(org) > len(cn) and org.startswith(cn)):
        return org
    return cn


def _aware(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        return timezone.make_aware(value, datetime.UTC)
    return value


def verify_pdf(pdf: bytes) -> SignatureCheck:
    """Check the PDF's first signature against our trust roots; never raises.

    No network: certificates are not fetched and revocation is not checked (our certificates
    name no CRL or OCSP service). Later signatures or edits make ``covers_whole_file`` false.
    """
    try:
        return _outside_event_loop(_verify, pdf)
    except Exception:  # a last net: verification must answer, not crash
        logger.exception("Signature verification failed unexpectedly")
        return _failed(_("The signature could not be checked."))


def _verify(pdf: bytes) -> SignatureCheck:
    if not isinstance(pdf, bytes | bytearray | memoryview) or not bytes(pdf[:1024]).lstrip(
        b"\x00\t\n\r\f "
    ).startswith(b"%PDF-"):
        return _failed(_("This is not a PDF file."))
    try:
        pdf = bytes(pdf)
        reader = PdfFileReader(BytesIO(pdf))
        embedded = list(reader.embedded_regular_signatures)
    except Exception as exc:
        logger.info("Unreadable PDF submitted for verification: %s", exc)
        return _failed(_("The PDF file is damaged or has been altered and cannot be read."))
    if not embedded:
        return _failed(_("The document carries no digital signature."))
    sig = embedded[0]
    try:
        context = ValidationContext(
            trust_roots=pki.trust_roots(),
            other_certs=pki.intermediate_certificates(),
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        status = validate_pdf_signature(
            sig,
            signer_validation_context=context,
            key_usage_settings=KeyUsageConstraints(
                key_usage={"non_repudiation", "digital_signature"}
            ),
        )
    except Exception as exc:
        logger.info("Signature could not be validated: %s", exc)
        signer = ""
        with contextlib.suppress(Exception):
            signer = _signer_name(sig.signer_cert)
        return _failed(
            _("The signature is malformed or does not match the document."),
            signed=True,
            signer=signer,
        )

    coverage = status.coverage
    container_ok = _container_untouched(pdf, sig, status)
    covers = (
        bool(status.intact)
        and container_ok
        and (
            coverage == SignatureCoverageLevel.ENTIRE_FILE
            or (
                coverage == SignatureCoverageLevel.ENTIRE_REVISION
                and bool(status.docmdp_ok)
                and status.modification_level in ALLOWED_LATER_CHANGES
            )
        )
    )
    check = SignatureCheck(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=covers,
        signer=_signer_name(status.signing_cert),
        signed_at=_aware(status.signer_reported_dt),
        summary="",
    )
    return _with_summary(
        check, status, extra_signatures=len(embedded) - 1, container_ok=container_ok
    )


def _container_untouched(pdf: bytes, sig, status) -> bool:
    """Whether the parts of the signature that no hash covers are exactly as we write them.

    The /Contents hole in the byte range holds the CMS object and zero padding, and several CMS
    fields lie outside what the signature value covers: the padding, the certificates, the
    SignedData and SignerInfo versions, the digestAlgorithms set and the encapsulated content
    type. Standard validation ignores a byte flipped there; we do not: the hole must be exactly
    the upper-case hex string pyHanko writes, the padding zeros, the structure what pyHanko
    writes for a detached PAdES signature, and every embedded certificate one of the validation
    path or of our CA material, byte for byte. (For a stored document, comparing the file with
    its recorded SHA-256 remains the simplest byte-for-byte check.)
    """
    try:
        raw = sig.pkcs7_content
        start1, length1, start2, _length2 = (int(n) for n in sig.byte_range)
        if pdf[start1 + length1 : start2] != b"<" + raw.hex().upper().encode() + b">":
            return False  # the hole holds more than the hex string, or its spelling changed
        info = cms.ContentInfo.load(raw)
        if raw[len(info.dump()) :].strip(b"\x00"):
            return False
        signed_data = info["content"]
        (signer_info,) = signed_data["signer_infos"]
        structure_ok = (
            info["content_type"].dotted == "1.2.840.113549.1.7.2"  # signedData
            and signed_data["version"].native == "v1"
            and signer_info["version"].native == "v1"
            and [a.dump() for a in signed_data["digest_algorithms"]]
            == [signer_info["digest_algorithm"].dump()]
            and signed_data["encap_content_info"]["content_type"].dotted
            == "1.2.840.113549.1.7.1"  # id-data
            and signed_data["encap_content_info"]["content"].native is None  # detached
            and signed_data["crls"].native is None
            and signer_info["unsigned_attrs"].native is None
        )
        if not structure_ok:
            return False
        known = {c.dump() for c in pki.trust_roots() + pki.intermediate_certificates()}
        if status.validation_path is not None:
            known |= {c.dump() for c in status.validation_path.iter_certs(include_root=True)}
        embedded = signed_data["certificates"]
        if not isinstance(embedded, cms.CertificateSet):
            return True  # no certificates embedded
        return all(choice.chosen.dump() in known for choice in embedded)
    except Exception:  # a part that no longer parses was certainly altered
        return False


def _with_summary(
    check: SignatureCheck, status, *, extra_signatures: int, container_ok: bool
) -> SignatureCheck:
    if not check.intact:
        text = _("The document was changed after it was signed: the signature does not match.")
    elif not check.valid:
        text = _("The signature value is invalid.")
    elif not check.trusted:
        problem = status.trust_problem_indic
        text = _("The signature is intact, but the signer's certificate is not trusted.")
        if problem is not None:
            text += f" ({getattr(problem, 'name', problem)})"
    elif not container_ok:
        text = _("The signature is valid, but its container was altered after signing.")
    elif not check.covers_whole_file:
        text = _("The signature is valid, but the document was changed after it was signed.")
    else:
        text = _("The signature is valid: signed by %(signer)s; the document is unchanged.") % {
            "signer": check.signer
        }
    if extra_signatures:
        text += " " + _("%(count)s more signature(s) not shown.") % {"count": extra_signatures}
    return dataclasses.replace(check, summary=text)
