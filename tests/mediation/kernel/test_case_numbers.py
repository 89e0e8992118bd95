"""Court case numbers (案号): parsing, canonical form and validation."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from mediation.kernel.case_numbers import (
    CASE_TYPES,
    COURT_CODE_RE,
    EXAMPLE,
    CaseNumber,
    parse_case_number,
    validate_case_number,
    validate_court_code,
)

TODAY = datetime.date(2026, 6, 15)


def _error_message(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    with translation.override("en"):
        return " ".join(excinfo.value.messages)


@pytest.mark.parametrize(
    ("text", "year", "court_code", "case_type", "serial"),
    [
        ("(2026)赣0102民诉前调123号", 2026, "赣0102", "民诉前调", 123),
        ("(2026)赣0102民初456号", 2026, "赣0102", "民初", 456),
        ("(2026)赣0102民特78号", 2026, "赣0102", "民特", 78),
    ],
)
def test_examples_parse_into_their_parts_and_canonicalise(
    text: str, year: int, court_code: str, case_type: str, serial: int
) -> None:
    number = parse_case_number(text, today=TODAY)

    assert number == CaseNumber(
        year=year, court_code=court_code, case_type=case_type, serial=serial
    )
    assert str(number) == text
    assert validate_case_number(text, today=TODAY) == text


@pytest.mark.parametrize(
    "text",
    [
        "（2026）赣0102民初456号",
        "(2026）赣0102民初456号",
        "（2026)赣0102民初456号",
        "  (2026)赣0102民初456号\n",
        "\u3000（2026）赣0102民初456号\t",
    ],
)
def test_full_width_parentheses_and_surrounding_space_canonicalise(text: str) -> None:
    assert str(parse_case_number(text, today=TODAY)) == "(2026)赣0102民初456号"
    assert validate_case_number(text, today=TODAY) == "(2026)赣0102民初456号"


@pytest.mark.parametrize(
    ("text", "court_code", "case_type", "serial"),
    [
        ("(2025)最高法民申1号", "最高法", "民申", 1),
        ("(2025)最高法民再12号", "最高法", "民再", 12),
        ("(2024)京73民终3号", "京73", "民终", 3),
        ("(2026)赣01民终1960号", "赣01", "民终", 1960),
        ("(2026)赣民辖5号", "赣", "民辖", 5),
        ("(2023)兵民申7号", "兵", "民申", 7),
        ("(2023)兵01执保9号", "兵01", "执保", 9),
        ("(2024)黔01民终12518号", "黔01", "民终", 12518),
        ("(2025)沪0104民初6619号", "沪0104", "民初", 6619),
    ],
)
def test_court_codes_of_every_level(
    text: str, court_code: str, case_type: str, serial: int
) -> None:
    number = parse_case_number(text, today=TODAY)

    assert (number.court_code, number.case_type, number.serial) == (court_code, case_type, serial)
    assert str(number) == text


@pytest.mark.parametrize(
    ("text", "case_type"),
    [
        ("(2026)赣0102执12号", "执"),
        ("(2026)赣0102执保12号", "执保"),
        ("(2026)赣01执保1号", "执保"),
        ("(2026)赣0102民诉前调1号", "民诉前调"),
        ("(2026)赣0102民辖1号", "民辖"),
    ],
)
def test_case_type_is_the_whole_code_between_court_and_serial(text: str, case_type: str) -> None:
    number = parse_case_number(text, today=TODAY)

    assert number.case_type == case_type
    assert number.court_code in {"赣0102", "赣01"}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("(2026)赣0102民初456", id="missing-hao"),
        pytest.param("赣0102民初456号", id="missing-year"),
        pytest.param("()赣0102民初456号", id="empty-year"),
        pytest.param("2026赣0102民初456号", id="year-without-parentheses"),
        pytest.param("(26)赣0102民初456号", id="two-digit-year"),
        pytest.param("(２０２６)赣0102民初456号", id="full-width-digits"),
        pytest.param("(2026)赣010民初456号", id="three-digit-court-code"),
        pytest.param("(2026)赣01020民初456号", id="five-digit-court-code"),
        pytest.param("(2026)赣1民初456号", id="one-digit-court-code"),
        pytest.param("(2026)X0102民初456号", id="unknown-province-ascii"),
        pytest.param("(2026)台0102民初456号", id="unknown-province-char"),
        pytest.param("(2026)最高民申1号", id="truncated-supreme-court"),
        pytest.param("(2026)最高法01民申1号", id="supreme-court-with-digits"),
        pytest.param("(2026)民初456号", id="missing-court-code"),
        pytest.param("(2026)赣0102456号", id="missing-case-type"),
        pytest.param("(2026)赣0102民X456号", id="unknown-case-type"),
        pytest.param("(2026)赣0102民初字第456号", id="old-style-number"),
        pytest.param("(2026)赣0102刑初1号", id="type-not-in-table"),
        pytest.param("(1989)赣0102民初456号", id="year-1989"),
        pytest.param("(2027)赣0102民初456号", id="next-year"),
        pytest.param("(2026)赣0102民初0号", id="serial-zero"),
        pytest.param("(2026)赣0102民初012号", id="serial-leading-zero"),
        pytest.param("(2026)赣0102民初号", id="missing-serial"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("案号：(2026)赣0102民初456号", id="stray-text-before"),
        pytest.param("(2026)赣0102民初456号之一", id="stray-text-after"),
        pytest.param("(2026)赣0102 民初456号", id="inner-space"),
        pytest.param("(2026)赣0102民初456号(2026)赣0102民初457号", id="two-numbers"),
        pytest.param("not a case number", id="prose"),
    ],
)
def test_malformed_numbers_are_rejected(text: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse_case_number(text, today=TODAY)

    assert excinfo.value.code == "invalid_case_number"
    assert EXAMPLE in _error_message(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        validate_case_number(text, today=TODAY)
    assert excinfo.value.code == "invalid_case_number"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("(2026)赣0102民初456", ["is not a case number", "号"]),
        ("(1989)赣0102民初456号", ["1989", "between 1990 and 2026"]),
        ("(2027)赣0102民初456号", ["2027", "between 1990 and 2026"]),
        ("(2026)赣010民初456号", ["“赣010” is not a court code", "2 or 4 digits"]),
        ("(2026)X0102民初456号", ["“X0102” is not a court code"]),
        ("(2026)赣0102民X456号", ["“民X” is not a known case type", "民初, 民终", "执保"]),
        ("(2026)赣0102456号", ["case type is missing", "赣"]),
        ("(2026)赣0102民初0号", ["serial number “0”", "leading zeros"]),
        ("(2026)赣0102民初012号", ["serial number “012”", "leading zeros"]),
    ],
)
def test_messages_say_what_is_wrong(text: str, fragments: list[str]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse_case_number(text, today=TODAY)

    message = _error_message(excinfo)
    for fragment in fragments:
        assert fragment in message


def test_unknown_case_type_message_lists_every_known_type() -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse_case_number("(2026)赣0102民X1号", today=TODAY)

    message = _error_message(excinfo)
    for code in CASE_TYPES:
        assert code in message


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("(1990)赣0102民初1号", TODAY),
        ("(2026)赣0102民初1号", datetime.date(2026, 1, 1)),
        ("(2026)赣0102民初1号", datetime.date(2026, 12, 31)),
    ],
)
def test_year_bounds_are_inclusive(text: str, today: datetime.date) -> None:
    assert str(parse_case_number(text, today=today)) == text


def test_year_after_a_fixed_today_is_rejected() -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse_case_number("(2026)赣0102民初1号", today=datetime.date(2025, 12, 31))

    assert excinfo.value.code == "invalid_case_number"


def test_today_defaults_to_the_local_date() -> None:
    this_year = timezone.localdate().year

    assert parse_case_number(f"({this_year})赣0102民初1号").year == this_year
    with pytest.raises(ValidationError) as excinfo:
        parse_case_number(f"({this_year + 1})赣0102民初1号")
    assert excinfo.value.code == "invalid_case_number"


def test_case_number_is_frozen_and_canonical() -> None:
    number = CaseNumber(year=2026, court_code="赣0102", case_type="执保", serial=7)

    assert str(number) == "(2026)赣0102执保7号"
    with pytest.raises(dataclasses.FrozenInstanceError):
        number.serial = 8  # type: ignore[misc]


def test_required_case_types_are_known() -> None:
    required = {"民初", "民终", "民再", "民申", "民特", "民诉前调", "民辖", "执", "执保"}

    assert required <= CASE_TYPES.keys()
    with translation.override("en"):
        assert str(CASE_TYPES["民特"]).startswith("special procedure")
        assert str(CASE_TYPES["民诉前调"]) == "pre-filing mediation"


# --- validate_case_number -----------------------------------------------------------------------


def test_matching_court_code_and_case_type_return_the_canonical_form() -> None:
    result = validate_case_number(
        " （2026）赣0102民特78号 ",
        court_code="赣0102",
        case_types={"民特", "民诉前调"},
        today=TODAY,
    )

    assert result == "(2026)赣0102民特78号"


@pytest.mark.parametrize(
    ("text", "expected_court", "actual_court"),
    [
        ("(2026)赣0103民初1号", "赣0102", "赣0103"),
        ("(2026)赣01民终1号", "赣0102", "赣01"),
        ("(2026)赣0102民初1号", "赣01", "赣0102"),
    ],
)
def test_court_code_mismatch_names_both_courts(
    text: str, expected_court: str, actual_court: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_case_number(text, court_code=expected_court, today=TODAY)

    assert excinfo.value.code == "invalid_case_number"
    message = _error_message(excinfo)
    assert f"court {expected_court}" in message
    assert f"court {actual_court}" in message


def test_case_type_mismatch_names_the_allowed_types() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_case_number("(2026)赣0102执12号", case_types=["民特", "民诉前调"], today=TODAY)

    assert excinfo.value.code == "invalid_case_number"
    message = _error_message(excinfo)
    assert "执" in message
    assert "民特, 民诉前调" in message


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("(2026)赣0102执保12号", ["执"]),
        ("(2026)赣0102执12号", ["执保"]),
        ("(2026)赣0102民初12号", "民初民终"),
        ("(2026)赣0102民诉前调12号", []),
    ],
)
def test_case_types_must_match_exactly(text: str, allowed: list[str] | str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_case_number(text, case_types=allowed, today=TODAY)

    assert excinfo.value.code == "invalid_case_number"


def test_a_single_case_type_string_is_one_type_not_its_characters() -> None:
    assert validate_case_number("(2026)赣0102执1号", case_types="执", today=TODAY) == (
        "(2026)赣0102执1号"
    )
    with pytest.raises(ValidationError):
        validate_case_number("(2026)赣0102执1号", case_types="执保", today=TODAY)


def test_court_code_check_runs_after_parsing() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_case_number("(2026)赣0102民初012号", court_code="赣0102", today=TODAY)

    assert "leading zeros" in _error_message(excinfo)


# --- validate_court_code ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["最高法", "赣", "赣01", "赣0102", "京73", "兵", "兵01", "沪0104", "新", "藏01"]
)
def test_valid_court_codes_are_accepted(code: str) -> None:
    assert validate_court_code(code) is None
    assert COURT_CODE_RE.fullmatch(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "赣0",
        "赣010",
        "赣01020",
        "赣０１",
        "X01",
        "台",
        "最高",
        "最高法01",
        "0102",
        " 赣01",
        "赣01 ",
        "赣赣01",
        "赣0102民初",
    ],
)
def test_invalid_court_codes_are_rejected(code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_court_code(code)

    assert excinfo.value.code == "invalid_court_code"
    assert f"“{code}” is not a court code" in _error_message(excinfo)
    assert COURT_CODE_RE.search(code) is None
