"""Authentication, scopes, the order of refusals and workspace isolation for every operation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from default_world import (
    AMELIE_RUN,
    GLOBEX_READ_WRITE,
    NO_SCOPES,
    READ_ONLY,
    READ_WRITE,
    WRITE_ONLY,
    bearer,
)
from http_helpers import MALFORMED_ID, assert_problem, assert_validation_error, state

PAUSED_RUN = "3b6b9066-45e2-4114-b288-04dbff2fff15"  # Acme, WAITING_FOR_LEAD until 10:00


def operation(
    name: str, sequence_id: str | None = None, body: Any = None
) -> tuple[str, str, dict[str, Any]]:
    """Method, URL and request arguments of one operation with a valid request by default."""
    if name == "listSequences":
        return "GET", "/v1/sequences", {"params": body or {"size": 5}}
    if name == "getSequence":
        return "GET", f"/v1/sequences/{sequence_id or AMELIE_RUN}", {}
    default_id, suffix, valid = {
        "updateSequence": (AMELIE_RUN, "", {"variables": {"company": "X"}}),
        "pauseSequence": (AMELIE_RUN, "/pause", {"paused_until": "2026-03-02T12:00:00Z"}),
        "resumeSequence": (PAUSED_RUN, "/resume", {}),
        "stopSequence": (AMELIE_RUN, "/stop", {"reason": "WIN", "scope": "COMPANY"}),
    }[name]
    method = "PATCH" if name == "updateSequence" else "POST"
    url = f"/v1/sequences/{sequence_id or default_id}{suffix}"
    return method, url, {"json": valid if body is None else body}


def send(client: httpx.Client, name: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
    method, url, arguments = operation(name, **kwargs)
    return client.request(method, url, headers=headers, **arguments)


READS = ["listSequences", "getSequence"]
WRITES = ["updateSequence", "pauseSequence", "resumeSequence", "stopSequence"]
OPERATIONS = READS + WRITES
INVALID_BODIES = {
    "updateSequence": {"variables": {"a": 1}},
    "pauseSequence": {"paused_until": "soon"},
    "resumeSequence": {"x": 1},
    "stopSequence": {"reason": "DRAW"},
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_valid_request_succeeds(client: httpx.Client, name: str) -> None:
    """With the read-write key, the valid request of each operation is 200 (baseline)."""
    assert send(client, name, bearer(READ_WRITE)).status_code == 200


@pytest.mark.parametrize("name", OPERATIONS)
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer sk_test_nobody",
        "Basic xyz",
        "Bearer",
        "Bearer ",
        "sk_test_acme_read_write",
        "Basic sk_test_acme_read_write",
    ],
    ids=[
        "missing",
        "unknown-key",
        "basic",
        "bearer-no-token",
        "bearer-blank",
        "bare-key",
        "basic-key",
    ],
)
def test_unauthenticated(client: httpx.Client, name: str, authorization: str | None) -> None:
    """No usable bearer key is 401 unauthenticated with a Bearer challenge, and changes nothing."""
    headers = {} if authorization is None else {"Authorization": authorization}
    before = state(client)
    response = send(client, name, headers)
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert state(client) == before


@pytest.mark.parametrize(
    ("key", "name"),
    [(READ_ONLY, name) for name in WRITES]
    + [(WRITE_ONLY, name) for name in READS]
    + [(NO_SCOPES, name) for name in OPERATIONS],
)
def test_insufficient_scope(client: httpx.Client, key: str, name: str) -> None:
    """A known key without the operation's scope is 403 insufficient_scope, and changes nothing."""
    before = state(client)
    response = send(client, name, bearer(key))
    document = assert_problem(response, 403, "insufficient_scope")
    needed = "sequences:read" if name in READS else "sequences:write"
    assert needed in document["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert needed in response.headers["www-authenticate"]
    assert state(client) == before


@pytest.mark.parametrize(
    ("key", "name"), [(READ_ONLY, n) for n in READS] + [(WRITE_ONLY, n) for n in WRITES]
)
def test_sufficient_single_scope(client: httpx.Client, key: str, name: str) -> None:
    """A key with just the needed scope is enough."""
    assert send(client, name, bearer(key)).status_code == 200


@pytest.mark.parametrize("name", WRITES)
def test_scope_is_checked_before_the_body(client: httpx.Client, name: str) -> None:
    """A read-only key with an invalid body is 403, not 422."""
    response = send(client, name, bearer(READ_ONLY), body=INVALID_BODIES[name])
    assert_problem(response, 403, "insufficient_scope")


@pytest.mark.parametrize("name", WRITES)
def test_authentication_is_checked_before_the_body(client: httpx.Client, name: str) -> None:
    """An unknown key with an invalid body is 401, not 422."""
    response = send(client, name, bearer("sk_test_nobody"), body=INVALID_BODIES[name])
    assert_problem(response, 401, "unauthenticated")


def test_authentication_is_checked_before_query_parameters(client: httpx.Client) -> None:
    """An unknown key with invalid list parameters is 401, not 422."""
    response = send(client, "listSequences", bearer("sk_test_nobody"), body={"size": 0})
    assert_problem(response, 401, "unauthenticated")


def test_scope_is_checked_before_query_parameters(client: httpx.Client) -> None:
    """A write-only key with invalid list parameters is 403, not 422."""
    response = send(client, "listSequences", bearer(WRITE_ONLY), body={"size": 0})
    assert_problem(response, 403, "insufficient_scope")


def test_valid_key_with_invalid_parameters_is_422(client: httpx.Client) -> None:
    """With a good key the same invalid parameters are 422 (the order's last step)."""
    response = send(client, "listSequences", bearer(READ_WRITE), body={"size": 0})
    assert_validation_error(response, "query", {"size"})


@pytest.mark.parametrize("name", OPERATIONS[1:])
def test_authentication_is_checked_before_the_id(client: httpx.Client, name: str) -> None:
    """Without a key a malformed id is still 401."""
    response = send(client, name, {}, sequence_id=MALFORMED_ID)
    assert_problem(response, 401, "unauthenticated")


@pytest.mark.parametrize("name", WRITES)
def test_scope_is_checked_before_the_id(client: httpx.Client, name: str) -> None:
    """A read-only key on a write with a malformed id is 403."""
    response = send(client, name, bearer(READ_ONLY), sequence_id=MALFORMED_ID)
    assert_problem(response, 403, "insufficient_scope")


@pytest.mark.parametrize("name", OPERATIONS[1:])
def test_malformed_id_with_valid_key_is_404(client: httpx.Client, name: str) -> None:
    """A malformed id with a valid key is 404 not_found, not 422."""
    response = send(client, name, bearer(READ_WRITE), sequence_id=MALFORMED_ID)
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("name", WRITES)
def test_malformed_id_wins_over_an_invalid_body(client: httpx.Client, name: str) -> None:
    """A malformed id is 404 even when the body is invalid too."""
    response = send(
        client, name, bearer(READ_WRITE), sequence_id=MALFORMED_ID, body=INVALID_BODIES[name]
    )
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("name", OPERATIONS[1:])
def test_globex_key_cannot_reach_acme_runs(client: httpx.Client, name: str) -> None:
    """Every operation on an Acme id with the Globex key is 404 and changes nothing."""
    before = state(client)
    response = send(client, name, bearer(GLOBEX_READ_WRITE))
    assert_problem(response, 404, "not_found")
    assert state(client) == before


def test_bearer_scheme_is_case_insensitive(client: httpx.Client) -> None:
    """The auth scheme name is matched case-insensitively (RFC 7235)."""
    response = client.get("/v1/sequences", headers={"Authorization": f"bearer {READ_WRITE}"})
    assert response.status_code == 200
