"""openapi.yaml and control.openapi.yaml: valid OpenAPI 3.1 documents that declare every response
the mock sends."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

import sequences_mock.app  # noqa: F401  (every module, so every MockError subclass, is loaded)
from sequences_mock.contract.openapi import (
    CONTROL_OPENAPI,
    DEFAULT_OPENAPI,
    Contract,
    Operation,
    base_path,
)
from sequences_mock.contract.validation import check_response
from sequences_mock.core import errors
from sequences_mock.core.errors import FieldProblem, MockError
from sequences_mock.core.lifecycle import MAX_VARIABLES
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.formats.schema import compile_schema
from sequences_mock.http.api import HANDLERS
from sequences_mock.http.problems import STATUS_BY_CODE, problem_for

ROOT_OPENAPI = Path(__file__).parents[2] / "openapi.yaml"
CONTRACT = Contract.load()
CONTROL = Contract.load(CONTROL_OPENAPI)
PUBLIC_CODES = {
    "too_many_requests",
    "service_unavailable",
    "bad_gateway",
    "gateway_timeout",
    "world_replaced",
    "misdirected_request",
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


@pytest.mark.parametrize("source", [ROOT_OPENAPI, CONTROL_OPENAPI], ids=["public", "control"])
def test_openapi_passes_openapi_spec_validator(source):
    """Both contracts are valid OpenAPI 3.1.0 documents."""
    document = yaml.safe_load(source.read_text())

    validate(document, cls=OpenAPIV31SpecValidator)

    assert document["openapi"] == "3.1.0"


@pytest.mark.parametrize("operation", CONTROL.operations, ids=lambda op: op.operation_id)
def test_each_control_operation_can_name_a_generated_method(operation):
    """What a client generator needs of each operation: an id, a summary and a tag."""
    path = operation.path.removeprefix(CONTROL.base_path)
    spec = CONTROL.document["paths"][path][operation.method.lower()]
    tags = {tag["name"] for tag in CONTROL.document["tags"]}

    assert spec["summary"]
    assert spec["tags"]
    assert set(spec["tags"]) <= tags


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

    429, 502, 503 and 504 are declared everywhere because a test can inject them as faults;
    422 too, since the choice `unknown_query_parameter=reject` refuses a query anywhere; 409
    for updates too, since the choice `update_from=unfinished` refuses a finished run's.
    """
    expected = {200, 401, 403, 421, 422, 429, 500, 502, 503, 504}
    if operation.path_parameters:
        expected.add(404)
    if operation.body:
        expected |= {400, 413, 415}
    if operation.operation_id in {
        "updateSequence",
        "pauseSequence",
        "resumeSequence",
        "stopSequence",
    }:
        expected.add(409)

    assert set(operation.responses) == expected


def test_problem_codes_match_the_status_table():
    """Every code the public API can send is in the contract's Problem.code enum."""
    enum = set(CONTRACT.document["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])

    assert STATUS_BY_CODE.keys() >= PUBLIC_CODES
    assert enum == PUBLIC_CODES | {"method_not_allowed"}


def error_classes() -> list[type[MockError]]:
    """Every subclass of MockError, at any depth."""
    found: list[type[MockError]] = []
    todo = [MockError]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    return found


def an_error(code: str) -> BaseException:
    """An error the mock raises for `code`, as the code raises it; a bug for internal_error."""
    if code == "internal_error":
        return RuntimeError("a bug")
    (cls,) = [cls for cls in error_classes() if cls.code == code]
    if cls is errors.InsufficientScope:
        return cls("listSequences needs the sequences:read scope", "sequences:read")
    problems = [FieldProblem("query", "size", "101 is greater than the maximum of 100")]
    if cls is errors.ValidationFailed:
        return cls(problems)
    if cls is errors.InvalidFixtures:
        return cls("the fixture document has 1 problem", problems)
    return cls("what went wrong")


def test_every_error_code_has_a_status():
    """A code missing from the table would be a KeyError, so a 500; none is missing."""
    classes = error_classes()
    codes = {cls.code for cls in classes}
    in_core = {value for value in vars(errors).values() if isinstance(value, type)}

    assert {cls for cls in in_core if issubclass(cls, MockError)} - {MockError} <= set(classes)
    assert len(codes) == len(classes)  # one code per class
    assert sorted(codes - STATUS_BY_CODE.keys()) == []


def public_codes(operation: Operation) -> set[str]:
    """The codes the public API can answer `operation` with, from what the operation takes."""
    codes = {
        "unauthenticated",
        "insufficient_scope",
        "internal_error",
        "mock_contract_violation",
        "world_replaced",  # a reset or seed came while its body or a fault's delay was awaited
        "misdirected_request",  # a loopback mock asked under another host name
    }
    if operation.path_parameters:
        codes.add("not_found")
    if operation.query_parameters or operation.body:
        codes.add("validation_error")
    if operation.body:
        codes |= {"malformed_json", "content_too_large", "unsupported_media_type"}
    if operation.operation_id in {
        "updateSequence",
        "pauseSequence",
        "resumeSequence",
        "stopSequence",
    }:
        codes.add("invalid_state_transition")
    if operation.operation_id == "pauseSequence":
        codes.add("paused_until_not_in_future")
    return codes


def control_codes(operation: Operation) -> set[str]:
    """The codes the control plane can answer `operation` with."""
    codes = {"internal_error", "mock_contract_violation", "misdirected_request"}
    if operation.operation_id != "getHealth":
        codes.add("unauthenticated")  # with a control token set
    if operation.method not in ("GET", "HEAD"):
        codes |= {"forbidden_origin", "unsupported_media_type"}
    if operation.query_parameters:
        codes.add("validation_error")
    if operation.body:
        codes |= {"malformed_json", "content_too_large", "validation_error", "world_replaced"}
    if operation.path_parameters:
        codes.add("not_found")
    codes |= {
        "seedWorld": {
            "malformed_document",
            "unsupported_media_type",
            "invalid_fixtures",
            "seed_queue_full",
        },
        "changeClock": {"invalid_clock_change"},
        "enrollContact": {"duplicate_id"},
        "completeTask": {"invalid_state_transition"},
    }.get(operation.operation_id, set())
    return codes


REACHABLE = [
    *(
        (operation, code)
        for operation in CONTRACT.operations
        for code in sorted(public_codes(operation))
    ),
    *(
        (operation, code)
        for operation in CONTROL.operations
        for code in sorted(control_codes(operation))
    ),
]


@pytest.mark.parametrize(
    ("operation", "code"), REACHABLE, ids=[f"{o.operation_id}-{c}" for o, c in REACHABLE]
)
def test_each_answer_the_mock_can_give_is_declared(operation, code):
    """The status the table gives each reachable code is declared for the operation, and the
    answer the mock builds for it (document and headers) passes the operation's response check,
    in the public contract and in the control plane's."""
    status, document, headers = problem_for(an_error(code), operation.method, operation.path)

    assert status == STATUS_BY_CODE[code]
    check_response(operation, status, document, headers)


def test_every_code_of_the_table_is_reached_somewhere():
    """No row is dead: each code is reachable on an operation, or from the router or a fault."""
    router_or_fault = {
        "method_not_allowed",
        "too_many_requests",
        "service_unavailable",
        "bad_gateway",
        "gateway_timeout",
    }
    reached = {code for _, code in REACHABLE}

    assert STATUS_BY_CODE.keys() == reached | router_or_fault


def test_control_problem_codes_are_the_control_planes():
    """The control document's Problem.code enum is what its operations and the router send."""
    problem = CONTROL.document["components"]["schemas"]["Problem"]["properties"]["code"]
    reached = {code for operation in CONTROL.operations for code in control_codes(operation)}

    assert set(problem["enum"]) == reached | {"not_found", "method_not_allowed"}


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


@pytest.mark.parametrize("contract", [CONTRACT, CONTROL], ids=["public", "control"])
def test_every_integer_query_parameter_has_a_maximum(contract: Contract) -> None:
    """A client learns the range from the document, and the mock never reads a number past it."""
    unbounded = [
        f"{operation.operation_id}.{parameter['name']}"
        for operation in contract.operations
        for parameter in contract.document["paths"][
            operation.path.removeprefix(contract.base_path)
        ][operation.method.lower()].get("parameters", [])
        if parameter.get("in") == "query"
        and parameter.get("schema", {}).get("type") == "integer"
        and "maximum" not in parameter["schema"]
    ]
    assert unbounded == []


def _variables_schemas() -> dict[str, dict[str, Any]]:
    """Every schema of a run's (or a template's) variables, in each document that has one."""
    fixture = json.loads((files("sequences_mock") / "fixture.schema.json").read_text())
    public = CONTRACT.document["components"]["schemas"]
    return {
        "openapi Sequence": public["Sequence"]["properties"]["variables"],
        "openapi UpdateSequenceRequest": public["UpdateSequenceRequest"]["properties"]["variables"],
        "control Variables": CONTROL.document["components"]["schemas"]["Variables"],
        "fixture variables": fixture["$defs"]["variables"],
    }


@pytest.mark.parametrize(("where", "schema"), list(_variables_schemas().items()))
def test_every_document_declares_the_same_variable_limits(where: str, schema: dict) -> None:
    """What the API accepts, the fixtures and the control plane accept too, and a dump of any
    state seeds back; the count is also checked on the merged result (`MAX_VARIABLES`)."""
    assert schema["maxProperties"] == MAX_VARIABLES
    assert schema["propertyNames"] == {"maxLength": 100}
    assert schema["additionalProperties"]["maxLength"] == 10_000
