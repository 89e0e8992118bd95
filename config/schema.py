"""The API's OpenAPI schema (drf-spectacular), as the API behaves: what every operation answers
besides its success, and the bounds of what it accepts.

Project-wide rather than per view, so that a new endpoint is described as the others are:

- `AutoSchema` adds each refusal an operation can give, with its body: 400 (field errors) where it
  reads a body or query parameters, 401 where a token or session is read, 403 where a write may
  be refused (or a session's CSRF check fail), 404 where a path names an object (or a list is
  paged), 409 on a signed-in user's writes (the services check the state of what they change,
  under its row lock, and refuse a stale request: SPEC §3), 415 where a body is read (JSON
  only), 429 where the view is throttled. A view adds what only it can answer (a 403 on a read,
  a 409 described more closely) in its own `extend_schema(responses=…)`, and keeps anything it
  states itself.
- Strings that are trimmed and may not be blank say so (`pattern`), as do NUL characters, which
  no text field takes.
- Rules between fields that a serializer refuses (`schema_refuses`: an ID number without its
  type, a session with neither place nor link) are stated as a `not` of the combinations refused:
  OpenAPI 3.0 has no `dependentRequired`, and an `anyOf` beside the properties would make client
  generators read the body as a union of fragments.
- `split_path_parameter` turns one operation whose path ends in a name (a transition) into one
  operation per name, each with the request body that name takes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

# What Python's str.strip() (which DRF's CharField applies) takes away: ECMA-262's \s is not the
# same set (it lacks \x1c-\x1f and \x85), so it is spelt out.
_SPACE = (
    r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
    r"\u3000"
)
# Text without NUL characters (Django refuses them: PostgreSQL cannot store them) ...
TEXT_PATTERN = r"^[^\u0000]*$"
# ... and which is not blank once trimmed.
NON_BLANK_TEXT_PATTERN = rf"^[^\u0000]*[^\u0000{_SPACE}][^\u0000]*$"

JSON = ["application/json"]


def given(name: str, value: dict[str, Any] | None = None) -> dict[str, Any]:
    """Matches a body in which `name` is given: present, and by default a string that is not
    blank once trimmed (what DRF's CharField and ChoiceField read as given); else `value`."""
    return {"required": [name], "properties": {name: value or {"pattern": f"[^{_SPACE}]"}}}


@dataclass(frozen=True)
class Refused:
    """A combination of fields a serializer refuses (its `schema_refuses`), as the JSON Schema
    of the bodies that have it, and in words for the body's description."""

    says: str
    schema: dict[str, Any]


class ErrorSerializer(serializers.Serializer):
    """A refusal other than invalid input: what went wrong, in the caller's language."""

    detail = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="409: each condition that stands in the way (e.g. a transition's unmet guards).",
    )


class ValidationErrorSerializer(serializers.Serializer):
    """Stands for DRF's field errors in the schema (`ValidationErrorExtension`)."""


class ValidationErrorExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": (
                "Invalid input. Each key names a field of the body, or a query parameter; its "
                "value lists the messages. A nested object carries its own field errors, a list "
                "of objects one entry per item (empty for the valid ones). `non_field_errors` is "
                "about the request as a whole; `detail` says why a body could not be read at all."
            ),
            "properties": {"detail": {"type": "string"}, "non_field_errors": messages},
            "additionalProperties": {
                "anyOf": [
                    {
                        "type": "array",
                        "items": {
                            "anyOf": [
                                {"type": "string"},
                                {"type": "array", "items": {}},
                                {"type": "object"},
                            ]
                        },
                    },
                    {"type": "object"},
                ]
            },
        }


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


INVALID = OpenApiResponse(ValidationErrorSerializer, description="Invalid input: field errors.")
UNAUTHENTICATED = _error(
    "No credentials, or not valid ones: a token (`Authorization: Token …`) or a session."
)
FORBIDDEN = _error(
    "Signed in, but not allowed to do this (or a session request without its CSRF token)."
)
NOT_FOUND = _error("No such object, or not one the caller may see.")
NOT_FOUND_OR_PAGE = _error("A page past the last one.")
CONFLICT = _error(
    "Not possible in the object's current state, or the object changed meanwhile (a stale "
    "`expected_state` or `expected_version`); `reasons` says what stands in the way."
)
CONFLICT_STATE = _error(
    "Not possible for the object in its current state (or not yet: `reasons` lists the unmet "
    "conditions), or the object changed meanwhile (a stale `expected_state`)."
)
UNSUPPORTED = _error("The body is not JSON (`Content-Type: application/json`).")
THROTTLED = _error("Too many requests; `Retry-After` says in how many seconds to try again.")

_HEADERS: dict[str, dict[str, Any]] = {
    # DRF answers 401 only when it can name a scheme to authenticate with (otherwise 403).
    "401": {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with (`Token`).",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds until the next request may be made.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema with every operation's refusals and tighter string bounds."""

    def get_auth(self) -> list[dict[str, Any]]:
        # A view that asks for no permission at all (the token endpoint) needs no credentials.
        if not self.view.get_permissions():
            return []
        return super().get_auth()

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            # django-filter's choice filters carry the model field's verbose name as a title,
            # which client generators turn into type names ("类型"); the description says more.
            parameter["schema"].pop("title", None)
            parameter["schema"].get("items", {}).pop("title", None)
        responses = operation["responses"]
        for code, response in self._refusals(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, JSON)
            if code in _HEADERS:
                responses[code].setdefault("headers", {}).update(_HEADERS[code])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _refusals(self, operation: dict[str, Any]) -> dict[str, OpenApiResponse]:
        """The refusals this operation can answer, by status code."""
        locations = {parameter["in"] for parameter in operation.get("parameters", [])}
        has_body = "requestBody" in operation
        authenticators = self.view.get_authenticators()
        security = operation.get("security", [])
        signed_in = bool(security) and {} not in security
        write = self.method not in permissions.SAFE_METHODS
        csrf = any(isinstance(a, SessionAuthentication) for a in authenticators)
        paged = self._is_list_view() and self._get_paginator() is not None
        refusals: dict[str, OpenApiResponse] = {}
        if has_body or "query" in locations:
            refusals["400"] = INVALID
        if authenticators:
            # Even where no sign-in is needed, a token that is sent is checked.
            refusals["401"] = UNAUTHENTICATED
        if write and (signed_in or csrf):
            refusals["403"] = FORBIDDEN
        if "path" in locations:
            refusals["404"] = NOT_FOUND
        elif paged:
            refusals["404"] = NOT_FOUND_OR_PAGE
        if write and signed_in:
            refusals["409"] = CONFLICT
        if has_body:
            refusals["415"] = UNSUPPORTED
        if self.view.throttle_classes:
            refusals["429"] = THROTTLED
        return refusals

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not isinstance(schema, dict):
            return schema
        if (
            schema.get("type") == "string"
            and type(field) is serializers.CharField
            and "pattern" not in schema
        ):
            blank_allowed = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = TEXT_PATTERN if blank_allowed else NON_BLANK_TEXT_PATTERN
        if (
            schema.get("type") == "array"
            and isinstance(field, serializers.ListSerializer | serializers.ListField)
            and not field.allow_empty
        ):
            # DRF's `allow_empty=False`, which drf-spectacular leaves out.
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        if isinstance(field, serializers.ListSerializer) and field.max_length is not None:
            schema["maxItems"] = field.max_length
        return schema

    def _get_request_body(self, direction: str = "request") -> dict[str, Any] | None:
        body = super()._get_request_body(direction)
        # A choice of bodies (one per `kind`) is required: each of them has required fields.
        if body and isinstance(self.get_request_serializer(), PolymorphicProxySerializer):
            body["required"] = True
        return body

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        # A serializer that refuses fields it does not declare (`refuses_unknown_fields`) says so.
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        refused: tuple[Refused, ...] = getattr(serializer, "schema_refuses", ())
        if direction == "request" and refused:
            combinations = [rule.schema for rule in refused]
            schema["not"] = combinations[0] if len(combinations) == 1 else {"anyOf": combinations}
            says = "\n".join(f"- {rule.says}" for rule in refused)
            schema["description"] = "\n\n".join(
                part for part in (schema.get("description", ""), f"Refused:\n{says}") if part
            )
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        # drf-spectacular offers a blank string besides a pattern (`oneOf`); TEXT_PATTERN takes
        # a blank string already, and both branches matching "" would make it invalid.
        branches = schema.get("oneOf")
        if (
            isinstance(branches, list)
            and len(branches) == 2
            and branches[0].get("pattern") == TEXT_PATTERN
            and branches[1] == {"type": "string", "maxLength": 0}
        ):
            schema.pop("oneOf")
            schema.update(branches[0])


def split_path_parameter(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Postprocessing hook: an operation marked `x-split` (see `split_by_name`) becomes one
    operation per name, at the path with that name filled in, each with its own request body.

    A transition's data depends on the transition (`assign` needs a mediator, `decline` a
    reason); one operation with a `{name}` parameter could only say "any of these fields". The
    URLs are the same ones the API always answered.
    """
    schemas = result.get("components", {}).get("schemas", {})
    paths: dict[str, dict[str, Any]] = {}
    for path, item in result["paths"].items():
        for method, operation in item.items():
            split = operation.pop("x-split", None) if isinstance(operation, dict) else None
            if split is None:
                paths.setdefault(path, {})[method] = operation
                continue
            parameter = split["parameter"]
            content = operation["requestBody"]["content"]
            schemas.pop(next(iter(content.values()))["schema"]["$ref"].rpartition("/")[2], None)
            stem, _sep, verb = operation["operationId"].rpartition("_")
            for name, spec in split["names"].items():
                one = copy.deepcopy(operation)
                one["operationId"] = f"{stem}_{name}_{verb}"
                one["description"] = spec["description"]
                one["parameters"] = [p for p in one["parameters"] if p["name"] != parameter]
                component = next(
                    c for c in (spec["component"] + "Request", spec["component"]) if c in schemas
                )
                for media in one["requestBody"]["content"].values():
                    media["schema"] = {"$ref": f"#/components/schemas/{component}"}
                one["requestBody"]["required"] = bool(schemas[component].get("required"))
                paths.setdefault(path.replace("{" + parameter + "}", name), {})[method] = one
    result["paths"] = paths
    return result


def split_by_name(
    component_name: str, parameter: str, inputs: dict[str, type[serializers.Serializer]]
) -> dict[str, Any]:
    """`extend_schema` arguments for an operation `split_path_parameter` splits: one request
    body per value of the path parameter `parameter` (`component_name` names the stand-in for
    all of them, which the hook removes)."""
    return {
        "request": PolymorphicProxySerializer(
            component_name=component_name,
            serializers=list(inputs.values()),
            resource_type_field_name=None,
        ),
        "extensions": {
            "x-split": {
                "parameter": parameter,
                "names": {
                    name: {
                        "component": serializer.__name__.removesuffix("Serializer"),
                        "description": (serializer.__doc__ or "").strip(),
                    }
                    for name, serializer in inputs.items()
                },
            }
        },
    }
