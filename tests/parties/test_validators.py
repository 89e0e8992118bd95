"""Identity numbers and phones, with real valid and invalid numbers (GB 11643, GB 32100)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parties.validators import (
    PHONE_PATTERN,
    birth_date_from_resident_id,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_phone,
    resident_id_check_digit,
    sex_from_resident_id,
    uscc_check_char,
    validate_mobile_phone,
    validate_resident_id,
    validate_uscc,
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted by their English wording; zh-hans is the project's default language.
    with translation.override("en"):
        yield


# --- resident ID ---------------------------------------------------------------------------------

VALID_RESIDENT_IDS = [
    "11010519491231002X",  # the worked example printed in GB 11643-1999
    "110101199003074477",
    "440524198001010013",
    "360102198506150011",
    "11010519491231002x",  # a lowercase x is the same check character
    "110105 19491231 002X",  # spaces people type between groups
]


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_valid_resident_ids_pass(number: str) -> None:
    validate_resident_id(number)


INVALID_RESIDENT_IDS = [
    ("110105194912310021", "check digit"),  # the GB example with a wrong check character
    ("110101199003074478", "check digit"),
    ("11010519491231002", "18 characters"),  # one short
    ("11010519491231002XX", "18 characters"),
    ("1101051949123100A2", "18 characters"),
    ("99010519491231002X", "region"),  # 99 is no province
    ("110105194902300023", "date of birth"),  # 30 February
    ("440524188001010014", "date of birth"),  # check digit fine, born 1880: a typing mistake
    ("", "18 characters"),
]


@pytest.mark.parametrize(("number", "reason"), INVALID_RESIDENT_IDS)
def test_invalid_resident_ids_say_what_is_wrong(number: str, reason: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_resident_id(number)
    assert error.value.code == "invalid_resident_id"
    assert reason in str(error.value.messages[0])


def test_a_birth_date_in_the_future_is_refused() -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)  # the centre's day
    first17 = f"110105{tomorrow:%Y%m%d}002"
    with pytest.raises(ValidationError, match="date of birth"):
        validate_resident_id(first17 + resident_id_check_digit(first17))


def test_check_digit_follows_iso_7064() -> None:
    assert resident_id_check_digit("11010519491231002") == "X"
    assert resident_id_check_digit("44052419800101001") == "3"
    with pytest.raises(ValueError):
        resident_id_check_digit("1234")


def test_birth_date_and_sex_are_read_from_the_number() -> None:
    assert birth_date_from_resident_id("11010519491231002X") == datetime.date(1949, 12, 31)
    assert sex_from_resident_id("11010519491231002X") == "female"  # serial 002: even
    assert sex_from_resident_id("110101199003074477") == "male"  # serial 447: odd


# --- unified social credit code ------------------------------------------------------------------

VALID_USCCS = [
    "91360100MA35ABCDE2",  # the example in SPEC §2
    "91350100M000100Y43",
    "91110000600037341L",
    "91440300708461136T",
    "91440300 708461136t",
]


@pytest.mark.parametrize("code", VALID_USCCS)
def test_valid_usccs_pass(code: str) -> None:
    validate_uscc(code)


INVALID_USCCS = [
    ("91440300708461136A", "check character"),
    ("91360100MA35ABCDE3", "check character"),
    ("91110000100001336O", "18 characters"),  # O is not in the alphabet
    ("9144030070846113", "18 characters"),
    ("91AB0300708461136T", "18 characters"),  # places 3-8 are the division code: digits
    ("", "18 characters"),
]


@pytest.mark.parametrize(("code", "reason"), INVALID_USCCS)
def test_invalid_usccs_say_what_is_wrong(code: str, reason: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert error.value.code == "invalid_uscc"
    assert reason in str(error.value.messages[0])


def test_uscc_check_character_follows_gb_32100() -> None:
    assert uscc_check_char("91440300708461136") == "T"
    assert uscc_check_char("91110000600037341") == "L"


# --- phones --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "19912345678",
        "+86 138 0013 8000",
        "0791-86123456",
        "01062345678",
        "0755-8612345",
    ],
)
def test_valid_phones_pass(phone: str) -> None:
    validate_mobile_phone(phone)


@pytest.mark.parametrize(
    "phone",
    [
        *("12348", "1380013800", "23800138000", "12800138000", "0791-06123456", "phone", ""),
        # Digits of other scripts, which Python's \d would take.
        "13٨٠٠١٣٨٠٠٠",
        "138００138000",
        "0791-８6123456",
    ],
)
def test_invalid_phones_are_refused(phone: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_mobile_phone(phone)
    assert error.value.code == "invalid_phone"


def test_a_country_code_is_dropped_so_equal_numbers_compare_equal() -> None:
    assert normalize_phone("+86 138 0013 8000") == normalize_phone("13800138000") == "13800138000"


def _accepted_as_stored(phone: str) -> bool:
    try:
        validate_mobile_phone(phone)
    except ValidationError:
        return False
    return normalize_phone(phone) == phone


# The same strings on every run, and no time limit: the suite runs in parallel and may be slow.
PROPERTY = settings(
    derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(st.from_regex(PHONE_PATTERN, fullmatch=True))
def test_every_number_the_api_pattern_allows_is_accepted_as_it_is(phone: str) -> None:
    assert _accepted_as_stored(phone), phone


@PROPERTY
@given(
    st.one_of(
        st.text(alphabet="0123456789-+() \n١８", max_size=16),
        st.from_regex(r"\A\+?(86)? ?1[3-9][0-9 ]{9,11}\Z"),
        st.from_regex(r"\A\(?0[1-9][0-9]{1,2}\)?[- ]?[2-9][0-9]{6,7}\n?\Z"),
    )
)
def test_the_api_pattern_allows_exactly_the_numbers_accepted_as_they_are(phone: str) -> None:
    """The API takes a number in its stored form only, so that its schema's pattern is what it
    accepts: the pattern and the validator (after normalising, which leaves that form alone)
    agree on every string."""
    assert bool(re.search(PHONE_PATTERN, phone)) == _accepted_as_stored(phone), repr(phone)


# --- masks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("91440300708461136T", "914403********136T"),
        ("E12345678", "E1*****78"),  # a passport
        ("", ""),
        (None, ""),
    ],
)
def test_id_masks(value: str | None, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13800138000", "138****8000"),
        ("0791-86123456", "0791-******56"),
        ("", ""),
    ],
)
def test_phone_masks(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳", "欧*"),
        ("李", "李"),
        ("", ""),
    ],
)
def test_names_on_public_pages_keep_the_surname_only(name: str, masked: str) -> None:
    assert mask_name(name) == masked
