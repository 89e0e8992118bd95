"""Chinese court case numbers (案号): parsing, validation and canonical form.

A case number reads ``(2026)赣0102民初456号``: the year in parentheses (ASCII or full-width),
the court code, the case-type code, a serial number and 号. The canonical form uses ASCII
parentheses.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SUPREME_COURT_CODE = "最高法"

# One-character province abbreviations used in court codes. 兵 is the Xinjiang Production and
# Construction Corps. The Supreme People's Court's own table uses 黔 (Guizhou) and 内 (Inner
# Mongolia); 贵 and 蒙 are accepted as well.
PROVINCE_CODES = "京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵黔云陕甘青蒙内桂藏宁新兵"

CASE_TYPES: dict[str, Promise] = {
    "民初": _("civil first instance"),
    "民终": _("civil second instance"),
    "民再": _("civil retrial"),
    "民申": _("civil retrial application"),
    "民特": _("special procedure (e.g. judicial confirmation)"),
    "民诉前调": _("pre-filing mediation"),
    "民辖": _("jurisdiction"),
    "民督": _("payment order"),
    "执": _("enforcement"),
    "执保": _("preservation enforcement"),
    "执异": _("enforcement objection"),
    "执复": _("enforcement review"),
    "执恢": _("resumed enforcement"),
}

# Anchored, so match(), search() and fullmatch() (and a RegexValidator) all mean the same thing.
COURT_CODE_RE: re.Pattern[str] = re.compile(
    rf"\A(?:{SUPREME_COURT_CODE}|[{PROVINCE_CODES}](?:[0-9]{{2}}|[0-9]{{4}})?)\Z"
)

EARLIEST_YEAR = 1990
EXAMPLE = "(2026)赣0102民初456号"

# Year, then everything up to the trailing digits (court code and case type), then the serial.
# The lazy middle group leaves every trailing digit to the serial, so it never ends in a digit.
_SHAPE_RE = re.compile(r"[(（](?P<year>[0-9]{4})[)）](?P<middle>\S+?)(?P<serial>[0-9]+)号")
# The court code at the start of the middle part: 最高法 or one character, then its digits.
_COURT_PART_RE = re.compile(rf"(?:{SUPREME_COURT_CODE}|[^0-9])[0-9]*")

INVALID_CASE_NUMBER = "invalid_case_number"
INVALID_COURT_CODE = "invalid_court_code"


@dataclass(frozen=True)
class CaseNumber:
    """The parts of a parsed case number."""

    year: int
    court_code: str
    case_type: str
    serial: int

    def __str__(self) -> str:
        """Canonical form with ASCII parentheses, e.g. ``(2026)赣0102民初456号``."""
        return f"({self.year}){self.court_code}{self.case_type}{self.serial}号"


def validate_court_code(value: str) -> None:
    """Reject anything that is not a court code such as 最高法, 赣, 赣01 or 赣0102."""
    if not isinstance(value, str) or not COURT_CODE_RE.fullmatch(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a court code. Use 最高法, or a province abbreviation "
                "optionally followed by 2 or 4 digits, e.g. 赣01 or 赣0102."
            ),
            code=INVALID_COURT_CODE,
            params={"value": value},
        )


def _invalid(message: Promise, **params: object) -> ValidationError:
    return ValidationError(message, code=INVALID_CASE_NUMBER, params={"example": EXAMPLE, **params})


def parse_case_number(value: str, *, today: datetime.date | None = None) -> CaseNumber:
    """Parse a case number into its parts, or raise ValidationError("invalid_case_number").

    Surrounding whitespace is ignored and either ASCII or full-width parentheses are accepted.
    ``today`` (default: the local date) bounds the year from above.
    """
    text = value.strip() if isinstance(value, str) else ""
    shape = _SHAPE_RE.fullmatch(text)
    if shape is None:
        raise _invalid(
            _(
                "“%(value)s” is not a case number. Write the year in parentheses, the court "
                "code, the case type, the serial number and 号, e.g. %(example)s."
            ),
            value=text,
        )

    year = int(shape["year"])
    current_year = (today or timezone.localdate()).year
    if not EARLIEST_YEAR <= year <= current_year:
        raise _invalid(
            _(
                "The year %(year)s is not possible: it must be between %(earliest)s and "
                "%(latest)s, e.g. %(example)s."
            ),
            year=year,
            earliest=EARLIEST_YEAR,
            latest=current_year,
        )

    middle = shape["middle"]
    court_part = _COURT_PART_RE.match(middle)
    court_code = court_part.group() if court_part else ""
    if not COURT_CODE_RE.fullmatch(court_code):
        raise _invalid(
            _(
                "“%(court_code)s” is not a court code. Use 最高法, or a province abbreviation "
                "optionally followed by 2 or 4 digits, e.g. %(example)s."
            ),
            court_code=court_code,
        )

    case_type = middle[len(court_code) :]
    if not case_type:
        raise _invalid(
            _(
                "The case type is missing after the court code %(court_code)s. Known types: "
                "%(known)s; e.g. %(example)s."
            ),
            court_code=court_code,
            known=", ".join(CASE_TYPES),
        )
    if case_type not in CASE_TYPES:
        raise _invalid(
            _(
                "“%(case_type)s” is not a known case type. Known types: %(known)s; "
                "e.g. %(example)s."
            ),
            case_type=case_type,
            known=", ".join(CASE_TYPES),
        )

    serial = shape["serial"]
    if serial.startswith("0"):
        raise _invalid(
            _(
                "The serial number “%(serial)s” must be a whole number from 1 without "
                "leading zeros, e.g. %(example)s."
            ),
            serial=serial,
        )

    return CaseNumber(year=year, court_code=court_code, case_type=case_type, serial=int(serial))


def validate_case_number(
    value: str,
    *,
    court_code: str | None = None,
    case_types: Collection[str] | None = None,
    today: datetime.date | None = None,
) -> str:
    """Parse and check a case number; return its canonical string.

    ``court_code`` requires the number to belong to that court; ``case_types`` restricts the
    case type. Raises ValidationError("invalid_case_number").
    """
    number = parse_case_number(value, today=today)
    if court_code is not None and number.court_code != court_code:
        raise _invalid(
            _("The case number %(number)s belongs to court %(actual)s, not to court %(expected)s."),
            number=str(number),
            actual=number.court_code,
            expected=court_code,
        )
    if isinstance(case_types, str):
        case_types = (case_types,)
    if case_types is not None and number.case_type not in case_types:
        raise _invalid(
            _("The case type %(actual)s is not allowed here. Allowed types: %(allowed)s."),
            actual=number.case_type,
            allowed=", ".join(case_types),
        )
    return str(number)
