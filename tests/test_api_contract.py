"""The API keeps to its schema: what the schema documents it answers, what it forbids is a 400.

The schemathesis run (tests/test_api_schemathesis.py) finds the disagreements at random; these
are the rules it found broken, one request each, and the schema's statements behind them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command

from mediation.api.serializers import TRANSITION_DATA
from tests.conftest import World, client_for
from tests.mediation.helpers import SPEC_TRANSITIONS, dispute_in, right_actor, valid_data
from tests.mediation.test_api import spec_payload


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
    assert body("/api/v1/disputes/{id}/transitions/decline/")["required"] == ["reason"]
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
    "name", [name for name, (_doc, fields) in TRANSITION_DATA.items() if any(fields.values())]
)
def test_a_transitions_required_data_is_what_its_service_asks_for(world: World, name: str) -> None:
    """The schema's per-transition bodies (mediation/api/serializers.py) and the service's own
    checks agree: without its data, a transition the caller may take now is a 400 on a field
    the schema marks required."""
    sources, _target = SPEC_TRANSITIONS[name]
    dispute = dispute_in(world, sorted(sources)[0])
    required = {field for field, needed in TRANSITION_DATA[name][1].items() if needed}
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
