"""Injected faults at /__mock/faults: the next matching calls fail or arrive late, on demand."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from default_world import ACME, AMELIE_RUN, READ_WRITE, bearer, sequences_in_state
from sequences_mock.contract.openapi import Contract

RW = bearer(READ_WRITE)
CONTRACT = Contract.load()
OPERATIONS = [operation.operation_id for operation in CONTRACT.operations]
#: The problem code each error status means (the README's table of errors).
CODES = {
    400: "malformed_json",
    401: "unauthenticated",
    403: "insufficient_scope",
    404: "not_found",
    409: "invalid_state_transition",
    413: "content_too_large",
    415: "unsupported_media_type",
    421: "misdirected_request",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
#: Every (operation, error status) the contract declares: each one a fault can inject.
INJECTABLE = [
    (operation.operation_id, status)
    for operation in CONTRACT.operations
    for status in sorted(operation.responses)
    if status >= 400
]
#: A request per operation that the default world answers with 200.
CALLS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "listSequences": ("GET", "/v1/sequences", None),
    "getSequence": ("GET", "/v1/sequences/{id}", None),
    "updateSequence": ("PATCH", "/v1/sequences/{id}", {"variables": {"cta": "Coffee?"}}),
    "pauseSequence": ("POST", "/v1/sequences/{id}/pause", {"paused_until": "2026-03-09T09:00:00Z"}),
    "resumeSequence": ("POST", "/v1/sequences/{id}/resume", None),
    "stopSequence": ("POST", "/v1/sequences/{id}/stop", {"reason": "WIN"}),
}
WRITES = ["updateSequence", "pauseSequence", "resumeSequence", "stopSequence"]


def target(client: httpx.Client, operation: str) -> str:
    """A run the operation succeeds on: a paused run for resume, Amélie's ACTIVE run otherwise."""
    if operation == "resumeSequence":
        return sequences_in_state(client, workspace_id=ACME, status="WAITING_FOR_LEAD")[0]["id"]
    return AMELIE_RUN


def call(
    client: httpx.Client, operation: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """Make the operation's usual request (with the read-write key unless `headers` say else)."""
    method, path, body = CALLS[operation]
    return client.request(
        method,
        path.format(id=target(client, operation)),
        json=body,
        headers=RW if headers is None else headers,
    )


def queue(client: httpx.Client, **fault: Any) -> dict[str, Any]:
    """POST a fault, which must be accepted."""
    response = client.post("/__mock/faults", json=fault)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def pending(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get("/__mock/faults")
    assert response.status_code == 200
    return response.json()["faults"]


def journal(client: httpx.Client) -> list[dict[str, Any]]:
    return client.get("/__mock/requests").json()["requests"]


def assert_fault_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """An injected error: a problem+json document with the status and the code it means."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document = response.json()
    assert document["status"] == status
    assert document["code"] == CODES[status]
    for name in ("type", "title", "detail"):
        assert isinstance(document[name], str)
        assert document[name]
    return document


def test_every_contract_operation_has_a_request_here():
    """The parametrized tests below cover each operation openapi.yaml declares."""
    assert set(CALLS) == set(OPERATIONS)


# -- queueing, listing, clearing ----------------------------------------------------------------


def test_a_queued_fault_is_answered_with_its_defaults(client):
    """POST answers 201 with the fault: an id, times 1, no delay, no Retry-After unless given."""
    fault = queue(client, operation="listSequences", status=503)

    assert fault == {
        "id": fault["id"],
        "operation": "listSequences",
        "status": 503,
        "times": 1,
        "delay_ms": 0,
        "retry_after": None,
        "network": None,
    }
    assert isinstance(fault["id"], int)
    assert pending(client) == [fault]


def test_a_fault_keeps_every_field_it_was_given(client):
    """Explicit times, delay_ms and retry_after come back as queued; ids differ per fault."""
    first = queue(client, operation="*", status=429, times=4, delay_ms=5, retry_after=30)
    second = queue(client, operation="getSequence", delay_ms=10)

    assert {**first, "id": None} == {
        "id": None,
        "operation": "*",
        "status": 429,
        "times": 4,
        "delay_ms": 5,
        "retry_after": 30,
        "network": None,
    }
    assert (second["status"], second["delay_ms"], second["times"]) == (None, 10, 1)
    assert first["id"] != second["id"]
    assert pending(client) == [first, second]


def test_pending_times_count_down_as_calls_meet_the_fault(client):
    """GET /__mock/faults shows the calls a fault has left; a spent fault is no longer listed."""
    fault = queue(client, operation="listSequences", status=503, times=3)

    left = []
    for _ in range(3):
        assert call(client, "listSequences").status_code == 503
        left.append([f["times"] for f in pending(client) if f["id"] == fault["id"]])

    assert left == [[2], [1], []]
    assert call(client, "listSequences").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [("DELETE", "/__mock/faults", {"cleared": 2}), ("POST", "/__mock/reset", None)],
)
def test_clearing_faults_lets_calls_through_again(client, method, path, answer):
    """DELETE /__mock/faults (answering how many it cleared) and reset drop pending faults."""
    queue(client, operation="listSequences", status=503, times=5)
    queue(client, operation="*", status=500)

    response = client.request(method, path)

    assert response.status_code == 200
    if answer is not None:
        assert response.json() == answer
    assert pending(client) == []
    assert call(client, "listSequences").status_code == 200


def test_a_new_fault_id_is_never_one_the_journal_already_shows(client):
    """After DELETE /__mock/faults, a new fault does not reuse an id journaled entries refer to."""
    old = queue(client, operation="listSequences", status=503, times=2)
    call(client, "listSequences")
    assert client.delete("/__mock/faults").status_code == 200

    new = queue(client, operation="listSequences", status=429)
    call(client, "listSequences")

    assert [entry["fault"] for entry in journal(client)] == [old["id"], new["id"]]
    assert new["id"] != old["id"]


# -- what a faulted call answers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "status"), INJECTABLE, ids=[f"{o}-{s}" for o, s in INJECTABLE]
)
def test_every_declared_error_status_can_be_injected(client, operation, status):
    """Each operation answers each error status it declares, in a form its contract accepts."""
    queue(client, operation=operation, status=status)

    response = call(client, operation)

    document = assert_fault_problem(response, status)
    if status == 422:
        assert document["errors"] == []
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert "retry-after" not in response.headers
    assert call(client, operation).status_code == 200


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_sent_when_asked(client, status):
    """A fault with retry_after sends that many seconds in the Retry-After header."""
    queue(client, operation="getSequence", status=status, retry_after=7)

    response = call(client, "getSequence")

    assert_fault_problem(response, status)
    assert response.headers["retry-after"] == "7"


@pytest.mark.parametrize("operation", WRITES)
def test_a_faulted_write_changes_nothing(client, operation):
    """A write answered by a fault leaves the state as it was, updated_at included."""
    before = client.get("/__mock/state").json()
    queue(client, operation=operation, status=503)

    assert_fault_problem(call(client, operation), 503)

    assert client.get("/__mock/state").json() == before


def test_a_faulted_pause_leaves_the_run_active_as_a_later_read_shows(client):
    """After a faulted pause the run is still ACTIVE with the same updated_at."""
    before = client.get(f"/v1/sequences/{AMELIE_RUN}", headers=RW).json()
    queue(client, operation="pauseSequence", status=500)

    assert_fault_problem(call(client, "pauseSequence"), 500)

    after = client.get(f"/v1/sequences/{AMELIE_RUN}", headers=RW).json()
    assert after["status"] == "ACTIVE"
    assert after == before


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_fault_for_any_operation_meets_each_operation(client, operation):
    """A fault queued for "*" is met by whichever operation is called next."""
    queue(client, operation="*", status=503)

    assert_fault_problem(call(client, operation), 503)
    assert pending(client) == []


def test_the_first_queued_fault_is_used_first(client):
    """Matching faults apply in the order they were queued."""
    queue(client, operation="listSequences", status=503)
    queue(client, operation="*", status=429)

    statuses = [call(client, "listSequences").status_code for _ in range(3)]

    assert statuses == [503, 429, 200]


def test_a_fault_for_one_operation_leaves_the_others_alone(client):
    """Other operations are served normally while an operation-specific fault waits its turn."""
    fault = queue(client, operation="stopSequence", status=503)

    for operation in ("listSequences", "getSequence", "pauseSequence"):
        assert call(client, operation).status_code == 200

    assert pending(client) == [fault]
    assert_fault_problem(call(client, "stopSequence"), 503)


@pytest.mark.parametrize("headers", [{}, bearer("sk_test_no_such_key_1234")])
def test_a_fault_answers_even_a_call_without_a_valid_key(client, headers):
    """The fault decides the answer before the key is checked."""
    queue(client, operation="listSequences", status=503)

    assert_fault_problem(call(client, "listSequences", headers=headers), 503)


def test_faulted_calls_are_journaled_with_the_fault_id(client):
    """The journal names the fault that answered a call; other calls show fault null."""
    fault = queue(client, operation="getSequence", status=404)
    call(client, "getSequence")
    call(client, "getSequence")
    call(client, "listSequences", headers={})

    entries = journal(client)

    assert [(e["operation"], e["status"], e["fault"]) for e in entries] == [
        ("getSequence", 404, fault["id"]),
        ("getSequence", 200, None),
        ("listSequences", 401, None),
    ]
    assert entries[0]["code"] == "not_found"


def test_a_faulted_call_journals_the_body_it_was_sent(client):
    """A call answered by a fault still shows the body the client sent (e.g. to compare retries)."""
    queue(client, operation="stopSequence", status=503)

    call(client, "stopSequence")

    assert journal(client)[-1]["body"] == CALLS["stopSequence"][2]


# -- delays --------------------------------------------------------------------------------------


def test_a_delay_only_fault_serves_the_call_normally_but_late(client):
    """With delay_ms and no status the call is answered as usual after at least that long."""
    fault = queue(client, operation="listSequences", delay_ms=50)

    started = time.monotonic()
    response = call(client, "listSequences")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert response.json()["items"]
    assert elapsed >= 0.05
    (entry,) = journal(client)
    assert (entry["fault"], entry["status"]) == (fault["id"], 200)
    assert entry["duration_ms"] >= 50
    assert pending(client) == []


def test_a_delayed_error_arrives_late(client):
    """With delay_ms and status the error is answered after at least the delay."""
    queue(client, operation="getSequence", status=503, delay_ms=50, retry_after=1)

    started = time.monotonic()
    response = call(client, "getSequence")
    elapsed = time.monotonic() - started

    assert_fault_problem(response, 503)
    assert response.headers["retry-after"] == "1"
    assert elapsed >= 0.05


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "name"),
    [
        ({"operation": "fetchSequences", "status": 503}, "operation"),
        ({"status": 503}, "operation"),
        ({"operation": "", "status": 503}, "operation"),
        ({"operation": "listSequences", "status": 404}, "status"),
        ({"operation": "listSequences", "status": 409}, "status"),
        ({"operation": "*", "status": 409}, "status"),
        ({"operation": "*", "status": 404}, "status"),
        ({"operation": "listSequences", "status": 200}, "status"),
        ({"operation": "listSequences", "status": 399}, "status"),
        ({"operation": "listSequences", "status": 600}, "status"),
        ({"operation": "listSequences", "status": "503"}, "status"),
        ({"operation": "listSequences", "status": 503, "times": 0}, "times"),
        ({"operation": "listSequences", "status": 503, "times": 1.5}, "times"),
        ({"operation": "listSequences", "delay_ms": -1}, "delay_ms"),
        ({"operation": "listSequences", "delay_ms": 50, "retry_after": 5}, "status"),
        ({"operation": "listSequences", "status": 503, "retry_after": -1}, "retry_after"),
        ({"operation": "listSequences", "status": 503, "colour": "red"}, "colour"),
    ],
)
def test_invalid_faults_are_refused_with_a_field_error(client, fault, name):
    """A fault that cannot apply is a 422 naming the field at fault, and nothing is queued."""
    response = client.post("/__mock/faults", json=fault)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document = response.json()
    assert document["code"] == "validation_error"
    assert name in {error["name"] for error in document["errors"]}
    assert all(error["in"] == "body" and error["message"] for error in document["errors"])
    assert pending(client) == []
    assert call(client, "listSequences").status_code == 200


def test_an_unknown_operation_is_refused_with_the_valid_names(client):
    """The error for an unknown operation lists every operation of the contract and "*"."""
    response = client.post("/__mock/faults", json={"operation": "fetchSequences", "status": 503})

    (error,) = response.json()["errors"]
    for operation in [*OPERATIONS, "*"]:
        assert operation in error["message"]


def test_a_status_the_operation_does_not_declare_names_the_operations(client):
    """For "*" the error names each operation that does not declare the status."""
    response = client.post("/__mock/faults", json={"operation": "*", "status": 409})

    (error,) = response.json()["errors"]
    undeclared = [op.operation_id for op in CONTRACT.operations if 409 not in op.responses]
    assert undeclared
    for operation in undeclared:
        assert operation in error["message"]
    assert "409" in error["message"]


def test_a_fault_with_neither_status_nor_delay_says_what_is_missing(client):
    """A fault that would change nothing is a 422 whose error names status and delay_ms."""
    response = client.post("/__mock/faults", json={"operation": "listSequences", "times": 2})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    messages = " ".join(
        f"{error['name']} {error['message']}" for error in response.json()["errors"]
    )
    assert "status" in messages
    assert "delay_ms" in messages
    assert pending(client) == []


@pytest.mark.parametrize("content", [b"{", b"", b'{"operation": "listSequences", "status": NaN}'])
def test_malformed_json_is_refused_and_queues_nothing(client, content):
    """A body that is not JSON is a 400 malformed_json problem."""
    response = client.post(
        "/__mock/faults", content=content, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "malformed_json"
    assert pending(client) == []


def test_at_most_1000_faults_are_pending(client):
    """The 1,001st is a 422 that queues nothing; a used fault makes room again."""
    for _ in range(1000):
        assert (
            client.post("/__mock/faults", json={"operation": "*", "status": 503}).status_code == 201
        )

    refused = client.post("/__mock/faults", json={"operation": "listSequences", "status": 503})

    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"
    assert "1000 faults are pending" in refused.json()["detail"]
    assert len(client.get("/__mock/faults").json()["faults"]) == 1000
    client.get(f"/v1/sequences/{AMELIE_RUN}")
    assert client.post("/__mock/faults", json={"operation": "*", "status": 503}).status_code == 201


@pytest.mark.parametrize("network", [{}, [], "cable-cut", 3, None, True])
def test_a_network_fault_of_the_wrong_kind_is_a_validation_error(
    client: httpx.Client, network: object
) -> None:
    """Found by schemathesis on the control plane: an object as `network` once crashed the
    readable checks that run before the schema's (a 500)."""
    response = client.post("/__mock/faults", json={"operation": "getSequence", "network": network})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
