"""A clock set near year 9999: a step due past the last instant Python can hold is due at that
instant, not an `OverflowError` answered 500 that leaves the run stuck."""

from __future__ import annotations

import httpx

from default_world import OLIVIA, READ_WRITE, RENEWAL_NUDGE, bearer

LAST = "9999-12-31T23:59:59.999999Z"


def test_a_run_whose_next_step_is_past_the_end_of_time_is_due_at_the_end(
    client: httpx.Client,
) -> None:
    """Olivia's enrollment activates at 00:05 and runs its email; the call is due 5 days on,
    past 9999-12-31: once a 500 on every read, the run FOUND for good."""
    assert client.post("/__mock/clock", json={"now": "9999-12-30T00:00:00Z"}).status_code == 200
    enrolled = client.post(
        "/__mock/enrollments", json={"template_id": RENEWAL_NUDGE, "contact_id": OLIVIA}
    )
    assert enrolled.status_code == 201, enrolled.text
    run = enrolled.json()["id"]

    moved = client.post("/__mock/clock", json={"advance_seconds": 600})
    read = client.get(f"/v1/sequences/{run}", headers=bearer(READ_WRITE))
    state = client.get("/__mock/state")

    assert moved.status_code == 200, moved.text
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "ACTIVE"
    assert read.json()["last_step_executed_at"] == "9999-12-30T00:05:00Z"
    (dumped,) = [item for item in state.json()["sequences"] if item["id"] == run]
    assert dumped["next_step_at"] == LAST
