"""PDF rendering of a case's documents: Django templates in ``templates/documents/``, WeasyPrint.

``render_pdf(kind, context, lang=...)`` renders ``documents/<kind>.html`` under the language and
converts it to PDF bytes. The context contract is described in ``templates/documents/base.html``.

Safety: the templates autoescape every value of the context, and WeasyPrint fetches resources
only through :class:`SafeURLFetcher`, which serves ``data:`` images (signatures, the QR code) and
the project's own static files (``fengqiao-static:documents/pdf.css``) and refuses everything else:
no ``file:``, no network, nothing relative to the working directory.

Fonts: Chinese needs a CJK font known to fontconfig (STACK.md gotcha 1) and HarfBuzz's subsetter
(gotcha 2: without it WeasyPrint falls back to fontTools, some seconds a page). Both are checked
before the first render and reported as ``ImproperlyConfigured``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
import os
import subprocess
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import pgettext_lazy

# The documents' strings carry the message context "document" (msgctxt), so that their
# translations stay apart from the web pages' ("No." is 序号 in a table of a document).
MSG_CONTEXT = "document"

DOCUMENT_KINDS = {
    "agreement": pgettext_lazy("document", "People's Mediation Agreement"),
    "acceptance_notice": pgettext_lazy("document", "Notice of Acceptance"),
    "termination": pgettext_lazy("document", "Notice of Termination of Mediation"),
    "referral_letter": pgettext_lazy("document", "Letter of Referral"),
    "confirmation_application": pgettext_lazy("document", "Application for Judicial Confirmation"),
    "refusal_notice": pgettext_lazy("document", "Notice of Refusal to Accept"),
    "oral_agreement": pgettext_lazy("document", "Record of an Oral Mediation Agreement"),
    "session_minutes": pgettext_lazy("document", "Minutes of a Mediation Session"),
    "case_file": pgettext_lazy("document", "Mediation Case File"),
}
LANGUAGES = ("zh-hans", "en")

# Scheme of the project's static files inside documents; also the documents' base URL, so that a
# relative URL cannot resolve against the working directory (urljoin leaves it relative and the
# fetcher refuses it).
STATIC_SCHEME = "fengqiao-static"
BASE_URL = f"{STATIC_SCHEME}:/"
# The documents' stylesheet, a static file.
STYLESHEET = "documents/pdf.css"
# Images a document may carry inline: drawn signatures (PNG), the QR code (SVG), photos (JPEG).
DATA_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/svg+xml"})
# Static files a document may use.
STATIC_TYPES = DATA_IMAGE_TYPES | {"text/css"}
# A signature image is at most FENGQIAO_SIGNATURE_IMAGE_MAX_BYTES (512 kB); base64 adds a third.
DATA_URI_MAX_CHARS = 4 * 1024 * 1024
STATIC_MAX_BYTES = 4 * 1024 * 1024

NO_CJK_FONT = (
    "No CJK font found: install fonts-wqy-microhei (apt-get install fonts-wqy-microhei), "
    "or run `make system`. Without one, Chinese text in PDFs prints as empty boxes."
)
NO_FC_LIST = (
    "fc-list not found, so the CJK font cannot be checked: install fontconfig and "
    "fonts-wqy-microhei (apt-get install fontconfig fonts-wqy-microhei), or run `make system`."
)
NO_HARFBUZZ_SUBSET = (
    "HarfBuzz-Subset not found: WeasyPrint would subset fonts with fontTools, several seconds "
    "a page for Chinese. Install libharfbuzz-subset0 (apt-get install libharfbuzz-subset0), or "
    "run `make system`."
)


# WeasyPrint logs every step of every render at INFO ("Step 5 - Creating layout - Page 1"): keep
# that out of the project's logs unless LOGGING asks for it.
_progress_logger = logging.getLogger("weasyprint.progress")
if _progress_logger.level == logging.NOTSET:
    _progress_logger.setLevel(logging.WARNING)


# --- fonts ---------------------------------------------------------------------------------------

_cjk_font_lock = threading.Lock()
_cjk_font_found: str | None = None


def ensure_cjk_font(*, refresh: bool = False) -> str:
    """The first CJK font family fontconfig knows (``fc-list :lang=zh family``).

    Raises ``ImproperlyConfigured`` when there is none. The positive answer is cached for the
    process; ``refresh=True`` asks fontconfig again.
    """
    global _cjk_font_found
    if _cjk_font_found is not None and not refresh:
        return _cjk_font_found
    with _cjk_font_lock:
        try:
            result = subprocess.run(
                ["fc-list", ":lang=zh", "family"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except FileNotFoundError as exc:
            raise ImproperlyConfigured(NO_FC_LIST) from exc
        except subprocess.TimeoutExpired as exc:
            raise ImproperlyConfigured(f"fc-list did not answer in time. {NO_CJK_FONT}") from exc
        families = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        if result.returncode != 0 or not families:
            _cjk_font_found = None
            raise ImproperlyConfigured(NO_CJK_FONT)
        _cjk_font_found = families[0]
        return _cjk_font_found


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found HarfBuzz's subsetter (else it falls back to slow fontTools)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def ensure_harfbuzz_subset() -> None:
    """Raise ``ImproperlyConfigured`` without HarfBuzz-Subset.

    A deployment that accepts slow rendering may set ``FENGQIAO_PDF_ALLOW_FONTTOOLS_SUBSET``.
    """
    if harfbuzz_subset_available():
        return
    if getattr(settings, "FENGQIAO_PDF_ALLOW_FONTTOOLS_SUBSET", False):
        return
    raise ImproperlyConfigured(NO_HARFBUZZ_SUBSET)


_local = threading.local()


def _font_config() -> Any:
    """One WeasyPrint FontConfiguration a thread: loading fontconfig's fonts once saves time."""
    font_config = getattr(_local, "font_config", None)
    if font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        font_config = _local.font_config = FontConfiguration()
    return font_config


# --- resources -----------------------------------------------------------------------------------


def _static_roots() -> list[Path]:
    """The directories the staticfiles finders look in, with symlinks resolved."""
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    return roots


def _is_under(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _safe_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """WeasyPrint's fetcher, restricted to ``data:`` images and the project's static files.

        Whatever else is asked for raises ``ValueError``: WeasyPrint logs it and leaves the
        resource out. Nothing is read from the network or from disk outside the static dirs.
        """

        def __init__(self) -> None:
            super().__init__(
                timeout=1,
                allowed_protocols=("data", STATIC_SCHEME),
                allow_redirects=False,
                fail_on_errors=False,
            )

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if not isinstance(url, str):
                raise ValueError("URL must be a string")
            scheme, sep, rest = url.partition(":")
            scheme = scheme.lower()
            if not sep or "/" in scheme:
                raise ValueError(f"Refused relative URL: {url[:100]!r}")
            if scheme == "data":
                return self._fetch_data(url, rest)
            if scheme == STATIC_SCHEME:
                return self._fetch_static(url, rest)
            raise ValueError(f"Refused URL scheme {scheme!r}: {url[:100]!r}")

        @staticmethod
        def _fetch_data(url: str, rest: str) -> URLFetcherResponse:
            if len(url) > DATA_URI_MAX_CHARS:
                raise ValueError("Refused data: URI: too large")
            header, sep, payload = rest.partition(",")
            if not sep:
                raise ValueError("Refused data: URI: no data")
            params = [p.strip() for p in header.split(";")]
            mime_type = params[0].lower()
            if mime_type not in DATA_IMAGE_TYPES:
                raise ValueError(f"Refused data: URI of type {mime_type!r}")
            if "base64" in (p.lower() for p in params[1:]):
                try:
                    body = base64.b64decode(unquote(payload), validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise ValueError("Refused data: URI: bad base64") from exc
            else:
                body = unquote_to_bytes(payload)
            return URLFetcherResponse(url, body, {"Content-Type": mime_type})

        @staticmethod
        def _fetch_static(url: str, rest: str) -> URLFetcherResponse:
            name = unquote(rest.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
            parts = name.split("/")
            if (
                not name
                or "\\" in name
                or "\x00" in name
                or any(part in ("", ".", "..") for part in parts)
            ):
                raise ValueError(f"Refused static path {name!r}")
            mime_type, _encoding = mimetypes.guess_type(name)
            if mime_type not in STATIC_TYPES:
                raise ValueError(f"Refused static file of type {mime_type!r}: {name!r}")
            found = finders.find(name)
            if not found:
                raise ValueError(f"No such static file: {name!r}")
            path = Path(found).resolve()
            if not path.is_file() or not _is_under(path, _static_roots()):
                raise ValueError(f"Refused static path outside the static dirs: {name!r}")
            if path.stat().st_size > STATIC_MAX_BYTES:
                raise ValueError(f"Refused static file: too large: {name!r}")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    return SafeURLFetcher


_fetcher_class: type | None = None


def safe_url_fetcher() -> Any:
    """A new :class:`SafeURLFetcher` (a ``weasyprint.urls.URLFetcher``)."""
    global _fetcher_class
    if _fetcher_class is None:
        _fetcher_class = _safe_fetcher_class()
    return _fetcher_class()


# --- amounts -------------------------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SECTION_UNITS = ("", "万", "亿", "万亿")


def _section_in_words(number: int) -> str:
    """0 < number < 10000 in capital numerals, with 零 for inner gaps."""
    words, gap = "", False
    for value, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = number // value % 10
        if digit == 0:
            gap = gap or bool(words)
            continue
        if gap:
            words += "零"
            gap = False
        words += _DIGITS[digit] + unit
    return words


def amount_in_words_zh(amount: Decimal | int | str) -> str:
    """An amount of yuan in Chinese capital numerals (大写金额), as on cheques and agreements.

    ``86000`` → 捌万陆仟元整, ``0.5`` → 伍角, ``1001.01`` → 壹仟零壹元零壹分, ``0`` → 零元整.
    Rounds to the fen (half up). Negative amounts and amounts of 10^16 yuan or more raise
    ``ValueError``.
    """
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("A negative amount has no capital numerals.")
    fen_total = int(value * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if yuan >= 10**16:
        raise ValueError("Amount too large.")
    sections = []
    rest = yuan
    while rest:
        sections.append(rest % 10000)
        rest //= 10000
    words, gap = "", False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            gap = gap or bool(words)
            continue
        if words and (gap or section < 1000):
            words += "零"
        words += _section_in_words(section) + _SECTION_UNITS[index]
        gap = False
    if not jiao and not fen:
        return (words or "零") + "元整"
    if words:
        words += "元"
    if jiao:
        words += _DIGITS[jiao] + "角"
    if fen:
        if words and not jiao:
            words += "零"
        words += _DIGITS[fen] + "分"
    return words


def format_cny(amount: Decimal | int | str | None) -> str:
    """``¥86,000.00``; empty for None."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"¥{value:,.2f}"


# --- Chinese for the documents' strings until the project catalogue has them ----------------------


# --- rendering -----------------------------------------------------------------------------------


def document_title(kind: str, lang: str) -> str:
    """The title of a document kind in a language."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"Unknown document kind: {kind!r}")
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown document language: {lang!r}")
    with translation.override(lang):
        return str(DOCUMENT_KINDS[kind])


def render_html(kind: str, context: dict[str, Any], *, lang: str = "zh-hans") -> str:
    """The document's HTML, as WeasyPrint gets it."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"Unknown document kind: {kind!r}")
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown document language: {lang!r}")
    with translation.override(lang):
        full = {
            "confirmation_window_days": getattr(settings, "FENGQIAO_CONFIRMATION_WINDOW_DAYS", 30),
            **context,
            "kind": kind,
            "lang": lang,
            # The body's kind may name the document (wording.title_for): 行政调解协议书.
            "title": str(context.get("title") or DOCUMENT_KINDS[kind]),
        }
        return render_to_string(f"documents/{kind}.html", full)


def _stylesheet() -> Any:
    """The documents' stylesheet, parsed once a thread (again when the file changes).

    Parsing it and compiling its selectors is a tenth of a render. It is fetched like any other
    resource, through the safe fetcher.
    """
    from weasyprint import CSS

    path = finders.find(STYLESHEET)
    key = (path, os.stat(path).st_mtime_ns) if path else None
    cached = getattr(_local, "stylesheet", None)
    if cached is None or cached[0] != key:
        css = CSS(
            url=f"{STATIC_SCHEME}:{STYLESHEET}",
            base_url=BASE_URL,
            url_fetcher=safe_url_fetcher(),
            font_config=_font_config(),
        )
        cached = _local.stylesheet = (key, css)
    return cached[1]


def render_pdf(kind: str, context: dict[str, Any], *, lang: str = "zh-hans") -> bytes:
    """The document as PDF bytes, unsigned (signing is the caller's business)."""
    return render_pdf_with_seal(kind, context, lang=lang)[0]


# The element the seal partial draws the body's seal in (templates/documents/_seal.html).
SEAL_ANCHOR = "body-seal"
CSS_PX_IN_PT = 0.75  # 96 CSS px to the inch, 72 PDF points


@dataclass(frozen=True)
class SealPlace:
    """Where the drawn seal sits: the page (0-based) and its box in PDF points (x0, y0, x1, y1,
    origin bottom-left), for the PAdES signature's widget to cover it."""

    page: int
    box: tuple[float, float, float, float]


def render_weasy(
    kind: str, context: dict[str, Any], *, lang: str = "zh-hans"
) -> tuple[Any, SealPlace | None]:
    """The document laid out by WeasyPrint (its pages, with their anchors), and where its drawn
    seal is (None when the copy draws none: an unsigned preview shows the seal's placeholder)."""
    html = render_html(kind, context, lang=lang)
    ensure_cjk_font()
    ensure_harfbuzz_subset()
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=safe_url_fetcher()).render(
        stylesheets=[_stylesheet()], font_config=_font_config()
    )
    place = None
    for number, page in enumerate(document.pages):
        anchor = page.anchors.get(SEAL_ANCHOR)
        if anchor is not None:
            x0, top, x1, bottom = (value * CSS_PX_IN_PT for value in anchor)
            height = page.height * CSS_PX_IN_PT
            place = SealPlace(page=number, box=(x0, height - bottom, x1, height - top))
    return document, place


def render_pdf_with_seal(
    kind: str, context: dict[str, Any], *, lang: str = "zh-hans"
) -> tuple[bytes, SealPlace | None]:
    """The document as PDF bytes, unsigned, and where its drawn seal is."""
    document, place = render_weasy(kind, context, lang=lang)
    return document.write_pdf(), place
