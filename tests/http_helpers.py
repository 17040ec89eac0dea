"""Helpers shared by the public-API HTTP tests: state look-ups and problem checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from default_world import ACME, sequences_in_state

SEQUENCE_KEYS = {
    "id",
    "workspace_id",
    "contact_id",
    "template_id",
    "status",
    "variables",
    "contact_list_id",
    "last_step_executed_at",
    "created_at",
    "updated_at",
}
MOCK_ONLY_KEYS = {
    "paused_until",
    "stop_reason",
    "next_step",
    "next_step_at",
    "skipped_steps",
    "refusal_reason",
}
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
ALL_STATUSES = (
    "ACTIVE",
    "WAITING_FOR_LEAD",
    "WAITING_FOR_USER",
    "SUCCEEDED",
    "FAILED",
    "STOPPED_EARLY",
    "COMPLETED",
    "FOUND",
    "REFUSED",
)
NON_TERMINAL = ("ACTIVE", "WAITING_FOR_LEAD", "WAITING_FOR_USER", "FOUND")
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED_EARLY", "COMPLETED", "REFUSED")
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
MALFORMED_ID = "not-a-uuid"


def state(client: httpx.Client) -> dict[str, Any]:
    """The whole control-plane state dump."""
    response = client.get("/__mock/state")
    assert response.status_code == 200
    return response.json()


def state_sequences(client: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every sequence in the state dump, keyed by id."""
    return {sequence["id"]: sequence for sequence in state(client)["sequences"]}


def state_of(client: httpx.Client, sequence_id: str) -> dict[str, Any]:
    """One sequence as the state dump shows it (mock-only fields included)."""
    return state_sequences(client)[sequence_id]


def run_in_status(client: httpx.Client, status: str, workspace_id: str = ACME) -> str:
    """The id of the first run of the workspace in `status` (the default world has one of each)."""
    found = sequences_in_state(client, workspace_id=workspace_id, status=status)
    assert found, f"the default world has no {status} run in {workspace_id}"
    return found[0]["id"]


def advance(client: httpx.Client, seconds: float) -> None:
    response = client.post("/__mock/clock", json={"advance_seconds": seconds})
    assert response.status_code == 200


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check an RFC 9457 problem answer and return its document."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    document = response.json()
    assert document.keys() >= PROBLEM_KEYS
    assert document["status"] == status
    assert document["code"] == code
    assert isinstance(document["type"], str)
    assert document["type"]
    assert isinstance(document["title"], str)
    assert document["title"]
    assert isinstance(document["detail"], str)
    assert document["detail"]
    return document


def assert_validation_error(
    response: httpx.Response, location: str, names: set[str] | None = None
) -> list[dict[str, str]]:
    """Check a 422 validation_error whose errors all point at `location` (and name `names`)."""
    document = assert_problem(response, 422, "validation_error")
    errors = document["errors"]
    assert errors
    for error in errors:
        assert set(error) == {"in", "name", "message"}
        assert error["in"] == location
        assert error["message"]
    if names is not None:
        assert {error["name"] for error in errors} == names
    return errors


def assert_sequence_shape(sequence: dict[str, Any]) -> None:
    """Exactly the public fields, never the mock-only ones, timestamps in UTC with Z."""
    assert set(sequence) == SEQUENCE_KEYS
    for name in ("created_at", "updated_at"):
        assert sequence[name].endswith("Z")
    if sequence["last_step_executed_at"] is not None:
        assert sequence["last_step_executed_at"].endswith("Z")


def public(sequence: dict[str, Any]) -> dict[str, Any]:
    """A state-dump sequence without its mock-only fields: what the API should return."""
    return {key: value for key, value in sequence.items() if key not in MOCK_ONLY_KEYS}


def asgi_scope(
    method: str, path: str, headers: Iterable[tuple[bytes, bytes]] = (), query: bytes = b""
) -> dict[str, Any]:
    """The scope of one HTTP request as uvicorn hands it to the app, for hand-driven calls."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"mock"), *headers],
        "server": ("mock", 80),
        "client": ("tester", 1),
    }
