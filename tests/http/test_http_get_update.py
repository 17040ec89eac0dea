"""getSequence and updateSequence: lookups, never revealing other workspaces, variable merges."""

from __future__ import annotations

import json

import httpx
import pytest

from default_world import AMELIE_RUN, CLOCK_START, GLOBEX
from http_helpers import (
    ALL_STATUSES,
    MALFORMED_ID,
    UNKNOWN_ID,
    advance,
    assert_problem,
    assert_sequence_shape,
    assert_validation_error,
    public,
    run_in_status,
    state,
    state_of,
)


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_get_returns_the_run_without_mock_only_fields(acme: httpx.Client, status: str) -> None:
    """GET returns the stored run with exactly the public fields, in every status."""
    sequence_id = run_in_status(acme, status)
    response = acme.get(f"/v1/sequences/{sequence_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert_sequence_shape(body)
    assert body == public(state_of(acme, sequence_id))


def test_get_hides_paused_until_and_stop_reason(acme: httpx.Client) -> None:
    """Runs that carry paused_until or stop_reason in the state never expose them."""
    paused = run_in_status(acme, "WAITING_FOR_LEAD")
    stopped = run_in_status(acme, "STOPPED_EARLY")
    assert "paused_until" in state_of(acme, paused)
    assert "stop_reason" in state_of(acme, stopped)
    for sequence_id in (paused, stopped):
        body = acme.get(f"/v1/sequences/{sequence_id}").json()
        assert "paused_until" not in body
        assert "stop_reason" not in body


def test_get_amelie_run(acme: httpx.Client) -> None:
    """The README's example run reads back with its documented values."""
    body = acme.get(f"/v1/sequences/{AMELIE_RUN}").json()
    assert body["id"] == AMELIE_RUN
    assert body["status"] == "ACTIVE"
    assert body["variables"] == {"first_name": "Amélie"}
    assert body["created_at"] == "2026-01-05T08:14:37Z"


@pytest.mark.parametrize("sequence_id", [UNKNOWN_ID, MALFORMED_ID, "123", "1ca9fa48"])
def test_get_unknown_or_malformed_id_is_not_found(acme: httpx.Client, sequence_id: str) -> None:
    """An id that names no run (well-formed or not) is 404 not_found."""
    assert_problem(acme.get(f"/v1/sequences/{sequence_id}"), 404, "not_found")


def test_get_other_workspace_run_looks_like_an_unknown_id(acme: httpx.Client) -> None:
    """A Globex run read with an Acme key answers exactly like an id that does not exist."""
    globex_id = run_in_status(acme, "ACTIVE", GLOBEX)
    hidden = assert_problem(acme.get(f"/v1/sequences/{globex_id}"), 404, "not_found")
    unknown = assert_problem(acme.get(f"/v1/sequences/{UNKNOWN_ID}"), 404, "not_found")
    assert hidden.keys() == unknown.keys()
    assert hidden["detail"].replace(globex_id, "ID") == unknown["detail"].replace(UNKNOWN_ID, "ID")
    assert {k: v for k, v in hidden.items() if k != "detail"} == {
        k: v for k, v in unknown.items() if k != "detail"
    }


# -- updateSequence ------------------------------------------------------------------------------


def test_update_merges_variables_and_stamps_now(acme: httpx.Client) -> None:
    """PATCH merges new variables into the existing ones and sets updated_at to the mock's now."""
    before = state_of(acme, AMELIE_RUN)
    response = acme.patch(
        f"/v1/sequences/{AMELIE_RUN}", json={"variables": {"company": "Initech", "cta": "Hi"}}
    )
    assert response.status_code == 200
    body = response.json()
    assert_sequence_shape(body)
    assert body["variables"] == {"first_name": "Amélie", "company": "Initech", "cta": "Hi"}
    assert body["updated_at"] == CLOCK_START
    assert body["created_at"] == before["created_at"]
    assert body["status"] == before["status"]
    assert acme.get(f"/v1/sequences/{AMELIE_RUN}").json() == body


def test_update_overwrites_and_null_removes(acme: httpx.Client) -> None:
    """A string value replaces an override and null removes it (absent names are a no-op)."""
    response = acme.patch(
        f"/v1/sequences/{AMELIE_RUN}",
        json={"variables": {"first_name": None, "company": "Acme", "missing": None}},
    )
    assert response.status_code == 200
    assert response.json()["variables"] == {"company": "Acme"}
    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json={"variables": {"company": "X"}})
    assert response.json()["variables"] == {"company": "X"}


def test_update_with_empty_variables_keeps_them(acme: httpx.Client) -> None:
    """An empty variables object changes no variable but still stamps updated_at."""
    advance(acme, 60)
    body = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json={"variables": {}}).json()
    assert body["variables"] == {"first_name": "Amélie"}
    assert body["updated_at"] == "2026-03-02T09:01:00Z"


def test_update_uses_the_advanced_clock(acme: httpx.Client) -> None:
    """updated_at follows the mock clock after it is advanced."""
    advance(acme, 90)
    body = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json={"variables": {"a": "b"}}).json()
    assert body["updated_at"] == "2026-03-02T09:01:30Z"
    assert state_of(acme, AMELIE_RUN)["updated_at"] == "2026-03-02T09:01:30Z"


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_update_is_allowed_in_every_status(acme: httpx.Client, status: str) -> None:
    """Variables can be updated whatever the run's status, and the status stays the same."""
    sequence_id = run_in_status(acme, status)
    before = state_of(acme, sequence_id)
    response = acme.patch(f"/v1/sequences/{sequence_id}", json={"variables": {"k": "v"}})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == status
    assert body["variables"] == {**before["variables"], "k": "v"}
    after = state_of(acme, sequence_id)
    assert after.get("paused_until") == before.get("paused_until")
    assert after.get("stop_reason") == before.get("stop_reason")


@pytest.mark.parametrize(
    ("payload", "names"),
    [
        ({}, {"variables"}),
        ({"vars": {}}, None),
        ({"variables": {}, "status": "ACTIVE"}, None),
        ({"variables": {"first_name": 1}}, {"variables.first_name"}),
        ({"variables": {"first_name": True}}, {"variables.first_name"}),
        ({"variables": {"first_name": {"x": "y"}}}, {"variables.first_name"}),
        ({"variables": "first_name=Bob"}, {"variables"}),
        ({"variables": None}, {"variables"}),
        ([], None),
        ("variables", None),
    ],
)
def test_update_body_validation(
    acme: httpx.Client, payload: object, names: set[str] | None
) -> None:
    """A body that breaks UpdateSequenceRequest is 422 in:body and changes nothing."""
    before = state(acme)
    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json=payload)
    assert_validation_error(response, "body", names)
    assert state(acme) == before


def test_update_extra_top_level_keys_are_named_in_the_errors(acme: httpx.Client) -> None:
    """Each unexpected top-level key is its own body error, named by the key."""
    body = {"variables": {}, "surprise": 1, "other": 2}
    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json=body)
    errors = assert_validation_error(response, "body")
    assert sorted(errors, key=lambda error: error["name"]) == [
        {"in": "body", "name": "other", "message": "is not an allowed property"},
        {"in": "body", "name": "surprise", "message": "is not an allowed property"},
    ]


def test_update_without_body_is_422(acme: httpx.Client) -> None:
    """PATCH with no body at all is a 422 validation_error on the body."""
    assert_validation_error(acme.patch(f"/v1/sequences/{AMELIE_RUN}"), "body")


@pytest.mark.parametrize("raw", [b'{"variables": {', b"{'variables': {}}", b"NaN", b"\xff\xfe"])
def test_update_malformed_json_is_400(acme: httpx.Client, raw: bytes) -> None:
    """A body that is not JSON is 400 malformed_json and changes nothing."""
    before = state(acme)
    response = acme.patch(
        f"/v1/sequences/{AMELIE_RUN}", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")
    assert state(acme) == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_update_wrong_media_type_is_415(acme: httpx.Client, content_type: str) -> None:
    """A JSON-looking body sent with a non-JSON content type is 415 unsupported_media_type."""
    before = state(acme)
    response = acme.patch(
        f"/v1/sequences/{AMELIE_RUN}",
        content=b'{"variables": {"a": "b"}}',
        headers={"Content-Type": content_type},
    )
    assert_problem(response, 415, "unsupported_media_type")
    assert state(acme) == before


def test_update_json_with_charset_is_accepted(acme: httpx.Client) -> None:
    """application/json with a charset parameter is still JSON."""
    response = acme.patch(
        f"/v1/sequences/{AMELIE_RUN}",
        content=b'{"variables": {"a": "b"}}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200
    assert response.json()["variables"]["a"] == "b"


def test_update_body_over_one_mebibyte_is_413(acme: httpx.Client) -> None:
    """A body larger than 1 MiB is 413 content_too_large and changes nothing."""
    before = state(acme)
    payload = {"variables": {"big": "x" * (1024 * 1024)}}
    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json=payload)
    assert_problem(response, 413, "content_too_large")
    assert state(acme) == before


def test_update_body_just_under_the_limit_is_accepted(acme: httpx.Client) -> None:
    """A body a little under 1 MiB (100 overrides of 10,000 characters, the most a run holds)
    is read and applied."""
    names = ["first_name", *(f"v{index:02d}" for index in range(99))]
    variables = dict.fromkeys(names, "x" * 10000)
    body = json.dumps({"variables": variables}).encode()
    assert 1_000_000 < len(body) < 1024 * 1024

    response = acme.patch(
        f"/v1/sequences/{AMELIE_RUN}", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 200
    assert response.json()["variables"] == variables


@pytest.mark.parametrize("sequence_id", [UNKNOWN_ID, MALFORMED_ID])
def test_update_unknown_or_malformed_id_is_404(acme: httpx.Client, sequence_id: str) -> None:
    """PATCH on an id that names no run is 404 not_found."""
    before = state(acme)
    response = acme.patch(f"/v1/sequences/{sequence_id}", json={"variables": {"a": "b"}})
    assert_problem(response, 404, "not_found")
    assert state(acme) == before


# -- the limits of a run's overrides -----------------------------------------------------------


def many(count: int, prefix: str = "v") -> dict[str, str]:
    return {f"{prefix}{index:03d}": "x" for index in range(count)}


def test_a_merge_past_100_overrides_is_refused_whole(acme: httpx.Client) -> None:
    """Amélie's run holds one override; 100 new ones are a valid body but would leave 101."""
    before = state(acme)

    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json={"variables": many(100)})

    errors = assert_validation_error(response, "body", {"variables"})
    assert "101" in errors[0]["message"]
    assert state(acme) == before


def test_overrides_cannot_grow_patch_by_patch(acme: httpx.Client) -> None:
    """The cap holds across calls: the growth that once made one run hold millions stops."""
    run = f"/v1/sequences/{AMELIE_RUN}"
    assert acme.patch(run, json={"variables": many(60, "a")}).status_code == 200

    response = acme.patch(run, json={"variables": many(60, "b")})

    assert_validation_error(response, "body", {"variables"})
    assert len(acme.get(run).json()["variables"]) == 61


def test_a_merge_counts_the_overrides_it_drops(acme: httpx.Client) -> None:
    """At the cap, dropping one (null) and adding another in one call is fine."""
    run = f"/v1/sequences/{AMELIE_RUN}"
    assert acme.patch(run, json={"variables": many(99)}).status_code == 200

    response = acme.patch(run, json={"variables": {"first_name": None, "cta": "Coffee?"}})

    assert response.status_code == 200
    assert len(response.json()["variables"]) == 100


@pytest.mark.parametrize(
    "variables",
    [many(101), {"n" * 101: "x"}, {"cta": "x" * 10_001}],
    ids=["101 overrides", "name of 101", "value of 10,001"],
)
def test_a_body_past_the_limits_is_refused(acme: httpx.Client, variables: dict) -> None:
    before = state(acme)

    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json={"variables": variables})

    errors = assert_validation_error(response, "body")
    assert all(error["name"].startswith("variables") for error in errors)
    assert state(acme) == before


def test_the_longest_name_and_value_are_accepted(acme: httpx.Client) -> None:
    variables = {"n" * 100: "x" * 10_000}

    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json={"variables": variables})

    assert response.status_code == 200
    assert response.json()["variables"]["n" * 100] == "x" * 10_000
