"""The API keeps to its schema: what the schema documents it answers, what it forbids is a 400.

The schemathesis run (tests/test_api_schemathesis.py) finds the disagreements at random; these
are the rules it found broken, one request each, and the schema's statements behind them.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command

from mediation.cases.workflow import STEPS
from parties.validators import PHONE_PATTERN
from tests.conftest import World, client_for
from tests.mediation.api.helpers import spec_payload
from tests.mediation.helpers import SPEC_TRANSITIONS, dispute_in, right_actor, valid_data


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    target = tmp_path_factory.mktemp("schema") / "schema.json"
    with django_db_blocker.unblock():
        call_command("spectacular", "--format", "openapi-json", "--file", str(target))
    return dict(json.loads(target.read_text()))


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_request_bodies_are_json_only(schema: dict[str, Any]) -> None:
    """A form cannot carry nested parties or obligations: the schema offers JSON alone (a
    generated client sent multipart and could not register a dispute)."""
    offered = {
        f"{method} {path}": sorted(operation["requestBody"]["content"])
        for method, path, operation in _operations(schema)
        if "requestBody" in operation
    }
    assert offered and all(media == ["application/json"] for media in offered.values()), offered


def test_every_operation_documents_its_refusals(schema: dict[str, Any]) -> None:
    missing = {}
    for method, path, operation in _operations(schema):
        codes = set(operation["responses"])
        signed_in = bool(operation.get("security")) and {} not in operation["security"]
        expected = set()
        if "requestBody" in operation or any(
            p["in"] == "query" for p in operation.get("parameters", [])
        ):
            expected |= {"400"}
        if "requestBody" in operation:
            expected |= {"415"}
        if signed_in:
            expected |= {"401"}
        if signed_in and method != "GET":
            expected |= {"403", "409"}
        if "{" in path:
            expected |= {"404"}
        if not expected <= codes:
            missing[f"{method} {path}"] = sorted(expected - codes)
    assert not missing, missing
    create = schema["paths"]["/api/v1/disputes/"]["post"]["responses"]
    assert create["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    assert "WWW-Authenticate" in create["401"]["headers"]
    signing = schema["paths"]["/api/v1/disputes/{dispute_id}/agreement/signatures/"]["post"]
    assert "Retry-After" in signing["responses"]["429"]["headers"]


def test_parameters_state_their_bounds(schema: dict[str, Any]) -> None:
    def parameter(path: str, name: str) -> dict[str, Any]:
        operation = schema["paths"][path]["get"]
        return next(p for p in operation["parameters"] if p["name"] == name)["schema"]

    assert parameter("/api/v1/disputes/", "page") == {"type": "integer", "minimum": 1}
    assert parameter("/api/v1/disputes/", "page_size") == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
    }
    assert parameter("/api/v1/disputes/", "overdue") == {"type": "boolean"}
    assert parameter("/api/v1/disputes/", "received_from") == {"type": "string", "format": "date"}
    assert "-received_at" in parameter("/api/v1/disputes/", "ordering")["items"]["enum"]
    assert parameter("/api/v1/referrals/", "open") == {"type": "boolean"}
    # Empty too, for no limit: SPEC §7 writes `?group_by=category,track&from=&to=`.
    assert parameter("/api/v1/stats/rates/", "to")["oneOf"][0] == {
        "type": "string",
        "format": "date",
    }
    assert "category" in parameter("/api/v1/stats/rates/", "group_by")["items"]["enum"]
    pdf = "/api/v1/disputes/{dispute_id}/documents/{kind}/pdf/"
    assert "agreement" in parameter(pdf, "kind")["enum"]
    assert parameter(pdf, "lang")["enum"] == ["en", "zh-hans"]


def test_each_transition_is_an_operation_with_the_data_it_needs(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert "/api/v1/disputes/{id}/transitions/{name}/" not in paths

    def body(path: str) -> dict[str, Any]:
        reference = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return dict(schema["components"]["schemas"][reference["$ref"].rpartition("/")[2]])

    assert body("/api/v1/disputes/{id}/transitions/assign/")["required"] == ["mediator"]
    assert body("/api/v1/disputes/{id}/transitions/decline/")["required"] == ["advice", "ground"]
    assert "required" not in body("/api/v1/disputes/{id}/transitions/accept/")
    extend = body("/api/v1/referrals/{id}/transitions/extend/")
    assert sorted(extend["required"]) == ["consenting_parties", "days"]
    assert extend["properties"]["days"]["minimum"] == 1
    assert "409" in paths["/api/v1/disputes/{id}/transitions/assign/"]["post"]["responses"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/disputes/?page=0", "page"),
        ("/api/v1/disputes/?page=", "page"),
        ("/api/v1/disputes/?page_size=false", "page_size"),
        ("/api/v1/disputes/?page_size=101", "page_size"),
        ("/api/v1/disputes/?overdue=2", "overdue"),
        ("/api/v1/disputes/?ordering=nonsense", "ordering"),
        ("/api/v1/referrals/?open=yes", "open"),
        ("/api/v1/mediators/?active=", "active"),
        ("/api/v1/stats/rates/?group_by=category,,track", "group_by"),
    ],
)
def test_a_parameter_the_schema_forbids_is_a_400_naming_it(
    world: World, url: str, parameter: str
) -> None:
    answer = client_for(world.director).get(url)
    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == [parameter]


def test_a_page_past_the_last_is_404_and_an_id_of_nothing_lists_nothing(world: World) -> None:
    dispute_in(world, "registered")
    client = client_for(world.director)
    assert client.get("/api/v1/disputes/?page=2").status_code == 404
    answer = client.get("/api/v1/disputes/?body=999999&mediator=999999")
    assert answer.status_code == 200 and answer.json()["results"] == []


def test_a_form_is_refused_as_unsupported(world: World) -> None:
    answer = client_for(world.director).post(
        "/api/v1/disputes/", {"title": "x"}, format="multipart"
    )
    assert answer.status_code == 415


def test_amounts_are_decimal_strings(world: World) -> None:
    """SPEC §7.1: amounts are decimal strings. A JSON number (a float, already rounded) or
    another spelling is refused, as the schema's pattern says."""
    client = client_for(world.director)
    for amount, status in [(86000, 400), ("1e3", 400), (" 5", 400), ("86000.5", 201)]:
        answer = client.post(
            "/api/v1/disputes/", spec_payload(world, claimed_amount=amount), format="json"
        )
        assert answer.status_code == status, (amount, answer.content)
        if status == 400:
            assert list(answer.json()) == ["claimed_amount"]


def test_a_session_time_is_rfc3339_from_1902(world: World) -> None:
    dispute = dispute_in(world, "assigned")
    client = client_for(world.mediator.user)
    url = f"/api/v1/disputes/{dispute.pk}/sessions/"
    for moment in ("0711-09-12T00:05:01Z", "2026-12-20 09:30"):
        answer = client.post(url, {"scheduled_at": moment, "place": "第一调解室"}, format="json")
        assert answer.status_code == 400 and list(answer.json()) == ["scheduled_at"], moment


def test_a_referral_kind_of_the_wrong_type_is_a_400(world: World) -> None:
    answer = client_for(world.director).post("/api/v1/referrals/", {"kind": {}}, format="json")
    assert answer.status_code == 400 and "kind" in answer.json()


def test_an_api_url_of_nothing_answers_json(world: World) -> None:
    answer = client_for(world.director).get("/api/v1/disputes/abc/agreement/")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json" and "detail" in answer.json()


@pytest.mark.parametrize(
    "name", [name for name, step in STEPS.items() if any(i.required for i in step.inputs.values())]
)
def test_a_transitions_required_data_is_what_its_service_asks_for(world: World, name: str) -> None:
    """The schema's per-transition bodies (from the steps' inputs) and the service's own checks
    agree: without its data, a transition the caller may take now is a 400 on a field
    the schema marks required."""
    sources, _target = SPEC_TRANSITIONS[name]
    dispute = dispute_in(world, sorted(sources)[0])
    required = {field for field, spec in STEPS[name].inputs.items() if spec.required}
    answer = client_for(right_actor(world, name)).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/{name}/", {}, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert set(answer.json()) <= required, answer.json()
    given = client_for(right_actor(world, name)).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/{name}/",
        valid_data(world, name, sorted(sources)[0]),
        format="json",
    )
    assert given.status_code == 200, given.content


def _validator(schema: dict[str, Any], component: str) -> jsonschema.Draft4Validator:
    """Checks a body against a component of the schema, as schemathesis does (OpenAPI 3.0's
    schemas are JSON Schema draft 4 with a few keywords more)."""
    return jsonschema.Draft4Validator(
        {"components": schema["components"], "$ref": f"#/components/schemas/{component}"}
    )


APPLICANT = {"role": "applicant", "kind": "person", "name": "张伟"}
INSURER = {"role": "third_party", "kind": "organization", "name": "某财产保险股份有限公司"}
# Parties the schema forbids, and where the API's 400 says so (under `parties`, item 0).
FORBIDDEN_PARTIES: dict[str, tuple[dict[str, Any], str]] = {
    "a person's organization type": ({**APPLICANT, "organization_type": "insurer"}, ""),
    "a blank one, which a person has not either": ({**APPLICANT, "organization_type": ""}, ""),
    "a USCC for a person": ({**APPLICANT, "id_type": "uscc"}, "id_type"),
    "a resident ID for an organization": ({**INSURER, "id_type": "resident_id"}, "id_type"),
    "a field no party has": ({**APPLICANT, "nickname": "小张"}, "nickname"),
    "a number without its type": ({**APPLICANT, "id_number": "E12345678"}, "id_type"),
    "a phone with spaces": ({**APPLICANT, "phone": "138 0013 8000"}, "phone"),
    "a phone with +86": ({**APPLICANT, "phone": "+8613800138000"}, "phone"),
    "other scripts' digits": ({**APPLICANT, "phone": "١٣٨٠٠١٣٨٠٠٠"}, "phone"),
    "a service number": ({**APPLICANT, "phone": "12348"}, "phone"),
}
ALLOWED_PARTIES: dict[str, dict[str, Any]] = {
    "a person with a passport": {**APPLICANT, "id_type": "passport", "id_number": "E12345678"},
    "a landline": {**APPLICANT, "phone": "0791-86123456"},
    "one without its hyphen": {**APPLICANT, "phone": "079186123456"},
    "an insurer": {**INSURER, "organization_type": "insurer", "phone": "01062345678"},
    "blanks": {**APPLICANT, "id_type": "", "id_number": "", "phone": "", "represents": None},
}


def test_each_kind_of_party_has_its_own_body_shape(schema: dict[str, Any]) -> None:
    """A person's papers and an organization's differ (`Party.clean`): one body per `kind`,
    which names the fields it has and no others."""
    components = schema["components"]["schemas"]
    items = components["DisputeCreateRequest"]["properties"]["parties"]["items"]
    assert items == {"$ref": "#/components/schemas/PartyInputRequest"}
    party = components["PartyInputRequest"]
    assert party["discriminator"]["propertyName"] == "kind"
    assert sorted(party["discriminator"]["mapping"]) == ["organization", "person"]
    person, organization = (
        components[f"{kind}PartyInputRequest"] for kind in ("Person", "Organization")
    )
    assert person["additionalProperties"] is False and organization["additionalProperties"] is False
    assert "organization_type" not in person["properties"]
    assert "uscc" not in components["PersonPartyInputIdTypeEnum"]["enum"]
    assert "resident_id" not in components["OrganizationPartyInputIdTypeEnum"]["enum"]
    assert "uscc" in components["OrganizationPartyInputIdTypeEnum"]["enum"]
    adding = schema["paths"]["/api/v1/disputes/{id}/parties/"]["post"]["requestBody"]
    assert adding["content"]["application/json"]["schema"] == items

    check = _validator(schema, "PartyInputRequest")
    for why, (body, _where) in FORBIDDEN_PARTIES.items():
        assert not check.is_valid(body), why
    for why, body in ALLOWED_PARTIES.items():
        assert check.is_valid({k: v for k, v in body.items() if v is not None}), why
    # Who acts for whom: only an agent or guardian names `represents`, and they must.
    assert check.is_valid({**APPLICANT, "role": "agent", "represents": 0})
    assert not check.is_valid({**APPLICANT, "role": "agent"})
    assert not check.is_valid({**APPLICANT, "represents": 0})


@pytest.mark.parametrize("why", FORBIDDEN_PARTIES)
def test_a_party_the_schema_forbids_is_refused(world: World, why: str) -> None:
    body, where = FORBIDDEN_PARTIES[why]
    parties = [body, {"role": "respondent", "kind": "person", "name": "李娜"}]
    answer = client_for(world.director).post(
        "/api/v1/disputes/", spec_payload(world, parties=parties), format="json"
    )
    assert answer.status_code == 400, answer.content
    errors = answer.json()["parties"][0]
    assert set(errors) == {where or "organization_type"}, errors


@pytest.mark.parametrize("why", ALLOWED_PARTIES)
def test_a_party_the_schema_allows_is_accepted(world: World, why: str) -> None:
    parties = [
        {"role": "applicant", "kind": "person", "name": "王芳"},
        ALLOWED_PARTIES[why],
        {"role": "respondent", "kind": "person", "name": "李娜"},
    ]
    answer = client_for(world.director).post(
        "/api/v1/disputes/", spec_payload(world, parties=parties), format="json"
    )
    assert answer.status_code == 201, answer.content


def test_a_new_phone_is_given_as_it_is_stored(schema: dict[str, Any], world: World) -> None:
    phone = schema["components"]["schemas"]["PhoneChangeRequest"]["properties"]["phone"]
    assert phone["pattern"] == PHONE_PATTERN.replace(r"\A", "^").replace(r"\Z", "$")
    answer = client_for(world.clerk).post(
        f"/api/v1/parties/{world.party.pk}/phone/", {"phone": "139 1111 2222"}, format="json"
    )
    assert answer.status_code == 400 and list(answer.json()) == ["phone"], answer.content


def test_a_session_has_a_place_or_an_online_link(schema: dict[str, Any], world: World) -> None:
    check = _validator(schema, "SessionCreateRequest")
    moment = {"scheduled_at": "2026-12-20T09:30:00+08:00"}
    assert check.is_valid({**moment, "place": "第一调解室"})
    assert check.is_valid({**moment, "online_link": "https://meet.example.cn/r/1"})
    assert check.is_valid({**moment, "place": " ", "online_link": "https://meet.example.cn/r/1"})
    for neither in ({}, {"place": ""}, {"place": " \u3000"}, {"place": "", "online_link": ""}):
        assert not check.is_valid({**moment, **neither}), neither
        dispute = dispute_in(world, "assigned")
        answer = client_for(world.mediator.user).post(
            f"/api/v1/disputes/{dispute.pk}/sessions/", {**moment, **neither}, format="json"
        )
        assert answer.status_code == 400 and list(answer.json()) == ["place"], answer.content
