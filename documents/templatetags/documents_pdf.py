"""Template filters and tags of the PDF documents (templates/documents/)."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext

from documents.rendering import DATA_IMAGE_TYPES, amount_in_words_zh, format_cny

register = template.Library()

_SMALL = "〇一二三四五六七八九"


def _is_zh() -> bool:
    return (get_language() or "").lower().startswith("zh")


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (lower-case numerals, for numbering)."""
    if number <= 0 or number >= 10000:
        return str(number)
    words, gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit == 0:
            gap = gap or bool(words)
            continue
        if gap:
            words += "零"
            gap = False
        words += ("" if (digit == 1 and value == 10 and not words) else _SMALL[digit]) + unit
    return words


@register.filter
def clause_number(number: int) -> str:
    """The label of the n-th clause: 一、 in Chinese, 1. otherwise."""
    number = int(number)
    return f"{chinese_number(number)}、" if _is_zh() else f"{number}."


@register.filter
def cny(amount: Decimal | None) -> str:
    """¥86,000.00"""
    return format_cny(amount)


@register.filter
def amount_in_words(amount: Decimal | None) -> str:
    """人民币捌万陆仟元整 in Chinese documents; empty in other languages."""
    if amount is None or amount == "" or not _is_zh():
        return ""
    try:
        words = amount_in_words_zh(amount)
    except (ValueError, ArithmeticError):
        return ""
    return pgettext("document", "RMB %(words)s") % {"words": words}


@register.filter
def age_on(birth_date: datetime.date | None, on: datetime.date | None) -> int | str:
    """Full years from birth_date to on; empty when either is missing."""
    if not birth_date or not on:
        return ""
    if isinstance(on, datetime.datetime):
        on = on.date()
    if isinstance(birth_date, datetime.datetime):
        birth_date = birth_date.date()
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return years if years >= 0 else ""


@register.filter
def data_image(uri: Any) -> str:
    """The URI if it is a data: URI of an image a document may show, else empty."""
    if not isinstance(uri, str) or not uri.startswith("data:"):
        return ""
    mime_type = uri[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
    return uri if mime_type in DATA_IMAGE_TYPES else ""


@register.filter
def join_names(items: Any, key: str = "name") -> str:
    """The items' names joined with 、 in Chinese and ", " otherwise (escaped by autoescape)."""
    names = [str(item.get(key, "")) for item in items or () if item.get(key)]
    return ("、" if _is_zh() else ", ").join(names)


def _css_string(text: str) -> str:
    """A CSS string literal of text, safe inside <style>."""
    out = []
    for char in text:
        if char in '"\\<>&' or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@register.simple_tag
def page_counter_content() -> SafeString:
    """The CSS ``content`` of the page footer: "Page x of y", translated, with counters."""
    page, pages = "\x00page\x00", "\x00pages\x00"
    text = pgettext("document", "Page %(page)s of %(pages)s") % {"page": page, "pages": pages}
    parts = []
    for piece in text.split("\x00"):
        if piece == "page":
            parts.append("counter(page)")
        elif piece == "pages":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    # Only the translation's own text goes in, as escaped CSS strings.
    return mark_safe(" ".join(parts) or '""')


@register.filter
def chunks(items: Any, size: int = 2) -> list[list[Any]]:
    """The items in rows of size (for tables of signature boxes)."""
    items, size = list(items or ()), max(int(size), 1)
    return [items[i : i + size] for i in range(0, len(items), size)]


@register.filter
def obligation_rows(obligation: dict[str, Any]) -> list[dict[str, Any]]:
    """The table rows of an obligation: one an instalment, or one row for the whole amount.

    A row's ``number`` is the instalment's number when the obligation is paid in instalments,
    else None (the schedule's label is shown instead).
    """
    instalments = list(obligation.get("instalments") or ())
    by_instalments = obligation.get("schedule") == "instalments"
    if not instalments:
        return [{"number": None, "due_date": None, "amount": obligation.get("total")}]
    return [
        {
            "number": i.get("number") if by_instalments else None,
            "due_date": i.get("due_date"),
            "amount": i.get("amount"),
        }
        for i in instalments
    ]


PRINCIPAL_ROLES = ("applicant", "respondent", "third_party")


@register.filter
def principal_parties(parties: Any) -> list[dict[str, Any]]:
    """The parties themselves, without agents and guardians."""
    return [p for p in parties or () if p.get("role") in PRINCIPAL_ROLES]


@register.filter
def addressees(parties: Any) -> list[dict[str, Any]]:
    """The parties themselves, each with the agents and guardians who act for it."""
    parties = list(parties or ())
    principals = [
        {"name": p.get("name", ""), "representatives": []}
        for p in parties
        if p.get("role") in PRINCIPAL_ROLES
    ]
    by_name = {a["name"]: a for a in principals}
    for p in parties:
        if p.get("role") in PRINCIPAL_ROLES:
            continue
        principal = by_name.get(p.get("represents_name", ""))
        if principal is not None:
            principal["representatives"].append(p)
        else:
            principals.append({"name": p.get("name", ""), "representatives": []})
    return principals


SEAL_RED = "#d40000"


@register.simple_tag
def seal_svg(name: str, title: str = "") -> SafeString:
    """A round official seal as vector graphics: a red ring, the body's name along the upper
    arc (each character turned to face the centre's outside), a five-pointed star in the middle
    and the seal's title straight below it. Drawn in the page, so that it prints as sharp as
    the text; the PAdES signature's widget covers it (`documents.signing`)."""
    chars = [ch for ch in str(name) if not ch.isspace()] or ["·"]
    count = len(chars)
    # Up to ten characters keep a natural spacing; more close up over at most 250 degrees.
    span = min(250.0, 24.0 * count + 10.0)
    size = min(26.0, max(12.0, 2 * math.pi * 70 * span / 360 / count * 0.92))
    radius = 90 - 8 - size / 2 - 4  # ring, a gap, then the characters' middle
    parts = []
    for index, ch in enumerate(chars):
        angle = -span / 2 + span * (index + 0.5) / count
        parts.append(
            f'<text transform="rotate({angle:.2f} 100 100)" x="100" '
            f'y="{100 - radius + size * 0.36:.2f}" font-size="{size:.1f}" '
            f'text-anchor="middle">{escape(ch)}</text>'
        )
    star = []
    for point in range(10):
        r = 24.0 if point % 2 == 0 else 9.5
        a = math.radians(point * 36)
        star.append(f"{100 + r * math.sin(a):.2f},{102 - r * math.cos(a):.2f}")
    title_text = escape(str(title))
    title_size = min(15.0, 120.0 / max(len(str(title)), 1)) if title else 0
    svg = (
        '<svg class="seal-drawing" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" '
        f'width="200" height="200" fill="{SEAL_RED}" '
        'font-family="WenQuanYi Micro Hei, Noto Serif CJK SC, Noto Sans CJK SC, sans-serif">'
        f'<circle cx="100" cy="100" r="90" fill="none" stroke="{SEAL_RED}" stroke-width="6"/>'
        f"{''.join(parts)}"
        f'<polygon points="{" ".join(star)}"/>'
        + (
            f'<text x="100" y="{150 + title_size * 0.36:.2f}" font-size="{title_size:.1f}" '
            f'text-anchor="middle">{title_text}</text>'
            if title
            else ""
        )
        + "</svg>"
    )
    return mark_safe(svg)  # built here; every text in it is escaped
