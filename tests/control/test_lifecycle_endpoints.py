"""The lifecycle through HTTP: enrollments, manual tasks and histories on the control plane, and
runs that move on the mock clock as the public API shows them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from default_world import (
    ACME,
    AMELIE_RUN,
    DIEGO,
    GLOBEX,
    OLIVIA,
    READ_WRITE,
    RENEWAL_NUDGE,
    WAITING_ON_A_CALL,
    bearer,
)
from http_helpers import MOCK_ONLY_KEYS, assert_problem, assert_validation_error
from sequences_mock.testing import MockHandle

RW = bearer(READ_WRITE)
GLOBEX_TEMPLATE = "cc1baa67-06a8-4081-b613-def7f2f75590"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def enroll(client: httpx.Client, **request: Any) -> httpx.Response:
    """An enrollment on the wire, for the tests of its refusals."""
    return client.post("/__mock/enrollments", json=request)


def public_run(client: httpx.Client, sequence_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/sequences/{sequence_id}", headers=RW)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_enrolled_run_activates_runs_steps_waits_on_its_call_and_succeeds(
    client: httpx.Client, mock: MockHandle
) -> None:
    """The README's walkthrough, step by step: "Renewal nudge" is email, call +5d, email +3d."""
    run = mock.enroll(RENEWAL_NUDGE, OLIVIA)
    assert (run["status"], run["workspace_id"], run["contact_id"]) == ("FOUND", ACME, OLIVIA)
    assert (run["created_at"], run["next_step_at"]) == (
        "2026-03-02T09:00:00Z",
        "2026-03-02T09:05:00Z",
    )
    shown = public_run(client, run["id"])
    assert shown["status"] == "FOUND"
    assert not MOCK_ONLY_KEYS & shown.keys()

    mock.clock.advance(300)
    shown = public_run(client, run["id"])
    assert (shown["status"], shown["last_step_executed_at"]) == ("ACTIVE", "2026-03-02T09:05:00Z")

    mock.clock.advance(5 * 86400)
    shown = public_run(client, run["id"])
    assert (shown["status"], shown["updated_at"]) == ("WAITING_FOR_USER", "2026-03-07T09:05:00Z")
    waiting = client.get(
        "/v1/sequences", params={"status": "WAITING_FOR_USER", "size": 100}, headers=RW
    )
    assert run["id"] in {item["id"] for item in waiting.json()["items"]}

    done = mock.complete_task(run["id"])
    assert (done["status"], done["next_step_at"]) == ("ACTIVE", "2026-03-10T09:05:00Z")

    mock.clock.advance(3 * 86400)
    shown = public_run(client, run["id"])
    assert (shown["status"], shown["last_step_executed_at"]) == (
        "SUCCEEDED",
        "2026-03-10T09:05:00Z",
    )
    assert [(e["event"], e["cause"], e["step"]) for e in mock.history(run["id"])] == [
        ("enrolled", "control", None),
        ("activated", "clock", None),
        ("step_ran", "clock", 0),
        ("task_pending", "clock", 1),
        ("task_done", "control", 1),
        ("step_ran", "clock", 2),
        ("succeeded", "clock", None),
    ]


def test_an_unsubscribed_contact_is_refused_and_never_starts(
    client: httpx.Client, mock: MockHandle
) -> None:
    refused = mock.enroll(RENEWAL_NUDGE, DIEGO)
    assert (refused["status"], refused["refusal_reason"]) == ("REFUSED", "unsubscribed")
    mock.clock.advance(30 * 86400)
    assert public_run(client, refused["id"])["status"] == "REFUSED"
    assert [e["event"] for e in mock.history(refused["id"])] == ["refused"]


def test_a_second_enrollment_while_the_first_is_unfinished_is_refused(mock: MockHandle) -> None:
    first = mock.enroll(RENEWAL_NUDGE, OLIVIA)
    second = mock.enroll(RENEWAL_NUDGE, OLIVIA)
    assert (first["status"], second["refusal_reason"]) == ("FOUND", "already_enrolled")


def test_an_enrollment_may_name_its_id_list_and_variables(client: httpx.Client) -> None:
    chosen = "0e0e0e0e-0000-4000-8000-000000000001"
    created = enroll(
        client,
        id=chosen,
        template_id=RENEWAL_NUDGE,
        contact_id=OLIVIA,
        contact_list_id=None,
        variables={"cta": "Renew today"},
    )
    assert created.status_code == 201
    assert (created.json()["id"], created.json()["variables"]) == (chosen, {"cta": "Renew today"})
    again = enroll(client, id=chosen, template_id=RENEWAL_NUDGE, contact_id=OLIVIA)
    assert_problem(again, 409, "duplicate_id")


def test_enrollment_ids_are_the_same_after_a_reset(client: httpx.Client, mock: MockHandle) -> None:
    first = mock.enroll(RENEWAL_NUDGE, OLIVIA)["id"]
    mock.reset()
    assert public_run_status(client, first) == 404
    assert mock.enroll(RENEWAL_NUDGE, OLIVIA)["id"] == first


def test_a_refused_enrollment_leaves_the_ids_after_a_reset_as_they_were(
    client: httpx.Client, mock: MockHandle
) -> None:
    """An enrollment refused once its id was drawn changed no run, yet a reset must still
    start the ids over (a reset keeps a store no call changed)."""
    first = mock.enroll(RENEWAL_NUDGE, OLIVIA)["id"]
    mock.reset()
    refused = client.post(
        "/__mock/enrollments", json={"template_id": RENEWAL_NUDGE, "contact_id": UNKNOWN}
    )
    assert refused.status_code in (404, 422)
    mock.reset()

    assert mock.enroll(RENEWAL_NUDGE, OLIVIA)["id"] == first


def public_run_status(client: httpx.Client, sequence_id: str) -> int:
    return client.get(f"/v1/sequences/{sequence_id}", headers=RW).status_code


@pytest.mark.parametrize(
    ("request_body", "names"),
    [
        ({"template_id": UNKNOWN, "contact_id": OLIVIA}, {"template_id"}),
        ({"template_id": RENEWAL_NUDGE, "contact_id": UNKNOWN}, {"contact_id"}),
        ({"template_id": GLOBEX_TEMPLATE, "contact_id": OLIVIA}, {"contact_id"}),
        ({"template_id": RENEWAL_NUDGE}, {"contact_id"}),
        ({"template_id": RENEWAL_NUDGE, "contact_id": OLIVIA, "status": "ACTIVE"}, {"status"}),
        ({"template_id": "not-a-uuid", "contact_id": OLIVIA}, {"template_id"}),
    ],
)  # fmt: skip
def test_a_bad_enrollment_is_refused_by_field_and_changes_nothing(
    client: httpx.Client, request_body: dict[str, Any], names: set[str]
) -> None:
    before = client.get("/__mock/state").json()
    assert_validation_error(client.post("/__mock/enrollments", json=request_body), "body", names)
    assert client.get("/__mock/state").json() == before


def test_a_malformed_enrollment_is_a_400(client: httpx.Client) -> None:
    response = client.post(
        "/__mock/enrollments", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")


def test_completing_and_skipping_tasks(client: httpx.Client) -> None:
    done = client.post(f"/__mock/sequences/{WAITING_ON_A_CALL}/task", json={"outcome": "skipped"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["skipped_steps"]) == ("ACTIVE", 1)
    again = client.post(f"/__mock/sequences/{WAITING_ON_A_CALL}/task", json={"outcome": "done"})
    assert_problem(again, 409, "invalid_state_transition")
    unknown = client.post(
        "/__mock/sequences/00000000-0000-4000-8000-000000000000/task", json={"outcome": "done"}
    )
    assert_problem(unknown, 404, "not_found")
    bad = client.post(f"/__mock/sequences/{AMELIE_RUN}/task", json={"outcome": "maybe"})
    assert_validation_error(bad, "body", {"outcome"})


def test_api_calls_are_in_the_history_with_their_journal_entry(
    client: httpx.Client, mock: MockHandle
) -> None:
    client.post(
        f"/v1/sequences/{AMELIE_RUN}/pause",
        json={"paused_until": "2026-03-03T09:00:00Z"},
        headers=RW,
    )
    client.post(f"/v1/sequences/{AMELIE_RUN}/resume", headers=RW)
    journal = mock.requests("resumeSequence")
    events = mock.history(AMELIE_RUN)
    assert [(e["event"], e["from"], e["to"], e["cause"]) for e in events] == [
        ("paused", "ACTIVE", "WAITING_FOR_LEAD", "api"),
        ("resumed", "WAITING_FOR_LEAD", "ACTIVE", "api"),
    ]
    assert events[1]["request_seq"] == journal[0]["seq"]
    assert events[0]["request_seq"] == events[1]["request_seq"] - 1


def test_a_history_of_an_unknown_run_is_a_404_and_of_a_seeded_one_empty(
    client: httpx.Client, mock: MockHandle
) -> None:
    assert_problem(client.get("/__mock/sequences/nope/history"), 404, "not_found")
    assert mock.history(AMELIE_RUN) == []


def test_another_workspace_s_run_is_reachable_on_the_control_plane(mock: MockHandle) -> None:
    """The control plane sees every workspace: it is the test's view, not a client's."""
    globex_run = next(s["id"] for s in mock.state()["sequences"] if s["workspace_id"] == GLOBEX)
    assert mock.history(globex_run) == []


def test_the_state_round_trips_mid_lifecycle(mock: MockHandle) -> None:
    mock.enroll(RENEWAL_NUDGE, OLIVIA)
    mock.clock.advance(6 * 86400)
    before = mock.state()
    mock.seed(before)
    assert mock.state() == before
    mock.clock.advance(9 * 86400)
    assert mock.state() != before  # and it lives on from there


def test_reset_restores_the_start_of_the_lifecycle(mock: MockHandle) -> None:
    start = mock.state()
    mock.enroll(RENEWAL_NUDGE, OLIVIA)
    mock.clock.advance(20 * 86400)
    assert mock.state() != start
    mock.reset()
    assert mock.state() == start


def test_already_enrolled_follows_the_runs_a_seed_a_stop_and_a_reset_leave(
    client: httpx.Client, mock: MockHandle
) -> None:
    """A merged run makes the contact enrolled; stopping it, or a reset, ends that."""
    merged_id = "0e0e0e0e-0000-4000-8000-000000000002"
    amelie = next(run for run in mock.state()["sequences"] if run["id"] == AMELIE_RUN)
    merged = {**amelie, "id": merged_id, "template_id": RENEWAL_NUDGE, "contact_id": OLIVIA}
    mock.seed({"sequences": [merged]}, mode="merge")
    assert mock.enroll(RENEWAL_NUDGE, OLIVIA)["refusal_reason"] == "already_enrolled"

    stopped = client.post(f"/v1/sequences/{merged_id}/stop", json={"reason": "LOSE"}, headers=RW)
    assert stopped.status_code == 200, stopped.text
    first = mock.enroll(RENEWAL_NUDGE, OLIVIA)
    assert first["status"] == "FOUND"
    assert mock.enroll(RENEWAL_NUDGE, OLIVIA)["refusal_reason"] == "already_enrolled"

    mock.reset()
    assert mock.enroll(RENEWAL_NUDGE, OLIVIA)["status"] == "FOUND"
