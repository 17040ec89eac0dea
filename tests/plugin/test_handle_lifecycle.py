"""The handle's lifecycle calls, through the plugin's in-process fixture: enroll a contact, move
the clock, complete or skip the manual step, read the history."""

from __future__ import annotations

from typing import Any

import pytest

from default_world import DIEGO, OLIVIA, RENEWAL_NUDGE, WAITING_ON_A_CALL
from sequences_mock.testing import ControlError

DAY = 86400


def test_enroll_then_complete_the_call_and_the_run_succeeds(sequences_mock_app: Any) -> None:
    mock = sequences_mock_app
    run = mock.enroll(RENEWAL_NUDGE, OLIVIA, variables={"cta": "Renew today"})
    assert (run["status"], run["variables"]) == ("FOUND", {"cta": "Renew today"})

    mock.clock.advance(300 + 5 * DAY)
    assert mock.sequence(run["id"])["status"] == "WAITING_FOR_USER"
    assert mock.complete_task(run["id"])["status"] == "ACTIVE"
    mock.clock.advance(3 * DAY)

    assert mock.sequence(run["id"])["status"] == "SUCCEEDED"
    assert [event["event"] for event in mock.history(run["id"])] == [
        "enrolled",
        "activated",
        "step_ran",
        "task_pending",
        "task_done",
        "step_ran",
        "succeeded",
    ]


def test_skipping_the_task_ends_the_run_completed(sequences_mock_app: Any) -> None:
    mock = sequences_mock_app
    skipped = mock.skip_task(WAITING_ON_A_CALL)
    assert (skipped["status"], skipped["skipped_steps"]) == ("ACTIVE", 1)
    mock.clock.advance(30 * DAY)
    assert mock.sequence(WAITING_ON_A_CALL)["status"] == "COMPLETED"


def test_a_refused_enrollment_and_a_refused_task_say_why(sequences_mock_app: Any) -> None:
    mock = sequences_mock_app
    refused = mock.enroll(RENEWAL_NUDGE, DIEGO, sequence_id="0e0e0e0e-0000-4000-8000-00000000000d")
    assert (refused["id"], refused["refusal_reason"]) == (
        "0e0e0e0e-0000-4000-8000-00000000000d",
        "unsubscribed",
    )
    with pytest.raises(ControlError, match="409"):
        mock.complete_task(refused["id"])
