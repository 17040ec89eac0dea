"""openapi.yaml: a valid OpenAPI 3.1 document that declares every response the mock sends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from sequences_mock.contract.openapi import DEFAULT_OPENAPI, Contract, base_path
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.formats.schema import compile_schema
from sequences_mock.http.api import HANDLERS
from sequences_mock.http.problems import STATUS_BY_CODE

ROOT_OPENAPI = Path(__file__).parent.parent / "openapi.yaml"
CONTRACT = Contract.load()
PUBLIC_CODES = {
    "too_many_requests",
    "service_unavailable",
    "bad_gateway",
    "gateway_timeout",
    "malformed_json",
    "validation_error",
    "paused_until_not_in_future",
    "unauthenticated",
    "insufficient_scope",
    "not_found",
    "invalid_state_transition",
    "unsupported_media_type",
    "content_too_large",
    "internal_error",
    "mock_contract_violation",
}


def test_openapi_passes_openapi_spec_validator():
    """The contract is a valid OpenAPI 3.1.0 document."""
    document = yaml.safe_load(ROOT_OPENAPI.read_text())

    validate(document, cls=OpenAPIV31SpecValidator)

    assert document["openapi"] == "3.1.0"


def test_the_packaged_contract_is_the_repository_one():
    """The copy shipped in the package is byte for byte the document at the repository root."""
    assert DEFAULT_OPENAPI.read_bytes() == ROOT_OPENAPI.read_bytes()


def test_every_operation_has_exactly_one_handler():
    """Routes come from the contract: each operationId maps to a handler and back."""
    assert {operation.operation_id for operation in CONTRACT.operations} == HANDLERS.keys()


@pytest.mark.parametrize(
    ("operation_id", "scope"),
    [
        ("listSequences", "sequences:read"),
        ("getSequence", "sequences:read"),
        ("updateSequence", "sequences:write"),
        ("pauseSequence", "sequences:write"),
        ("resumeSequence", "sequences:write"),
        ("stopSequence", "sequences:write"),
    ],
)
def test_each_operation_names_its_scope(operation_id, scope):
    """Each security requirement carries the scope the docs give for that operation."""
    assert CONTRACT.operation(operation_id).scopes == (scope,)


@pytest.mark.parametrize("operation", CONTRACT.operations, ids=lambda op: op.operation_id)
def test_every_status_the_mock_can_send_is_declared(operation):
    """Auth errors everywhere; 404 where there is an id; body errors where there is a body.

    429, 502, 503 and 504 are declared everywhere because a test can inject them as faults.
    """
    expected = {200, 401, 403, 429, 500, 502, 503, 504}
    if operation.path_parameters:
        expected.add(404)
    if operation.query_parameters or operation.body:
        expected.add(422)
    if operation.body:
        expected |= {400, 413, 415}
    if operation.operation_id in {"pauseSequence", "resumeSequence", "stopSequence"}:
        expected.add(409)

    assert set(operation.responses) == expected


def test_problem_codes_match_the_status_table():
    """Every code the public API can send is in the contract's Problem.code enum."""
    enum = set(CONTRACT.document["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])

    assert STATUS_BY_CODE.keys() >= PUBLIC_CODES
    assert enum == PUBLIC_CODES | {"method_not_allowed"}


def test_every_operation_is_tagged_and_described():
    """Generated clients and API browsers group operations by tag and show their descriptions."""
    document = CONTRACT.document
    declared = {tag["name"] for tag in document["tags"]}
    for item in document["paths"].values():
        for method, spec in item.items():
            if method in {"get", "patch", "post"}:
                assert spec["tags"] == ["Sequences"], spec["operationId"]
                assert spec["description"].strip(), spec["operationId"]
    assert declared == {"Sequences"}
    assert document["info"]["license"] == {"name": "MIT", "identifier": "MIT"}


def test_the_server_url_is_absolute_with_the_mock_defaults():
    """Tools that ignore a relative base path get `http://127.0.0.1:8080/v1` from the variables."""
    server = CONTRACT.document["servers"][0]
    url = server["url"]
    for name, variable in server["variables"].items():
        url = url.replace("{" + name + "}", variable["default"])

    assert url == "http://127.0.0.1:8080/v1"
    assert CONTRACT.base_path == "/v1"
    assert CONTRACT.operation("getSequence").path == "/v1/sequences/{sequence_id}"


@pytest.mark.parametrize(
    ("servers", "expected"),
    [
        ([{"url": "/v1"}], "/v1"),
        ([{"url": "/v1/"}], "/v1"),
        ([{"url": "https://api.example.com/v2"}], "/v2"),
        (
            [
                {
                    "url": "{scheme}://{host}/{version}",
                    "variables": {
                        "scheme": {"default": "http"},
                        "host": {"default": "a:1"},
                        "version": {"default": "v3"},
                    },
                }
            ],
            "/v3",
        ),
        ([{"url": "http://{host}/v1"}, {"url": "/other"}], "/v1"),
        ([], ""),
        (None, ""),
    ],
)
def test_the_base_path_is_the_path_of_the_first_server(servers, expected):
    """Relative or absolute, with variables or not: the mock serves under the URL's path."""
    document = {} if servers is None else {"servers": servers}

    assert base_path(document) == expected


def test_error_statuses_narrow_the_problem_with_typed_enums():
    """Every error response is a named schema narrowing Problem with `{type, enum}`, never
    `const`: generators merge those into typed models (a `const` made them drop the response)."""
    schemas = CONTRACT.document["components"]["schemas"]
    for operation in CONTRACT.operations:
        for status, spec in operation.responses.items():
            if status < 400:
                continue
            assert spec.media_type == "application/problem+json"
            raw = CONTRACT.document["paths"][operation.path.removeprefix("/v1")]
            response = raw[operation.method.lower()]["responses"][str(status)]
            schema = _resolve(response)["content"]["application/problem+json"]["schema"]
            named = schemas[schema["$ref"].rsplit("/", 1)[1]]
            base, narrowing = named["allOf"]
            assert base == {"$ref": "#/components/schemas/Problem"}
            assert narrowing["properties"]["status"] == {"type": "integer", "enum": [status]}
            assert narrowing["properties"]["code"]["type"] == "string"
    assert "const" not in ROOT_OPENAPI.read_text()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = CONTRACT.document["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
    return node


TIMESTAMP = compile_schema(CONTRACT.document["components"]["schemas"]["Timestamp"])


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 9, 0, 0, 120, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 0, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_every_timestamp_the_mock_writes_fits_the_timestamp_schema(moment: datetime) -> None:
    """The pattern spells out the whole UTC shape the mock writes, microseconds or not."""
    assert TIMESTAMP.is_valid(format_timestamp(moment))


@pytest.mark.parametrize(
    "text",
    ["2026-03-02T11:00:00+02:00", "2026-03-02T09:00:00+00:00", "2026-03-02T09:00:00", "Z"],
)
def test_the_timestamp_schema_refuses_offsets_and_non_timestamps(text: str) -> None:
    """Only `Z`: a generator keeping the pattern (date-times typed as strings) refuses the rest."""
    assert not TIMESTAMP.is_valid(text)
    assert not re.search(CONTRACT.document["components"]["schemas"]["Timestamp"]["pattern"], text)
