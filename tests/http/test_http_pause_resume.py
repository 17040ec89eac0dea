"""pauseSequence, resumeSequence and the automatic resume when a pause runs out."""

from __future__ import annotations

import httpx
import pytest

from default_world import AMELIE_RUN, CLOCK_START, GLOBEX, sequences_in_state
from http_helpers import (
    ALL_STATUSES,
    UNKNOWN_ID,
    advance,
    assert_problem,
    assert_sequence_shape,
    assert_validation_error,
    run_in_status,
    state,
    state_of,
)

IN_AN_HOUR = "2026-03-02T10:00:00Z"
FIXTURE_PAUSED_RUN = "3b6b9066-45e2-4114-b288-04dbff2fff15"  # paused until 10:00 (Initech)


def pause(client: httpx.Client, sequence_id: str, until: str) -> httpx.Response:
    return client.post(f"/v1/sequences/{sequence_id}/pause", json={"paused_until": until})


def status_ids(client: httpx.Client, status: str) -> set[str]:
    response = client.get("/v1/sequences", params={"status": status, "size": 100})
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


# -- pause ---------------------------------------------------------------------------------------


def test_pause_active_run(acme: httpx.Client) -> None:
    """Pausing an ACTIVE run makes it WAITING_FOR_LEAD with the deadline kept in the state."""
    response = pause(acme, AMELIE_RUN, IN_AN_HOUR)
    assert response.status_code == 200
    body = response.json()
    assert_sequence_shape(body)
    assert body["status"] == "WAITING_FOR_LEAD"
    assert body["updated_at"] == CLOCK_START
    stored = state_of(acme, AMELIE_RUN)
    assert stored["status"] == "WAITING_FOR_LEAD"
    assert stored["paused_until"] == IN_AN_HOUR
    assert acme.get(f"/v1/sequences/{AMELIE_RUN}").json() == body


def test_pause_accepts_an_offset_and_stores_utc(acme: httpx.Client) -> None:
    """paused_until with a +02:00 offset is stored as the same instant in UTC."""
    response = pause(acme, AMELIE_RUN, "2026-03-02T12:00:00+02:00")
    assert response.status_code == 200
    assert state_of(acme, AMELIE_RUN)["paused_until"] == IN_AN_HOUR


@pytest.mark.parametrize("new_deadline", ["2026-03-02T09:30:00Z", "2026-03-02T12:00:00Z"])
def test_pause_waiting_run_moves_its_deadline(acme: httpx.Client, new_deadline: str) -> None:
    """Pausing a WAITING_FOR_LEAD run moves paused_until (earlier or later)."""
    assert state_of(acme, FIXTURE_PAUSED_RUN)["paused_until"] == IN_AN_HOUR
    response = pause(acme, FIXTURE_PAUSED_RUN, new_deadline)
    assert response.status_code == 200
    assert response.json()["status"] == "WAITING_FOR_LEAD"
    assert response.json()["updated_at"] == CLOCK_START
    assert state_of(acme, FIXTURE_PAUSED_RUN)["paused_until"] == new_deadline


def test_moved_deadline_replaces_the_old_one(acme: httpx.Client) -> None:
    """After moving a pause later, the old deadline passing does not resume the run."""
    pause(acme, FIXTURE_PAUSED_RUN, "2026-03-02T12:00:00Z")
    advance(acme, 3600)
    assert acme.get(f"/v1/sequences/{FIXTURE_PAUSED_RUN}").json()["status"] == "WAITING_FOR_LEAD"
    advance(acme, 2 * 3600)
    body = acme.get(f"/v1/sequences/{FIXTURE_PAUSED_RUN}").json()
    assert body["status"] == "ACTIVE"
    assert body["updated_at"] == "2026-03-02T12:00:00Z"


def test_deadline_moved_earlier_resumes_then_and_only_then(acme: httpx.Client) -> None:
    """A deadline moved earlier resumes the run at the new instant; the old one is forgotten."""
    pause(acme, FIXTURE_PAUSED_RUN, "2026-03-02T09:30:00Z")
    advance(acme, 1799)
    assert acme.get(f"/v1/sequences/{FIXTURE_PAUSED_RUN}").json()["status"] == "WAITING_FOR_LEAD"
    advance(acme, 1)
    assert acme.get(f"/v1/sequences/{FIXTURE_PAUSED_RUN}").json()["updated_at"] == (
        "2026-03-02T09:30:00Z"
    )
    advance(acme, 3600)
    body = acme.get(f"/v1/sequences/{FIXTURE_PAUSED_RUN}").json()
    assert body["status"] == "ACTIVE"
    assert body["updated_at"] == "2026-03-02T09:30:00Z"


@pytest.mark.parametrize("whose", ["unknown", "globex"])
def test_lookup_comes_before_the_clock_rule(acme: httpx.Client, whose: str) -> None:
    """A past paused_until on a run the caller cannot see is 404, not 422."""
    target = UNKNOWN_ID if whose == "unknown" else run_in_status(acme, "ACTIVE", GLOBEX)
    assert_problem(pause(acme, target, "2026-03-01T00:00:00Z"), 404, "not_found")


@pytest.mark.parametrize(
    "until",
    [
        CLOCK_START,
        "2026-03-02T10:00:00+01:00",
        "2026-03-02T08:59:59Z",
        "2025-01-01T00:00:00Z",
    ],
)
def test_pause_until_now_or_past_is_refused(acme: httpx.Client, until: str) -> None:
    """paused_until equal to or before now is 422 paused_until_not_in_future and changes nothing."""
    before = state(acme)
    assert_problem(pause(acme, AMELIE_RUN, until), 422, "paused_until_not_in_future")
    assert state(acme) == before


def test_pause_one_second_after_now_is_accepted(acme: httpx.Client) -> None:
    """The first instant after now is a valid deadline."""
    assert pause(acme, AMELIE_RUN, "2026-03-02T09:00:01Z").status_code == 200


def test_pause_deadline_is_measured_against_the_advanced_clock(acme: httpx.Client) -> None:
    """After advancing the clock, a deadline that was future is now refused."""
    advance(acme, 7200)
    assert_problem(pause(acme, AMELIE_RUN, IN_AN_HOUR), 422, "paused_until_not_in_future")


@pytest.mark.parametrize(
    "status", [s for s in ALL_STATUSES if s not in ("ACTIVE", "WAITING_FOR_LEAD")]
)
def test_pause_from_unpausable_status_is_409(acme: httpx.Client, status: str) -> None:
    """Only ACTIVE and WAITING_FOR_LEAD can be paused; others are 409 naming their status."""
    sequence_id = run_in_status(acme, status)
    before = state(acme)
    document = assert_problem(pause(acme, sequence_id, IN_AN_HOUR), 409, "invalid_state_transition")
    assert status in document["detail"]
    assert state(acme) == before


def test_past_deadline_on_terminal_run_is_422_not_409(acme: httpx.Client) -> None:
    """The clock rule is checked before the transition rule."""
    sequence_id = run_in_status(acme, "SUCCEEDED")
    before = state(acme)
    response = pause(acme, sequence_id, "2026-03-01T00:00:00Z")
    assert_problem(response, 422, "paused_until_not_in_future")
    assert state(acme) == before


@pytest.mark.parametrize(
    ("payload", "names"),
    [
        ({}, {"paused_until"}),
        ({"paused_until": "tomorrow"}, {"paused_until"}),
        ({"paused_until": "2026-03-03"}, {"paused_until"}),
        ({"paused_until": 1772442000}, {"paused_until"}),
        ({"paused_until": None}, {"paused_until"}),
        ({"paused_until": IN_AN_HOUR, "reason": "x"}, None),
    ],
)
def test_pause_body_validation(acme: httpx.Client, payload: dict, names: set[str] | None) -> None:
    """A body that breaks PauseSequenceRequest is 422 validation_error and changes nothing."""
    before = state(acme)
    response = acme.post(f"/v1/sequences/{AMELIE_RUN}/pause", json=payload)
    assert_validation_error(response, "body", names)
    assert state(acme) == before


def test_pause_without_body_is_422(acme: httpx.Client) -> None:
    """The pause body is required."""
    assert_validation_error(acme.post(f"/v1/sequences/{AMELIE_RUN}/pause"), "body")


def test_pause_malformed_json_is_400(acme: httpx.Client) -> None:
    """A broken JSON body is 400 malformed_json."""
    response = acme.post(
        f"/v1/sequences/{AMELIE_RUN}/pause",
        content=b'{"paused_until": ',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")


# -- automatic resume ----------------------------------------------------------------------------


def test_auto_resume_at_the_deadline(acme: httpx.Client) -> None:
    """A pause until now+1h holds for 3599 s and ends exactly at the deadline."""
    assert pause(acme, AMELIE_RUN, IN_AN_HOUR).status_code == 200
    advance(acme, 3599)
    assert acme.get(f"/v1/sequences/{AMELIE_RUN}").json()["status"] == "WAITING_FOR_LEAD"
    assert AMELIE_RUN in status_ids(acme, "WAITING_FOR_LEAD")
    assert AMELIE_RUN not in status_ids(acme, "ACTIVE")
    advance(acme, 1)
    body = acme.get(f"/v1/sequences/{AMELIE_RUN}").json()
    assert body["status"] == "ACTIVE"
    assert body["updated_at"] == IN_AN_HOUR
    assert AMELIE_RUN in status_ids(acme, "ACTIVE")
    assert AMELIE_RUN not in status_ids(acme, "WAITING_FOR_LEAD")
    assert "paused_until" not in state_of(acme, AMELIE_RUN)


def test_auto_resume_is_seen_by_list_first(acme: httpx.Client) -> None:
    """A list filtered by status sees the resume without a prior GET of the run."""
    pause(acme, AMELIE_RUN, IN_AN_HOUR)
    acme.post("/__mock/clock", json={"now": IN_AN_HOUR})
    assert AMELIE_RUN in status_ids(acme, "ACTIVE")
    assert AMELIE_RUN not in status_ids(acme, "WAITING_FOR_LEAD")


def test_auto_resume_stamps_the_deadline_not_the_clock(acme: httpx.Client) -> None:
    """Read long after the deadline, the run's updated_at is the deadline itself."""
    pause(acme, AMELIE_RUN, IN_AN_HOUR)
    advance(acme, 5 * 3600)
    body = acme.get(f"/v1/sequences/{AMELIE_RUN}").json()
    assert body["status"] == "ACTIVE"
    assert body["updated_at"] == IN_AN_HOUR


def test_fixture_pause_runs_out_after_an_hour(acme: httpx.Client) -> None:
    """The fixture run paused until 10:00 is ACTIVE after advancing 3600 s, and not before."""
    stored = state_of(acme, FIXTURE_PAUSED_RUN)
    assert stored["status"] == "WAITING_FOR_LEAD"
    assert stored["paused_until"] == IN_AN_HOUR
    advance(acme, 3599)
    assert acme.get(f"/v1/sequences/{FIXTURE_PAUSED_RUN}").json()["status"] == "WAITING_FOR_LEAD"
    advance(acme, 1)
    body = acme.get(f"/v1/sequences/{FIXTURE_PAUSED_RUN}").json()
    assert body["status"] == "ACTIVE"
    assert body["updated_at"] == IN_AN_HOUR
    others = sequences_in_state(acme, status="WAITING_FOR_LEAD")
    assert all(run["paused_until"] > IN_AN_HOUR for run in others)


# -- resume --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {},
        {"json": {}},
        {"content": b"{}", "headers": {"Content-Type": "application/json"}},
    ],
    ids=["no-body", "json-empty-object", "raw-empty-object"],
)
def test_resume_waiting_run(acme: httpx.Client, request_kwargs: dict) -> None:
    """Resume takes no body (or {}) and makes a WAITING_FOR_LEAD run ACTIVE at now."""
    advance(acme, 60)
    response = acme.post(f"/v1/sequences/{FIXTURE_PAUSED_RUN}/resume", **request_kwargs)
    assert response.status_code == 200
    body = response.json()
    assert_sequence_shape(body)
    assert body["status"] == "ACTIVE"
    assert body["updated_at"] == "2026-03-02T09:01:00Z"
    stored = state_of(acme, FIXTURE_PAUSED_RUN)
    assert stored["status"] == "ACTIVE"
    assert "paused_until" not in stored


def test_resumed_run_ignores_its_old_deadline(acme: httpx.Client) -> None:
    """After a manual resume, the old deadline passing leaves updated_at alone."""
    acme.post(f"/v1/sequences/{FIXTURE_PAUSED_RUN}/resume")
    advance(acme, 2 * 3600)
    body = acme.get(f"/v1/sequences/{FIXTURE_PAUSED_RUN}").json()
    assert body["status"] == "ACTIVE"
    assert body["updated_at"] == CLOCK_START


def test_pause_then_resume_round_trip(acme: httpx.Client) -> None:
    """A run paused through the API can be resumed through the API."""
    pause(acme, AMELIE_RUN, IN_AN_HOUR)
    response = acme.post(f"/v1/sequences/{AMELIE_RUN}/resume")
    assert response.status_code == 200
    assert response.json()["status"] == "ACTIVE"


@pytest.mark.parametrize("payload", [{"x": 1}, {"paused_until": IN_AN_HOUR}, [], "resume"])
def test_resume_with_a_non_empty_body_is_422(acme: httpx.Client, payload: object) -> None:
    """Any body other than {} is a 422 validation_error and changes nothing."""
    before = state(acme)
    response = acme.post(f"/v1/sequences/{FIXTURE_PAUSED_RUN}/resume", json=payload)
    assert_validation_error(response, "body")
    assert state(acme) == before


def test_resume_with_text_body_is_415(acme: httpx.Client) -> None:
    """A resume body that is not JSON-typed is 415."""
    response = acme.post(
        f"/v1/sequences/{FIXTURE_PAUSED_RUN}/resume",
        content=b"{}",
        headers={"Content-Type": "text/plain"},
    )
    assert_problem(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s != "WAITING_FOR_LEAD"])
def test_resume_from_other_status_is_409(acme: httpx.Client, status: str) -> None:
    """Only WAITING_FOR_LEAD runs resume; others are 409 naming their status, unchanged."""
    sequence_id = run_in_status(acme, status)
    before = state(acme)
    response = acme.post(f"/v1/sequences/{sequence_id}/resume")
    document = assert_problem(response, 409, "invalid_state_transition")
    assert status in document["detail"]
    assert state(acme) == before


def test_a_resume_answers_the_step_that_fell_due_while_paused(acme: httpx.Client) -> None:
    """At one frozen instant the resume's answer and a GET agree: the step overdue while the run
    was paused runs as part of the resume, attributed to that call, not to the clock."""
    assert pause(acme, AMELIE_RUN, "2026-06-01T00:00:00Z").status_code == 200
    advance(acme, 30 * 86400)

    resumed = acme.post(f"/v1/sequences/{AMELIE_RUN}/resume")

    assert resumed.status_code == 200
    assert acme.get(f"/v1/sequences/{AMELIE_RUN}").json() == resumed.json()
    assert resumed.json()["last_step_executed_at"] == "2026-04-01T09:00:00Z"
    [call] = acme.get("/__mock/requests", params={"operation": "resumeSequence"}).json()["requests"]
    events = acme.get(f"/__mock/sequences/{AMELIE_RUN}/history").json()["events"]
    after_resume = events[[event["event"] for event in events].index("resumed") :]
    assert len(after_resume) > 1
    assert {(event["cause"], event["request_seq"]) for event in after_resume} == {
        ("api", call["seq"])
    }
