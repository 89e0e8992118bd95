"""How the schemathesis run of API v1 (test_api_schemathesis.py) sends its requests and judges
the answers.

Its budgets per operation, where the schema and the answers may knowingly disagree, the
refusals that JSON Schema cannot state, the requests sent as each seeded caller with every
check schemathesis has, and the failures collected, one per kind and place.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.openapi.checks import JsonSchemaError, RejectedPositiveData
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import ignored_auth

from tests.schemathesis_world import ID_PARAMETERS, Seeded, real_path_parameters

# Fuzzed requests per operation and mode (valid, invalid): some 60 operations (one per
# transition), so some 1,000, besides the coverage phase's (all of them: one or more per bound,
# missing value and unlisted method of each operation, some 3,300 in all).
EXAMPLES_PER_OPERATION = 8
# These render (and sign) a PDF when the ids are real, ~0.5 s each: far slower than any other
# request, so they get fewer examples, and at most COVERAGE_FOR_PDF coverage requests per mode, to
# keep the whole run within its time budget.
EXAMPLES_FOR_PDF = 6
COVERAGE_FOR_PDF = 12
PDF_OPERATIONS = {
    "GET /api/v1/disputes/{dispute_id}/agreement/preview/",
    "GET /api/v1/disputes/{dispute_id}/documents/{kind}/pdf/",
    "GET /api/v1/disputes/{dispute_id}/sessions/{session_id}/minutes/pdf/",
}


# Where the schema (drf-spectacular) and the answers may knowingly disagree: (operations, place in
# the answer (JSON Schema keyword), why), listed in a warning while they last. Any other mismatch
# fails the test. Empty: the ones this test found (blank enums, one-case lists documented as
# pages, "" as a URI) were fixed in the serializers.
KNOWN_SCHEMA_MISMATCHES: list[tuple[str, str, str]] = []

# A request the schema allows may still be refused (400) by a check that JSON Schema cannot
# state: (operations, field in the answer's field errors, why). Such a 400 passes schemathesis's
# positive-data check only if every field it names is listed here for the operation; any other
# 400 to valid data fails the test.
SCHEMA_CANNOT_SAY: list[tuple[str, str, str]] = [
    (
        "POST /api/v1/auth/token/",
        "non_field_errors",
        "whether a user name and password match an account (schemathesis exempts operations it "
        "knows to issue credentials; this schema's token scheme names no token URL)",
    ),
    ("GET /api/v1/stats/rates/", "from", "`from` not after `to`: two parameters compared"),
    (
        r"POST /api/v1/disputes/|PATCH /api/v1/disputes/\{id\}/|POST /api/v1/referrals/",
        r"received_at|delegated_on",
        "not in the future: a comparison with today",
    ),
    # Ids in bodies: which objects exist, and how they stand to the case in the path.
    ("POST /api/v1/disputes/", "body|court", "an existing mediation body, court"),
    ("POST /api/v1/referrals/", "body|court|dispute", "an existing body, court, case"),
    (
        r"POST /api/v1/disputes/(\{id\}/parties/)?|POST /api/v1/referrals/",
        r"((dispute/)?parties/\*/)?represents",
        "an agent or guardian acts for a party listed before them, or of the case",
    ),
    (
        r"POST /api/v1/disputes/|POST /api/v1/referrals/",
        r"(dispute/)?parties",
        "at least one applicant (OpenAPI 3.0 has no `contains`); an agent or guardian acts for "
        "a party listed before them; one side per party; one name per ID number in the body",
    ),
    (
        r"POST /api/v1/disputes/\{id\}/parties/",
        "parties",
        "the case's parties: an agent or guardian acts for one of them, a party takes one side "
        "and one role once; one name per ID number in the body",
    ),
    # Identity numbers: a check digit (GB 11643, GB 32100), a form that depends on `id_type`.
    (
        r"POST /api/v1/disputes/(\{id\}/parties/)?|POST /api/v1/referrals/",
        r"((dispute/)?parties/\*/)?id_number",
        "a valid number of its kind, with its check digit",
    ),
    (
        r"POST /api/v1/disputes/|POST /api/v1/referrals/",
        r"court_case_number|case_number",
        "the court's own case number: its court code and case type depend on the court",
    ),
    (
        r"POST /api/v1/disputes/\{id\}/transitions/(re)?assign/",
        "mediator|body",
        "an active mediator of the (new) body, not a party to the case",
    ),
    (
        r"POST /api/v1/disputes/\{id\}/transitions/(apply_confirmation|refer_to_court)/",
        "court",
        "an existing court; the delegating court if there is one, else a basic court",
    ),
    (
        r"POST /api/v1/disputes/\{dispute_id\}/confirmation-consents/(code/)?",
        "party|given_by",
        "an applicant or respondent of the case; given by them or their agent with a special "
        "power of attorney",
    ),
    (
        r"PUT /api/v1/disputes/\{dispute_id\}/agreement/",
        "agreement_date",
        "not before the case was received: a comparison with the case",
    ),
    (
        r"POST /api/v1/disputes/\{id\}/mediation-consents/",
        "case_party",
        "a respondent of the case",
    ),
    (
        r"POST /api/v1/disputes/\{id\}/rights-acknowledgements/",
        "case_party",
        "an applicant, respondent or third party of the case",
    ),
    (
        r"POST /api/v1/disputes/\{id\}/sessions/",
        "mediators|attendees",
        "the body's mediators, the case's parties",
    ),
    (
        r"POST /api/v1/referrals/\{id\}/transitions/extend/",
        "consenting_parties",
        "the case's parties, every applicant and respondent among them",
    ),
    (
        r"POST /api/v1/disputes/\{dispute_id\}/agreement/signatures/(code/)?",
        "signatory|signer|signer_name|representative_role",
        "a signatory of the case's agreement, and who may sign for them: a person under their "
        "recorded name, an organisation through a named representative with a role",
    ),
    # Values whose validity depends on the object's state or on other objects.
    (
        r"PATCH /api/v1/disputes/\{id\}/",
        "category",
        "the category can change only until the case is accepted",
    ),
    (
        r"POST /api/v1/disputes/\{id\}/transitions/draft_agreement/",
        "terms",
        "needed unless the agreement already has clauses or obligations",
    ),
    (
        r"POST /api/v1/referrals/\{id\}/transitions/decide/",
        "decision",
        "a decision that fits the referral's kind",
    ),
    (
        r"POST /api/v1/disputes/\{id\}/transitions/close/",
        "outcome",
        "an outcome that fits the case's state (a signed case: its performance)",
    ),
    (
        r"POST /api/v1/referrals/\{id\}/transitions/(file|decide)/",
        "case_number",
        "the court's own case number: its court code and case type depend on the referral",
    ),
    (
        r"POST /api/v1/parties/\{party_id\}/phone/",
        "phone|code",
        "a number other than the record's; for a party who uses the portal, the code last sent "
        "to them (or a director's decision)",
    ),
    (
        r"POST /api/v1/disputes/\{dispute_id\}/sessions/\{session_id\}/minutes/signatures/",
        "attendee|mediator|signer_name|representative_role|refused|note",
        "one person present at the session, attendee or mediator: a person under their recorded "
        "name, an organisation through a named representative with a role; only an attendee "
        "refuses, with a note",
    ),
    # Content the schema can only describe.
    (
        r"POST /api/v1/disputes/\{dispute_id\}/agreement/(signatures|mediator-signature)/",
        "image",
        "a complete PNG with a drawing on it",
    ),
    (
        r"POST /api/v1/disputes/\{dispute_id\}/sessions/\{session_id\}/minutes/signatures/",
        "image",
        "a complete PNG with a drawing on it",
    ),
]


@dataclass
class Outcome:
    """What the run saw: requests made (answered), statuses per operation, failures."""

    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    # One entry per distinct failure (operation, check, where), with the shortest request that
    # showed it and what went wrong.
    failures: dict[str, str] = field(default_factory=dict)

    def record(self, key: str, detail: str, case: Case, headers: dict[str, str], who: str) -> None:
        request = case.as_curl_command(headers=headers)
        known = self.failures.get(key)
        if known is None or len(request) < len(known.split(" (as ")[0]):
            self.failures[key] = f"{request} (as {who})\n      {detail}"


def _describe(failure: Failure, server_errors: list[str]) -> tuple[str, str]:
    """What identifies the failure (its kind and place), and what it says."""
    message = failure.message.strip().splitlines()[0] if failure.message else ""
    if server_errors:  # a 5xx: the exception's type and where the app raised it
        kind, _sep, rest = server_errors[0].partition(": ")
        return f"{failure.title}: {kind} at {rest.rpartition(' at ')[2]}", server_errors[0]
    if isinstance(failure, JsonSchemaError):
        where = "/".join("*" if isinstance(p, int) else str(p) for p in failure.instance_path)
        return f"{failure.title}: /{where} ({failure.schema_path[-1]})", message
    return failure.title, message


def _error_paths(body: Any, prefix: str = "") -> set[str]:
    """Where a 400's field errors point: `parties/*/id_number` for an error in a list item."""
    if isinstance(body, dict):
        return {
            path
            for key, value in body.items()
            for path in _error_paths(value, f"{prefix}{'*' if str(key).isdigit() else key}/")
        }
    if isinstance(body, list) and any(isinstance(item, dict | list) for item in body):
        return {path for item in body for path in _error_paths(item, f"{prefix}*/")}
    return {prefix.rstrip("/")}


def _checked_beyond_schema(label: str, response: Any) -> bool:
    """Whether a 400 to a request the schema allows is one of the checks the schema cannot
    state (SCHEMA_CANNOT_SAY): every field it names is listed for the operation."""
    if response.status_code != 400:
        return False
    try:
        paths = _error_paths(response.json())
    except ValueError:
        return False
    listed = [
        where for operations, where, _why in SCHEMA_CANNOT_SAY if re.fullmatch(operations, label)
    ]
    return bool(paths) and all(any(re.fullmatch(where, path) for where in listed) for path in paths)


@dataclass
class Caller:
    """Sends one case as one of the seeded callers and runs every check on the answer."""

    seeded: Seeded
    outcome: Outcome
    server_errors: list[str]
    checks: list[Callable[..., Any]]
    # Operations whose credentials check (`ignored_auth`) has passed on a success: it sends each
    # success again without and with a wrong token, which is worth doing once per operation (as
    # `st run` does), not for every success.
    auth_checked: set[str] = field(default_factory=set)

    def __call__(self, case: Case, token: str) -> None:
        label = case.operation.label
        self.server_errors.clear()
        headers = {"Authorization": f"Token {token}"}
        who = self.seeded.callers[token]
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the app or the transport blew up: as bad as a 5xx
            self.outcome.record(f"{label}: {type(exc).__name__}", str(exc), case, headers, who)
            return
        self.outcome.requests += 1
        self.outcome.statuses[f"{label} {response.status_code}"] += 1
        checks = self.checks
        if label in self.auth_checked:
            checks = [check for check in checks if check is not ignored_auth]
        elif 200 <= response.status_code < 300:
            self.auth_checked.add(label)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                if isinstance(failure, RejectedPositiveData) and _checked_beyond_schema(
                    label, response
                ):
                    continue
                key, detail = _describe(failure, self.server_errors)
                if isinstance(failure, RejectedPositiveData):
                    detail = f"{detail}: {response.text[:1000]}"
                self.outcome.record(f"{label}: {key}", detail, case, headers, who)


def fuzz(operation: APIOperation, seeded: Seeded, call: Caller) -> None:
    """Fuzzed requests for one operation: valid ones (some with a known-good body), then
    invalid ones, each run with its own budget so that neither crowds the other out."""
    label = operation.label
    examples = EXAMPLES_FOR_PDF if label in PDF_OPERATIONS else EXAMPLES_PER_OPERATION
    valid = [
        operation.as_strategy(body=body, media_type="application/json")
        for body in seeded.valid_bodies.get(label, [])
    ]
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    for cases in (st.one_of(positive, *valid), negative):

        @hypothesis_settings(
            max_examples=examples,
            # The same requests on every run (for the same code and schema).
            derandomize=True,
            database=None,
            deadline=None,
            # Failures are collected, not raised, so there is nothing to shrink.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases, token=st.sampled_from(list(seeded.callers)))
        def run(case: Case, token: str) -> None:
            call(case, token)

        try:
            run()
        except Unsatisfiable:
            # An operation without parameters or body has nothing to make invalid.
            if cases is not negative:
                raise


def cover(operation: APIOperation, seeded: Seeded, call: Caller) -> None:
    """schemathesis's coverage phase for one operation: each parameter and field at and past
    its bounds, left out, given twice, and the methods the path does not list. Deterministic;
    the callers take turns."""
    budget = COVERAGE_FOR_PDF if operation.label in PDF_OPERATIONS else None
    schema = operation.schema
    tokens = list(seeded.callers)
    real = real_path_parameters(operation, seeded)
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=[mode],
            generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
        )
        for number, case in enumerate(itertools.islice(cases, budget)):
            # Ids of seeded objects, so that the bounds are tried past the first lookup; an id
            # the case makes invalid (not an integer) stays.
            path = case.path_parameters or {}
            ids = [path[name] for name in ID_PARAMETERS & set(path)]
            if real and all(re.fullmatch(r"[0-9]+", str(value)) for value in ids):
                case.path_parameters = {**path, **real[number % len(real)]}
            call(case, tokens[number % len(tokens)])


def known_mismatch(key: str) -> bool:
    return any(
        re.fullmatch(operations, key.partition(": ")[0])
        and re.fullmatch(
            f"{re.escape(JsonSchemaError.kind_title)}: {where}", key.partition(": ")[2]
        )
        for operations, where, _why in KNOWN_SCHEMA_MISMATCHES
    )
