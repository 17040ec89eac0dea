"""The request journal at /__mock/requests: what each public API call left behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import sequences_mock.http.api
from default_world import (
    AMELIE_RUN,
    CLOCK_START,
    GLOBEX_READ_WRITE,
    NO_SCOPES,
    READ_ONLY,
    READ_WRITE,
    WRITE_ONLY,
    bearer,
    sequences_in_state,
)
from sequences_mock.app import create_app
from sequences_mock.http.views import Body
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport

ELLIPSIS = "\u2026"
RW = bearer(READ_WRITE)
ENTRY_KEYS = {
    "seq",
    "time",
    "warnings",
    "method",
    "path",
    "query",
    "operation",
    "path_params",
    "body",
    "status",
    "code",
    "contract_violation",
    "api_key",
    "fault",
    "network",
    "violations",
    "duration_ms",
}


def journal(client: httpx.Client, **params: Any) -> dict[str, Any]:
    """GET /__mock/requests with `params`, which must succeed."""
    response = client.get("/__mock/requests", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def entries(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    return journal(client, **params)["requests"]


def seqs(client: httpx.Client, **params: Any) -> list[int]:
    return [entry["seq"] for entry in entries(client, **params)]


def last_entry(client: httpx.Client) -> dict[str, Any]:
    return entries(client)[-1]


def json_body(size: int) -> bytes:
    """A valid updateSequence body of exactly `size` bytes: overrides `v0`, `v1`, … of under
    10,000 characters each (the longest a value may be), replacing Amélie's `first_name`."""
    count = size // 9_000 + 1
    head = b'{"variables": {"first_name": null'
    entries = [b', "v%d": ""' % index for index in range(count)]
    room = size - len(head) - sum(map(len, entries)) - len(b"}}")
    lengths = [room // count + (index < room % count) for index in range(count)]
    values = [
        entry[:-1] + b"x" * length + b'"' for entry, length in zip(entries, lengths, strict=True)
    ]
    return head + b"".join(values) + b"}}"


@pytest.fixture
def small() -> Iterator[httpx.Client]:
    """A separate mock whose journal keeps only 3 entries."""
    app = create_app(Settings(journal_size=3))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        yield client


# -- one entry per exchange --------------------------------------------------------------------


def test_a_successful_call_is_one_entry_with_every_detail(client):
    """A 200 call is journaled with its method, path, query, operation, key suffix and timing."""
    response = client.get("/v1/sequences?status=ACTIVE&size=2", headers=RW)
    assert response.status_code == 200

    document = journal(client)

    assert document["recorded"] == 1
    assert document["dropped"] == 0
    (entry,) = document["requests"]
    assert set(entry) == ENTRY_KEYS
    assert entry == {
        **entry,
        "seq": 1,
        "time": CLOCK_START,
        "method": "GET",
        "path": "/v1/sequences",
        "query": {"status": "ACTIVE", "size": "2"},
        "operation": "listSequences",
        "path_params": {},
        "body": None,
        "status": 200,
        "code": None,
        "contract_violation": None,
        "api_key": ELLIPSIS + READ_WRITE[-4:],
        "fault": None,
        "network": None,
    }
    assert isinstance(entry["duration_ms"], int | float)
    assert entry["duration_ms"] >= 0


def test_a_write_is_journaled_with_path_params_and_parsed_body(client):
    """A POST records the path parameters and the JSON body as sent."""
    body = {"paused_until": "2026-03-09T09:00:00Z"}
    response = client.post(f"/v1/sequences/{AMELIE_RUN}/pause", json=body, headers=RW)
    assert response.status_code == 200

    entry = last_entry(client)

    assert entry["method"] == "POST"
    assert entry["path"] == f"/v1/sequences/{AMELIE_RUN}/pause"
    assert entry["operation"] == "pauseSequence"
    assert entry["path_params"] == {"sequence_id": AMELIE_RUN}
    assert entry["body"] == body
    assert "body_text" not in entry


def test_sequence_numbers_count_up_in_call_order(client):
    """Consecutive calls get seq 1, 2, 3 in the order they were made, errors included."""
    client.get("/v1/sequences", headers=RW)
    client.get(f"/v1/sequences/{AMELIE_RUN}", headers=RW)
    client.get("/v1/sequences/00000000-0000-4000-8000-000000000000", headers=RW)

    found = entries(client)

    assert [entry["seq"] for entry in found] == [1, 2, 3]
    assert [entry["status"] for entry in found] == [200, 200, 404]


def test_entry_time_is_the_mock_clock(client):
    """The time of an entry is the mock clock's now, not the wall clock."""
    client.get("/v1/sequences", headers=RW)
    client.post("/__mock/clock", json={"advance_seconds": 90})
    client.get("/v1/sequences", headers=RW)

    assert [entry["time"] for entry in entries(client)] == [CLOCK_START, "2026-03-02T09:01:30Z"]


def test_a_repeated_query_parameter_is_a_list(client):
    """A query name sent twice shows as a list of its values, in order; others stay strings."""
    client.get("/v1/sequences?status=ACTIVE&size=2&status=FOUND", headers=RW)

    entry = last_entry(client)

    assert entry["query"] == {"status": ["ACTIVE", "FOUND"], "size": "2"}
    assert entry["status"] == 422


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", f"/v1/sequences/{AMELIE_RUN}", {"headers": bearer(GLOBEX_READ_WRITE)}, 404,
         "not_found"),
        ("POST", f"/v1/sequences/{AMELIE_RUN}/resume", {"headers": RW}, 409,
         "invalid_state_transition"),
        ("GET", "/v1/sequences", {"headers": bearer(WRITE_ONLY)}, 403, "insufficient_scope"),
        ("GET", "/v1/sequences?size=0", {"headers": RW}, 422, "validation_error"),
        ("POST", f"/v1/sequences/{AMELIE_RUN}/pause",
         {"headers": RW, "json": {"paused_until": "2020-01-01T00:00:00Z"}}, 422,
         "paused_until_not_in_future"),
    ],
)  # fmt: skip
def test_an_error_entry_carries_its_problem_code(client, method, path, kwargs, status, code):
    """A refused call is journaled with its status and the `code` of the problem it answered."""
    response = client.request(method, path, **kwargs)
    assert response.status_code == status

    entry = last_entry(client)

    assert (entry["status"], entry["code"]) == (status, code)
    assert entry["contract_violation"] is None


@pytest.mark.parametrize(
    ("headers", "api_key"),
    [
        ({}, None),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, None),
        (bearer("sk_test_no_such_key_9876"), ELLIPSIS + "9876"),
        (bearer("short"), ELLIPSIS),
    ],
    ids=["missing", "not-bearer", "unknown-key", "short-key"],
)
def test_unauthenticated_calls_are_journaled(client, headers, api_key):
    """A call without a usable key is a journaled 401; the key shows only by its last 4 chars."""
    response = client.get("/v1/sequences", headers=headers)
    assert response.status_code == 401

    entry = last_entry(client)

    assert (entry["status"], entry["code"]) == (401, "unauthenticated")
    assert entry["operation"] == "listSequences"
    assert entry["api_key"] == api_key


def test_the_full_api_key_never_appears_in_the_journal(client):
    """Whatever keys were used, the journal's JSON shows none of them whole."""
    keys = [READ_WRITE, READ_ONLY, WRITE_ONLY, NO_SCOPES, GLOBEX_READ_WRITE, "sk_live_secret_42"]
    for key in keys:
        client.get("/v1/sequences", headers=bearer(key))

    response = client.get("/__mock/requests")

    assert [entry["api_key"] for entry in response.json()["requests"]] == [
        ELLIPSIS + key[-4:] for key in keys
    ]
    for key in keys:
        assert key not in response.text


# -- bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"not json", "application/json", 400),
        (b"reason=WIN", "application/x-www-form-urlencoded", 415),
    ],
)
def test_a_body_that_is_not_json_is_kept_as_text(client, content, content_type, status):
    """A body that cannot be parsed as JSON is shown as `body_text`, `body` staying null."""
    response = client.post(
        f"/v1/sequences/{AMELIE_RUN}/stop",
        content=content,
        headers={**RW, "Content-Type": content_type},
    )
    assert response.status_code == status

    entry = last_entry(client)

    assert entry["body"] is None
    assert entry["body_text"] == content.decode()
    assert "body_truncated_from" not in entry


def patch_with_body_of(client, size: int) -> bytes:
    """Send a valid PATCH whose JSON body is exactly `size` bytes; return the body."""
    content = json_body(size)
    response = client.patch(
        f"/v1/sequences/{AMELIE_RUN}",
        content=content,
        headers={**RW, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    return content


def test_a_body_of_exactly_8_kib_is_kept_whole(client):
    """A body at the 8 KiB limit is still shown parsed."""
    content = patch_with_body_of(client, 8 * 1024)

    entry = last_entry(client)

    assert entry["body"] == json.loads(content)
    assert "body_text" not in entry
    assert "body_truncated_from" not in entry


@pytest.mark.parametrize("size", [8 * 1024 + 1, 100_000])
def test_a_body_over_8_kib_is_truncated_text_with_its_full_size(client, size):
    """Past 8 KiB the journal keeps the first 8 KiB as text and says how large the body was."""
    content = patch_with_body_of(client, size)

    entry = last_entry(client)

    assert entry["body"] is None
    assert entry["body_text"] == content[: 8 * 1024].decode()
    assert entry["body_truncated_from"] == size


@pytest.mark.parametrize(
    "headers", [{}, bearer(READ_ONLY)], ids=["unauthenticated", "insufficient-scope"]
)
def test_the_body_of_a_refused_call_is_journaled_too(client, headers):
    """A call refused before its body mattered still shows the body the client sent."""
    body = {"reason": "WIN"}
    response = client.post(f"/v1/sequences/{AMELIE_RUN}/stop", json=body, headers=headers)
    assert response.status_code in (401, 403)

    assert last_entry(client)["body"] == body


# -- what is and is not journaled ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v1/nothing-here", 404, "not_found"),
        ("GET", f"/v1/sequences/{AMELIE_RUN}/archive", 404, "not_found"),
        ("DELETE", "/v1/sequences", 405, "method_not_allowed"),
        ("PUT", f"/v1/sequences/{AMELIE_RUN}", 405, "method_not_allowed"),
    ],
)
def test_router_refusals_under_v1_are_journaled_without_operation(
    client, method, path, status, code
):
    """Unknown paths and wrong methods under /v1 are journaled with operation null."""
    response = client.request(method, path, headers=RW)
    assert response.status_code == status

    (entry,) = entries(client)

    assert (entry["method"], entry["path"]) == (method, path)
    assert (entry["status"], entry["code"], entry["operation"]) == (status, code, None)
    assert entry["api_key"] == ELLIPSIS + READ_WRITE[-4:]


def test_control_plane_and_contract_calls_are_not_journaled(client):
    """Calls to /__mock, the served contract and paths outside /v1 leave the journal empty."""
    client.get("/__mock/health")
    client.get("/__mock/state")
    client.get("/__mock/clock")
    client.post("/__mock/clock", json={"advance_seconds": 1})
    client.get("/__mock/coverage")
    client.get("/__mock/faults")
    client.get("/__mock/requests")
    client.get("/__mock/nothing-here")
    client.delete("/__mock/health")
    client.get("/openapi.yaml")
    client.get("/openapi.json")
    client.get("/elsewhere", headers=RW)

    document = journal(client)

    assert document["requests"] == []
    assert document["recorded"] == 0


@pytest.mark.contract_violation_expected
def test_a_contract_violation_is_recorded_on_its_entry(client, monkeypatch):
    """When the mock breaks its contract the entry says how, next to the 500 it sent instead."""
    broken = Body.of({"items": "not a list"})
    monkeypatch.setitem(
        sequences_mock.http.api.HANDLERS,
        "listSequences",
        lambda store, render, key, inputs: (200, broken),
    )

    response = client.get("/v1/sequences", headers=RW)
    assert response.status_code == 500

    entry = last_entry(client)

    assert (entry["status"], entry["code"]) == (500, "mock_contract_violation")
    assert "listSequences" in entry["contract_violation"]


@pytest.mark.contract_violation_expected
def test_incident_selects_broken_contracts_and_unplanned_server_errors(client, monkeypatch):
    """`incident=true` is what a test harness watches for: not refusals, not injected faults."""
    client.get(f"/v1/sequences/{AMELIE_RUN}", headers=RW)  # 1: 200
    client.get("/v1/sequences")  # 2: 401
    client.post("/__mock/faults", json={"operation": "getSequence", "status": 503})
    client.get(f"/v1/sequences/{AMELIE_RUN}", headers=RW)  # 3: planned 503
    client.post("/__mock/faults", json={"operation": "getSequence", "status": 500})
    client.get(f"/v1/sequences/{AMELIE_RUN}", headers=RW)  # 4: planned 500

    def crash(store, render, key, inputs):
        raise RuntimeError("a bug")

    monkeypatch.setitem(sequences_mock.http.api.HANDLERS, "getSequence", crash)
    client.get(f"/v1/sequences/{AMELIE_RUN}", headers=RW)  # 5: unplanned 500
    broken = Body.of({"items": "not a list"})
    monkeypatch.setitem(
        sequences_mock.http.api.HANDLERS, "listSequences", lambda *args: (200, broken)
    )
    client.get("/v1/sequences", headers=RW)  # 6: contract violation

    assert [entry["seq"] for entry in journal(client, incident="true")["requests"]] == [5, 6]
    assert [entry["seq"] for entry in journal(client, incident="false")["requests"]] == [
        1,
        2,
        3,
        4,
    ]


# -- filters -------------------------------------------------------------------------------------


@pytest.fixture
def six_calls(client: httpx.Client) -> httpx.Client:
    """Six journaled calls: seq 1-6 as commented below."""
    client.get("/v1/sequences", headers=RW)  # 1 listSequences 200
    client.get(f"/v1/sequences/{AMELIE_RUN}", headers=RW)  # 2 getSequence 200
    client.get("/v1/sequences")  # 3 listSequences 401
    client.post(  # 4 pauseSequence 200
        f"/v1/sequences/{AMELIE_RUN}/pause",
        json={"paused_until": "2026-03-09T09:00:00Z"},
        headers=RW,
    )
    client.post(f"/v1/sequences/{AMELIE_RUN}/pause", headers=RW)  # 5 pauseSequence 422
    client.get("/v1/sequences?page=2", headers=RW)  # 6 listSequences 200
    assert seqs(client) == [1, 2, 3, 4, 5, 6]
    return client


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [1, 2, 3, 4, 5, 6]),
        ({"operation": "listSequences"}, [1, 3, 6]),
        ({"operation": "stopSequence"}, []),
        ({"status": 200}, [1, 2, 4, 6]),
        ({"status": 401}, [3]),
        ({"method": "POST"}, [4, 5]),
        ({"method": "post"}, [4, 5]),
        ({"method": "Get"}, [1, 2, 3, 6]),
        ({"since": 0}, [1, 2, 3, 4, 5, 6]),
        ({"since": 4}, [5, 6]),
        ({"since": 6}, []),
        ({"limit": 2}, [5, 6]),
        ({"limit": 0}, []),
        ({"limit": 100}, [1, 2, 3, 4, 5, 6]),
        ({"operation": "listSequences", "status": 200}, [1, 6]),
        ({"method": "get", "since": 1, "limit": 2}, [3, 6]),
        ({"operation": "pauseSequence", "status": 422, "method": "POST"}, [5]),
    ],
)
def test_filters_select_entries(six_calls, params, expected):
    """operation, status, method (any case), since and limit (newest N) select and combine."""
    document = journal(six_calls, **params)

    assert [entry["seq"] for entry in document["requests"]] == expected
    assert (document["recorded"], document["dropped"]) == (6, 0)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("operation=fetchSequences", {"operation"}),
        ("status=abc", {"status"}),
        ("status=99", {"status"}),
        ("status=600", {"status"}),
        ("since=-1", {"since"}),
        ("limit=-1", {"limit"}),
        ("limit=ten", {"limit"}),
        ("method=G3T", {"method"}),
        ("since=1&since=2", {"since"}),
        ("incident=yes", {"incident"}),
        ("bogus=1", {"bogus"}),
        ("operation=nope&status=abc&since=-1", {"operation", "status", "since"}),
    ],
)
def test_invalid_filters_are_a_validation_error_naming_each(client, query, names):
    """A bad filter value or an unknown filter is a 422 naming every bad query parameter."""
    response = client.get(f"/__mock/requests?{query}")

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document = response.json()
    assert document["code"] == "validation_error"
    assert {error["name"] for error in document["errors"]} == names
    assert all(error["in"] == "query" and error["message"] for error in document["errors"])


# -- the ring, clearing, reading ----------------------------------------------------------------


def test_a_small_journal_keeps_the_newest_entries(small):
    """With room for 3, after 5 calls entries 3-5 remain; recorded and dropped tell the rest."""
    for page in range(1, 6):
        small.get(f"/v1/sequences?page={page}", headers=RW)

    document = journal(small)

    assert [entry["seq"] for entry in document["requests"]] == [3, 4, 5]
    assert [entry["query"] for entry in document["requests"]] == [
        {"page": "3"},
        {"page": "4"},
        {"page": "5"},
    ]
    assert (document["recorded"], document["dropped"], document["size"]) == (5, 2, 3)


@pytest.mark.parametrize(("since", "expected"), [(1, [3, 4, 5]), (3, [4, 5]), (5, [])])
def test_since_works_across_the_wrap(small, since, expected):
    """since counts from the last reset, not from the oldest entry the ring still holds."""
    for _ in range(5):
        small.get("/v1/sequences", headers=RW)

    assert seqs(small, since=since) == expected


def test_delete_clears_the_journal_and_numbering_restarts(client):
    """DELETE /__mock/requests answers how many entries it cleared; seq starts at 1 again."""
    for _ in range(3):
        client.get("/v1/sequences", headers=RW)

    response = client.delete("/__mock/requests")

    assert (response.status_code, response.json()) == (200, {"cleared": 3})
    document = journal(client)
    assert (document["requests"], document["recorded"], document["dropped"]) == ([], 0, 0)
    client.get("/v1/sequences", headers=RW)
    assert seqs(client) == [1]


def test_reset_clears_the_journal(client):
    """POST /__mock/reset empties the journal and numbering starts at 1 again."""
    client.get("/v1/sequences", headers=RW)
    client.get("/v1/nothing-here", headers=RW)

    assert client.post("/__mock/reset").status_code == 200

    assert journal(client)["recorded"] == 0
    client.get("/v1/sequences", headers=RW)
    assert seqs(client) == [1]


def test_reading_the_journal_changes_nothing(client):
    """Reading the journal and coverage repeatedly neither records nor alters anything."""
    client.post(f"/v1/sequences/{AMELIE_RUN}/stop", json={"reason": "WIN"}, headers=RW)
    client.get("/v1/sequences", headers=RW)
    before_state = client.get("/__mock/state").json()
    first, coverage = client.get("/__mock/requests").json(), client.get("/__mock/coverage").json()

    for _ in range(3):
        assert client.get("/__mock/requests").json() == first
        assert client.get("/__mock/coverage").json() == coverage
        assert client.get("/__mock/requests?since=1&limit=1").status_code == 200

    assert first["recorded"] == 2
    assert client.get("/__mock/state").json() == before_state
    assert sequences_in_state(client, id=AMELIE_RUN)[0]["status"] == "STOPPED_EARLY"


def test_a_huge_query_is_cut_and_says_so(client):
    """A 60 KB query string is kept as its first 2 KiB, with its full size."""
    query = "status=ACTIVE&q=" + "9" * 60_000
    assert client.get(f"/v1/sequences?{query}", headers=RW).status_code == 200

    entry = last_entry(client)

    assert entry["query_truncated_from"] == len(query)
    assert entry["query"]["status"] == "ACTIVE"
    assert entry["query"]["q"] == "9" * (2048 - len("status=ACTIVE&q="))
    assert "path_truncated_from" not in entry


def test_a_huge_path_is_cut_with_its_parameters(client):
    """A path of 60,000 characters (a sequence id nobody has) is kept as its first 2,048."""
    path = "/v1/sequences/" + "x" * 60_000
    assert client.get(path, headers=RW).status_code == 404

    entry = last_entry(client)

    assert entry["path"] == path[:2048]
    assert entry["path_truncated_from"] == len(path)
    assert entry["path_params"]["sequence_id"] == "x" * 2048
    assert "query_truncated_from" not in entry
    assert len(client.get("/__mock/requests?limit=1").content) < 10_000


def test_an_undeclared_query_parameter_is_a_warning_on_its_entry(acme: httpx.Client) -> None:
    """`?statuses=ACTIVE` (the contract says `status`) answers every run, as the API would; the
    journal says which parameter was ignored, and `warned` finds such calls."""
    acme.get("/v1/sequences", params={"statuses": "ACTIVE", "size": 5})
    acme.get(f"/v1/sequences/{AMELIE_RUN}", params={"expand": "contact"})
    acme.get("/v1/sequences", params={"status": "ACTIVE"})

    warned = acme.get("/__mock/requests", params={"warned": "true"}).json()["requests"]
    clean = acme.get("/__mock/requests", params={"warned": "false"}).json()["requests"]

    assert [[w["name"] for w in call["warnings"]] for call in warned] == [["statuses"], ["expand"]]
    assert warned[0]["warnings"][0] == {
        "in": "query",
        "name": "statuses",
        "message": "is not a query parameter of listSequences; it was ignored",
    }
    assert [call["warnings"] for call in clean] == [[]]
    assert acme.get("/__mock/coverage").json()["summary"]["warned_calls"] == 2
