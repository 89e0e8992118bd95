"""The PDF rendering layer: real WeasyPrint renders read back with pypdf (no mocks)."""

from __future__ import annotations

import ast
import base64
import logging
import re
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import templatize
from pypdf import PdfReader

from documents import rendering
from documents.qr import qr_svg_data_uri
from documents.rendering import (
    BASE_URL,
    DOCUMENT_KINDS,
    LANGUAGES,
    MSG_CONTEXT,
    amount_in_words_zh,
    ensure_cjk_font,
    format_cny,
    harfbuzz_subset_available,
    render_html,
    render_pdf,
    safe_url_fetcher,
)
from tests.documents import samples

TITLES = {
    "zh-hans": {
        "agreement": "人民调解协议书",
        "acceptance_notice": "受理通知书",
        "termination": "调解终结书",
        "referral_letter": "移送函",
        "confirmation_application": "司法确认申请书",
        "refusal_notice": "不予受理告知书",
        "oral_agreement": "口头调解协议登记表",
        "session_minutes": "调解笔录",
    },
    "en": {
        "agreement": "People's Mediation Agreement",
        "acceptance_notice": "Notice of Acceptance",
        "termination": "Notice of Termination of Mediation",
        "referral_letter": "Letter of Referral",
        "confirmation_application": "Application for Judicial Confirmation",
        "refusal_notice": "Notice of Refusal to Accept",
        "oral_agreement": "Record of an Oral Mediation Agreement",
        "session_minutes": "Minutes of a Mediation Session",
    },
}
PASSWD_LINE = "root:x:0:0"
# A pgettext call of templatize()'s output: its context and message literals.
STRING = r"""u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
PGETTEXT_CALL = rf"\bpgettext\({STRING}, {STRING}\)"
GETTEXT_CALL = rf"\bgettext\({STRING}\)"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def embedded_files(pdf: bytes) -> dict[str, list[bytes]]:
    return dict(PdfReader(BytesIO(pdf)).attachments)


def squeeze(text: str) -> str:
    """Text without whitespace: line breaks in the PDF fall anywhere in a long string."""
    return re.sub(r"\s+", "", text)


# Every kind rendered from a context alone; the case file is assembled from the case's other
# papers and has its own tests (test_case_file.py).
RENDERED_KINDS = [kind for kind in DOCUMENT_KINDS if kind != "case_file"]


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], bytes]:
    """Every kind in every language, rendered once for the module."""
    return {
        (kind, lang): render_pdf(kind, samples.context_for(kind, lang), lang=lang)
        for kind in RENDERED_KINDS
        for lang in LANGUAGES
    }


# --- every document --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", RENDERED_KINDS)
def test_every_kind_renders_with_its_data(rendered, kind: str, lang: str) -> None:
    pdf = rendered[kind, lang]
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat = squeeze(text)
    # A refusal notice goes to the applicants only.
    addressed = samples.PARTY_NAMES[:1] if kind == "refusal_notice" else samples.PARTY_NAMES
    for name in addressed:
        assert name in flat, name
    number = samples.context_for(kind, lang)["number"]
    assert squeeze(number) in flat
    assert squeeze(TITLES[lang][kind]) in flat
    assert samples.BODY in flat or kind == "confirmation_application"
    assert samples.VERIFICATION_CODE in flat
    if lang == "zh-hans":
        assert "第 1 页 共" in text
        # Chinese throughout: no English msgid of the templates left untranslated.
        assert "Page 1 of" not in text
        assert "Case reference" not in text
    else:
        assert "Page 1 of" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_agreement_shows_terms_amounts_and_signatures(rendered, lang: str) -> None:
    text = pdf_text(rendered["agreement", lang])
    flat = squeeze(text)
    for amount in ("¥50,000.00", "¥36,000.00", "¥86,000.00", "¥3,500.00", "¥89,500.00"):
        assert amount in flat, amount
    assert samples.MEDIATOR in flat
    if lang == "zh-hans":
        assert "人民币捌万玖仟伍佰元整" in flat
        for label in ("一、", "二、", "三、", "四、", "第1期", "第2期", "一次性给付"):
            assert label in flat, label
        assert "本协议一式3份" in flat
        assert "调解委员会（印）" in flat
        assert "签署人：张伟（监护人）" in flat
        assert "东湖区人民医院的委托代理人" in flat
    else:
        for label in ("Instalment1", "Instalment2", "Lumpsum", "madein3copies"):
            assert label in flat, label
        assert "Signedby张伟(Guardian)" in flat


def test_referral_letter_shows_claimed_amount_in_figures_and_words(rendered) -> None:
    flat = squeeze(pdf_text(rendered["referral_letter", "zh-hans"]))
    assert "¥120,000.00" in flat
    assert "人民币壹拾贰万元整" in flat
    assert samples.COURT in flat


def test_sample_agreement_is_two_pages_and_says_so() -> None:
    # Long clauses, still two pages: the page count in the footer comes from the layout.
    pdf = render_pdf("agreement", samples.agreement_context(extra_clauses=1))
    assert page_count(pdf) == 2
    text = pdf_text(pdf)
    assert "第 1 页 共 2 页" in text
    assert "第 2 页 共 2 页" in text


def test_longer_agreement_counts_its_pages() -> None:
    pdf = render_pdf("agreement", samples.agreement_context(extra_clauses=20))
    pages = page_count(pdf)
    assert pages >= 3
    assert f"第 {pages} 页 共 {pages} 页" in pdf_text(pdf)


def test_english_agreement_footer() -> None:
    pdf = render_pdf("agreement", samples.agreement_context("en"), lang="en")
    pages = page_count(pdf)
    assert f"Page {pages} of {pages}" in pdf_text(pdf)


def test_draft_is_marked() -> None:
    context = samples.agreement_context(verification=False)
    context["draft"] = True
    text = pdf_text(render_pdf("agreement", context))
    assert "草稿" in text
    assert "验证码" not in text


def test_unknown_kind_or_language_is_refused() -> None:
    with pytest.raises(ValueError):
        render_pdf("will", samples.agreement_context())
    with pytest.raises(ValueError):
        render_pdf("agreement", samples.agreement_context(), lang="fr")


def test_every_template_string_has_chinese() -> None:
    """Every msgid of the PDFs has its Chinese in the project's catalogue (compiled by the
    setup), under the "document" context that keeps them apart from the web pages."""
    templates = Path(django_settings.BASE_DIR, "templates", "documents")
    msgids = set()
    for path in templates.glob("*.html"):
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        # Every string of a document is in the "document" context.
        assert not re.findall(GETTEXT_CALL, code), path.name
        for context, literal in re.findall(PGETTEXT_CALL, code):
            assert ast.literal_eval(context) == MSG_CONTEXT, path.name
            msgids.add(ast.literal_eval(literal))
    with translation.override("en"):
        python_msgids = {str(title) for title in DOCUMENT_KINDS.values()}
    python_msgids |= {"Page %(page)s of %(pages)s", "RMB %(words)s"}
    assert len(msgids) > 40
    with translation.override("zh-hans"):
        missing = sorted(
            m for m in msgids | python_msgids if translation.pgettext(MSG_CONTEXT, m) == m
        )
    assert not missing, missing


def test_document_strings_do_not_leak_into_other_contexts() -> None:
    with translation.override("zh-hans"):
        assert translation.pgettext(MSG_CONTEXT, "Total") == "合计"
        assert translation.pgettext("other", "Total") == "Total"
    with translation.override("en"):
        assert translation.pgettext(MSG_CONTEXT, "Total") == "Total"


# --- hostile input ---------------------------------------------------------------------------

IMG = '<img src="file:///etc/passwd">'
SCRIPT = "<script>alert(1)</script>"
LINK = '<link rel=stylesheet href="http://example.com/x.css">'
CSS_URL = "url(file:///etc/passwd)"


def hostile_context() -> dict:
    context = samples.agreement_context()
    context["parties"][0]["name"] = IMG
    context["parties"][2]["name"] = SCRIPT
    context["signatures"][0]["for_name"] = IMG
    context["signatures"][0]["image"] = "file:///etc/passwd"
    context["signatures"][1]["image"] = "http://127.0.0.1:9/x.png"
    context["clauses"][0] = f"第一条 {LINK} 完"
    context["dispute"]["facts"] = f"事实 {CSS_URL} <style>@import '{CSS_URL}';</style>"
    context["disputed_matters"] = '<base href="file:///etc/">'
    return context


def test_hostile_text_is_printed_not_obeyed(caplog) -> None:
    html = render_html("agreement", hostile_context())
    assert "<script>" not in html
    assert '<img src="file' not in html
    assert "<link rel=stylesheet" not in html
    assert "<base" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    with caplog.at_level(logging.INFO, logger="weasyprint"):
        pdf = render_pdf("agreement", hostile_context())
    flat = squeeze(pdf_text(pdf))
    for payload in (IMG, SCRIPT, LINK, CSS_URL):
        assert squeeze(payload) in flat, payload
    assert PASSWD_LINE not in flat
    assert PASSWD_LINE.encode() not in pdf
    assert embedded_files(pdf) == {}
    # Nothing in the text was taken for a resource; the bad signature images were filtered out.
    assert "etc/passwd" not in caplog.text
    assert "example.com" not in caplog.text


def test_resources_in_the_document_go_through_the_safe_fetcher(caplog) -> None:
    """Straight WeasyPrint HTML with every kind of reference: only static and data: load."""
    from weasyprint import HTML

    html = f"""<html><head>
    <link rel="stylesheet" href="file:///etc/passwd">
    <link rel="stylesheet" href="http://127.0.0.1:9/x.css">
    <link rel="stylesheet" href="../../etc/passwd">
    <link rel="attachment" href="file:///etc/passwd">
    <style>@import url("file:///etc/passwd"); body {{ background: url(/etc/passwd); }}</style>
    <link rel="stylesheet" href="fengqiao-static:documents/pdf.css">
    </head><body><p>正文</p>
    <img src="file:///etc/passwd"><img src="ftp://127.0.0.1/x.png"><img src="passwd">
    <img src="{samples.signature_png_uri(3)}"><img src="{qr_svg_data_uri("x")}">
    </body></html>"""
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=safe_url_fetcher()).write_pdf()
    assert PASSWD_LINE.encode() not in pdf
    # WeasyPrint's own fetcher would have embedded /etc/passwd as a file attachment.
    assert embedded_files(pdf) == {}
    assert "正文" in pdf_text(pdf)
    errors = caplog.text
    assert "file:///etc/passwd" in errors  # refused and logged, not read
    assert "127.0.0.1" in errors
    assert "pdf.css" not in errors  # the stylesheet loaded
    assert "data:image" not in errors  # the images loaded


# --- the fetcher itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.com/x.css",
        "ftp://127.0.0.1/x",
        "../etc/passwd",
        "/etc/passwd",
        "passwd",
        "fengqiao-static:../config/settings.py",
        "fengqiao-static:documents/../../config/settings.py",
        "fengqiao-static:documents/%2e%2e/%2e%2e/config/settings.py",
        "fengqiao-static:/../../../../etc/passwd",
        "fengqiao-static:documents\\..\\..\\etc\\passwd",
        "fengqiao-static:documents/missing.css",
        "fengqiao-static:documents/pdf.py",
        "data:text/html,<script>alert(1)</script>",
        "data:text/css,body{background:url(file:///etc/passwd)}",
        "data:image/png;base64,not base64!",
        "data:image/png",
    ],
)
def test_fetcher_refuses(url: str) -> None:
    with pytest.raises(ValueError):
        safe_url_fetcher().fetch(url)


def test_fetcher_serves_static_files() -> None:
    response = safe_url_fetcher().fetch("fengqiao-static:documents/pdf.css")
    body = response.read()
    response.close()
    assert response.content_type == "text/css"
    assert b"@page" in body
    # Also what a relative URL against the documents' base URL looks like.
    assert safe_url_fetcher().fetch(f"{BASE_URL}documents/pdf.css").read() == body


def test_fetcher_serves_data_images() -> None:
    uri = samples.signature_png_uri(1)
    response = safe_url_fetcher().fetch(uri)
    assert response.content_type == "image/png"
    assert response.read() == base64.b64decode(uri.split(",", 1)[1])
    svg = safe_url_fetcher().fetch(qr_svg_data_uri("http://127.0.0.1:8000/verify/X/"))
    assert svg.content_type == "image/svg+xml"
    assert svg.read().startswith(b"<svg")


def test_fetcher_refuses_symlinks_out_of_static(tmp_path, settings) -> None:
    static = tmp_path / "static"
    (static / "documents").mkdir(parents=True)
    (static / "documents" / "ok.css").write_text("p { color: red }")
    (static / "documents" / "evil.css").symlink_to("/etc/passwd")
    settings.STATICFILES_DIRS = [static]
    fetcher = safe_url_fetcher()
    assert fetcher.fetch("fengqiao-static:documents/ok.css").read() == b"p { color: red }"
    with pytest.raises(ValueError):
        fetcher.fetch("fengqiao-static:documents/evil.css")


# --- fonts -----------------------------------------------------------------------------------


def test_cjk_font_is_found() -> None:
    assert ensure_cjk_font(refresh=True)


def test_no_cjk_font_is_improperly_configured(tmp_path, monkeypatch) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    try:
        with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
            ensure_cjk_font(refresh=True)
    finally:
        monkeypatch.undo()
        ensure_cjk_font(refresh=True)


def test_no_fc_list_is_improperly_configured(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    try:
        with pytest.raises(ImproperlyConfigured, match="fontconfig"):
            ensure_cjk_font(refresh=True)
    finally:
        monkeypatch.undo()
        ensure_cjk_font(refresh=True)


def test_fonts_are_subset_by_harfbuzz(caplog) -> None:
    assert harfbuzz_subset_available()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf("termination", samples.context_for("termination"))
    assert "fontTools" not in caplog.text
    assert ".notdef" not in caplog.text
    assert len(pdf) < 200 * 1024


def test_rendering_refuses_to_run_without_cjk_font(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(rendering, "_cjk_font_found", None)
    try:
        with pytest.raises(ImproperlyConfigured):
            render_pdf("termination", samples.context_for("termination"))
    finally:
        monkeypatch.undo()
        ensure_cjk_font(refresh=True)


# --- helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("86000", "捌万陆仟元整"),
        ("0.5", "伍角"),
        ("1001.01", "壹仟零壹元零壹分"),
        ("0", "零元整"),
        ("100000000", "壹亿元整"),
        ("89500.00", "捌万玖仟伍佰元整"),
        ("120000", "壹拾贰万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("100000001", "壹亿零壹元整"),
        ("10.05", "壹拾元零伍分"),
        ("10.50", "壹拾元伍角"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("105000", "壹拾万伍仟元整"),
        ("1000000000000", "壹万亿元整"),
        ("0.005", "壹分"),
    ],
)
def test_amount_in_words_zh(amount: str, words: str) -> None:
    assert amount_in_words_zh(Decimal(amount)) == words


def test_amount_in_words_zh_refuses_negative_and_huge() -> None:
    with pytest.raises(ValueError):
        amount_in_words_zh(Decimal("-1"))
    with pytest.raises(ValueError):
        amount_in_words_zh(Decimal("1E16"))


def test_format_cny() -> None:
    assert format_cny(Decimal("86000")) == "¥86,000.00"
    assert format_cny(Decimal("0.5")) == "¥0.50"
    assert format_cny(None) == ""


def test_qr_svg_data_uri() -> None:
    uri = qr_svg_data_uri(samples.VERIFICATION_URL)
    assert uri.startswith("data:image/svg+xml")
    with pytest.raises(ValueError):
        qr_svg_data_uri("")
