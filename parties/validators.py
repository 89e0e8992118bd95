"""Checks and masks for Chinese identity numbers and phone numbers.

- Resident ID (居民身份证号码), GB 11643-1999: 6-digit region, 8-digit birth date, 3-digit serial
  (odd for men), and an ISO 7064 MOD 11-2 check character.
- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a 31-letter
  alphabet without I, O, Z, S, V, ending in a MOD 31 check character.
- Phones: mainland mobiles (1[3-9] and 9 more digits) and landlines with an area code.

Masks keep enough to tell numbers apart on a list without disclosing them (SPEC privacy rule).

Only Django's ValidationError and lazy gettext are used, so this module imports (and its pure
functions run) without configured settings; the lazy messages are translated when displayed.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- resident ID (GB 11643) ----------------------------------------------------------------------

# Weight i is 2**(17 - i) mod 11, as ISO 7064 MOD 11-2 prescribes; the standard prints the row.
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character indexed by (weighted sum mod 11); 'X' stands for ten.
_RESIDENT_CHECK = "10X98765432"
_RESIDENT_RE = re.compile(r"^\d{17}[\dX]$")
# First two digits: provinces, autonomous regions and municipalities (GB/T 2260),
# plus 71 Taiwan, 81 Hong Kong, 82 Macao, 83 residence permits for Taiwan residents and
# 91 permanent residence IDs for foreigners (2023 format, same layout and check).
_PROVINCES = frozenset(
    [
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
        *("71", "81", "82", "83", "91"),
    ]
)
# No one alive was registered with an earlier birth date; older dates are typing mistakes.
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)

# Messages are module constants so each failure reason has exactly one msgid to translate.
_RESIDENT_FORMAT_MSG = _("A resident ID number has 18 characters: 17 digits, then a digit or X.")
_RESIDENT_REGION_MSG = _("This resident ID number does not start with a valid region code.")
_RESIDENT_BIRTH_MSG = _(
    "The date of birth in this resident ID number is not a real date between 1900 and today."
)
_RESIDENT_CHECK_MSG = _(
    "The check digit of this resident ID number is wrong; please check the number."
)


def normalize_resident_id(value: str) -> str:
    """Drop spaces people type between groups; a lowercase x is the same check character."""
    return re.sub(r"\s+", "", value or "").upper()


def resident_id_check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2).

    Raises ValueError if ``first17`` is not exactly 17 digits.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("a resident ID check digit needs exactly 17 digits")
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, _RESIDENT_WEIGHTS, strict=True)
    )
    return _RESIDENT_CHECK[total % 11]


def _birth_date(number: str) -> datetime.date | None:
    # Digits 7-14 are YYYYMMDD; date() rejects 30 February and other impossible days.
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_resident_id(value: str) -> None:
    """Raise ValidationError (code "invalid_resident_id") unless ``value`` is a valid ID."""
    number = normalize_resident_id(value)
    # Checks run from the coarsest to the finest, so the message names the first real problem.
    if not _RESIDENT_RE.match(number):
        raise ValidationError(_RESIDENT_FORMAT_MSG, code="invalid_resident_id")
    if number[:2] not in _PROVINCES:
        raise ValidationError(_RESIDENT_REGION_MSG, code="invalid_resident_id")
    birth = _birth_date(number)
    if birth is None or not _EARLIEST_BIRTH <= birth <= timezone.localdate():
        raise ValidationError(_RESIDENT_BIRTH_MSG, code="invalid_resident_id")
    if resident_id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_RESIDENT_CHECK_MSG, code="invalid_resident_id")


def birth_date_from_resident_id(value: str) -> datetime.date:
    """The birth date the ID encodes; ValueError if digits 7-14 are not a date."""
    birth = _birth_date(normalize_resident_id(value))
    if birth is None:
        raise ValueError("no valid birth date in this resident ID number")
    return birth


def sex_from_resident_id(value: str) -> str:
    """ "male" or "female": the 17th digit (end of the serial) is odd for men, even for women."""
    number = normalize_resident_id(value)
    if len(number) != 18 or not number[16].isdigit():
        raise ValueError("not an 18-character resident ID number")
    return "male" if int(number[16]) % 2 else "female"


# --- unified social credit code (GB 32100) -------------------------------------------------------

# Digits and capitals without I, O, Z, S, V, which are too easily misread as 1, 0, 2, 5, U.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight i is 3**i mod 31; the standard prints the row.
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Place 1 registration authority, 2 organisation type, 3-8 administrative division code,
# 9-17 organisation identifier, 18 check character.
_USCC_RE = re.compile(rf"^[{_USCC_ALPHABET}]{{2}}\d{{6}}[{_USCC_ALPHABET}]{{10}}$")

_USCC_FORMAT_MSG = _(
    "A unified social credit code has 18 characters: digits and capital letters "
    "other than I, O, Z, S and V, with digits in places 3 to 8."
)
_USCC_CHECK_MSG = _("The check character of this unified social credit code is wrong.")


def normalize_uscc(value: str) -> str:
    """Drop spaces; letters in the code are always capitals."""
    return re.sub(r"\s+", "", value or "").upper()


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 characters (MOD 31).

    Raises ValueError if ``first17`` is not 17 characters of the code's alphabet.
    """
    if len(first17) != 17:
        raise ValueError("a USCC check character needs exactly 17 characters")
    total = sum(
        _USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    # 31 - (sum mod 31), where a result of 31 wraps to 0.
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Raise ValidationError (code "invalid_uscc") unless ``value`` is a valid code."""
    code = normalize_uscc(value)
    if not _USCC_RE.match(code):
        raise ValidationError(_USCC_FORMAT_MSG, code="invalid_uscc")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_USCC_CHECK_MSG, code="invalid_uscc")


# --- phone ---------------------------------------------------------------------------------------

# ASCII digits: Python's \d also takes other scripts' digits.
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
# Area codes 010 and 020-029 have three digits and 8-digit local numbers; all others have four
# digits and 7- or 8-digit local numbers. Local numbers never start with 0 or 1.
_LANDLINE_RE = re.compile(
    r"^(?P<area>0(?:10|2[0-9]))(?P<sep>-?)(?P<local>[2-9][0-9]{7})$"
    r"|^(?P<area4>0[3-9][0-9]{2})(?P<sep4>-?)(?P<local4>[2-9][0-9]{6,7})$"
)
# A number as `normalize_phone` leaves it and `validate_mobile_phone` accepts it, and nothing
# else: for the API, which takes numbers in this form only, so that its schema can state the
# form as a pattern. \A and \Z: Python's $ would also match before a final newline.
PHONE_PATTERN = (
    r"\A(?:1[3-9][0-9]{9}|0(?:10|2[0-9])-?[2-9][0-9]{7}|0[3-9][0-9]{2}-?[2-9][0-9]{6,7})\Z"
)
# A country code in front of a mobile, typed with or without "+" and a separator.
_MOBILE_WITH_COUNTRY_RE = re.compile(r"^\+?86-?(1[3-9][0-9]{9})$")

PHONE_MESSAGE = _(
    "Enter an 11-digit mobile number or a landline with its area code, such as 0791-86123456."
)


def normalize_phone(value: str) -> str:
    """Drop spaces and brackets; store mobiles without +86 so equal numbers compare equal."""
    phone = re.sub(r"[\s()]", "", value or "")
    match = _MOBILE_WITH_COUNTRY_RE.match(phone)
    return match.group(1) if match else phone


def is_mobile_phone(value: str | None) -> bool:
    """A Chinese mobile number (11 digits from 13…–19…, +86 allowed): the only kind of number
    a text message reaches. A landline on file is for calling."""
    return bool(_MOBILE_RE.match(normalize_phone(value or "")))


def validate_mobile_phone(value: str) -> None:
    """Raise ValidationError (code "invalid_phone") unless a mobile or a landline with area code.

    Service numbers such as 12348 are refused: a party must be reachable in person.
    """
    phone = normalize_phone(value)
    if not (_MOBILE_RE.match(phone) or _LANDLINE_RE.match(phone)):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")


# --- masks ---------------------------------------------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """110105********002X for resident IDs; first and last two for other documents."""
    number = re.sub(r"\s+", "", value or "")
    if not number:
        return ""
    if len(number) == 18:
        # Region and the last four are what people quote to tell two IDs apart.
        return number[:6] + "*" * 8 + number[-4:]
    if len(number) >= 8:
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    if len(number) == 1:
        return "*"  # Showing "all but the last one" of a single character would show it all.
    return "*" * (len(number) - 1) + number[-1]


def mask_phone(value: str | None) -> str:
    """138****8000 for mobiles; area code and last two digits for landlines; else last two."""
    phone = normalize_phone(value or "")
    if not phone:
        return ""
    if _MOBILE_RE.match(phone):
        return phone[:3] + "****" + phone[-4:]
    landline = _LANDLINE_RE.match(phone)
    if landline:
        area = landline.group("area") or landline.group("area4")
        sep = landline.group("sep") or landline.group("sep4") or ""
        local = landline.group("local") or landline.group("local4")
        return area + sep + "*" * (len(local) - 2) + local[-2:]
    # Unrecognised: disclose as little as possible while still telling numbers apart.
    if len(phone) <= 2:
        return "*" * len(phone)
    return "*" * (len(phone) - 2) + phone[-2:]


def mask_address(value: str | None) -> str:
    """江西省南昌市**** : the first six characters (province and city, as a rule), which say
    where a party lives without the street and the door."""
    address = (value or "").strip()
    if not address:
        return ""
    return address[:6] + "****" if len(address) > 6 else "*" * len(address)


def mask_name(value: str | None) -> str:
    """张* / 欧阳** for people shown on public pages: the surname and how many characters."""
    name = (value or "").strip()
    if len(name) <= 1:
        return name
    compound = name[:2] in COMPOUND_SURNAMES and len(name) > 2
    keep = 2 if compound else 1
    return name[:keep] + "*" * (len(name) - keep)


# The commonest two-character surnames; others are masked after their first character.
COMPOUND_SURNAMES = frozenset(
    (
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容",
        "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "独孤", "南宫", "西门",
    )
)  # fmt: skip
