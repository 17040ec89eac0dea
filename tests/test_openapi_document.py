"""openapi.yaml: a valid OpenAPI 3.1 document that declares every response the mock sends."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from sequences_mock.contract.openapi import DEFAULT_OPENAPI, Contract
from sequences_mock.http.api import HANDLERS
from sequences_mock.http.problems import STATUS_BY_CODE

ROOT_OPENAPI = Path(__file__).parent.parent / "openapi.yaml"
CONTRACT = Contract.load()
PUBLIC_CODES = {
    "too_many_requests",
    "service_unavailable",
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

    429 and 503 are declared everywhere because a test can inject them as faults.
    """
    expected = {200, 401, 403, 429, 500, 503}
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
