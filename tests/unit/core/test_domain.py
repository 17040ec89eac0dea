"""Pure status rules in `sequences_mock.core.lifecycle`, and the three copies of the status enum."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from uuid import uuid4

import pytest
import yaml

import builders
from builders import NOW
from sequences_mock.core import lifecycle
from sequences_mock.core.domain import Sequence, Status, StopReason
from sequences_mock.core.errors import InvalidStateTransition, PausedUntilNotInFuture
from sequences_mock.core.lifecycle import NON_TERMINAL

ROOT = Path(__file__).resolve().parents[3]
CREATED = datetime(2026, 2, 1, 8, 0, 0, tzinfo=UTC)
UPDATED = datetime(2026, 2, 20, 8, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)

PAUSABLE = [Status.ACTIVE, Status.WAITING_FOR_LEAD]
RESUMABLE = [Status.WAITING_FOR_LEAD]
STOPPABLE = [Status.ACTIVE, Status.WAITING_FOR_LEAD, Status.WAITING_FOR_USER, Status.FOUND]
TERMINAL = [
    Status.SUCCEEDED,
    Status.FAILED,
    Status.STOPPED_EARLY,
    Status.COMPLETED,
    Status.REFUSED,
]


def others(allowed: list[Status]) -> list[Status]:
    return [status for status in Status if status not in allowed]


def make_sequence(status: Status, **changes: object) -> Sequence:
    """A run in `status` with the mock-only fields its status implies."""
    sequence = builders.sequence(
        status,
        id=str(uuid4()),
        workspace_id=str(uuid4()),
        contact_id=str(uuid4()),
        template_id=str(uuid4()),
        variables={"first_name": "Ada", "company": "Initech"},
        created_at=CREATED,
        updated_at=UPDATED,
        paused_until=NOW + timedelta(hours=5) if status is Status.WAITING_FOR_LEAD else None,
        stop_reason=StopReason.LOSE if status is Status.STOPPED_EARLY else None,
    )
    return replace(sequence, **changes)


def test_status_values_are_their_names() -> None:
    """Every Status is a string enum whose value equals its name, nine in all."""
    assert [status.value for status in Status] == [status.name for status in Status]
    assert len(Status) == 9


def test_non_terminal_statuses() -> None:
    """NON_TERMINAL is exactly the four statuses a run can still be stopped from."""
    assert set(STOPPABLE) == NON_TERMINAL
    assert set(TERMINAL) == set(Status) - NON_TERMINAL


def test_status_enum_matches_openapi() -> None:
    """The Status enum lists the same values, in the same order, as SequenceStatus in openapi."""
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    enum = document["components"]["schemas"]["SequenceStatus"]["enum"]
    assert enum == [status.value for status in Status]


def test_status_enum_matches_packaged_openapi() -> None:
    """The contract shipped inside the package carries the same SequenceStatus enum."""
    text = (resources.files("sequences_mock") / "_data" / "openapi.yaml").read_text("utf-8")
    enum = yaml.safe_load(text)["components"]["schemas"]["SequenceStatus"]["enum"]
    assert enum == [status.value for status in Status]


def test_status_enum_matches_fixture_schema() -> None:
    """The fixture schema's sequences.status enum lists the same values as Status."""
    schema_path = ROOT / "src" / "sequences_mock" / "fixture.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    enum = schema["properties"]["sequences"]["items"]["properties"]["status"]["enum"]
    assert enum == [status.value for status in Status]


# -- pause -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", PAUSABLE)
def test_pause_allowed(status: Status) -> None:
    """Pausing an ACTIVE or WAITING_FOR_LEAD run makes it WAITING_FOR_LEAD until the deadline."""
    sequence = make_sequence(status)
    paused = lifecycle.pause(sequence, LATER, NOW)
    assert paused == replace(
        sequence, status=Status.WAITING_FOR_LEAD, paused_until=LATER, updated_at=NOW
    )


@pytest.mark.parametrize("status", others(PAUSABLE))
def test_pause_refused(status: Status) -> None:
    """Pausing any other status raises InvalidStateTransition naming the current status."""
    sequence = make_sequence(status)
    with pytest.raises(InvalidStateTransition) as caught:
        lifecycle.pause(sequence, LATER, NOW)
    assert caught.value.code == "invalid_state_transition"
    assert caught.value.detail.startswith(f"sequence {sequence.id} is {status.value};")
    assert caught.value.detail.endswith("can be paused")


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("until", [NOW, NOW - timedelta(microseconds=1), NOW - timedelta(days=9)])
def test_pause_deadline_not_in_future(status: Status, until: datetime) -> None:
    """A deadline at or before now raises PausedUntilNotInFuture, before any status check."""
    sequence = make_sequence(status)
    with pytest.raises(PausedUntilNotInFuture) as caught:
        lifecycle.pause(sequence, until, NOW)
    assert caught.value.code == "paused_until_not_in_future"


def test_pause_past_deadline_on_succeeded_run_is_deadline_error() -> None:
    """A past deadline on a SUCCEEDED run is PausedUntilNotInFuture, not a state error."""
    sequence = make_sequence(Status.SUCCEEDED)
    with pytest.raises(PausedUntilNotInFuture) as caught:
        lifecycle.pause(sequence, NOW - timedelta(hours=1), NOW)
    assert caught.value.detail == (
        "paused_until 2026-03-02T08:00:00Z is not after the current time 2026-03-02T09:00:00Z"
    )


def test_pause_one_microsecond_ahead_is_allowed() -> None:
    """A deadline one microsecond after now is in the future."""
    until = NOW + timedelta(microseconds=1)
    paused = lifecycle.pause(make_sequence(Status.ACTIVE), until, NOW)
    assert paused.paused_until == until


def test_pause_moves_an_existing_deadline() -> None:
    """Pausing a paused run replaces its deadline, earlier or later."""
    sequence = make_sequence(Status.WAITING_FOR_LEAD, paused_until=NOW + timedelta(days=5))
    earlier = lifecycle.pause(sequence, NOW + timedelta(minutes=1), NOW)
    assert earlier.paused_until == NOW + timedelta(minutes=1)


# -- resume ------------------------------------------------------------------------------------


def test_resume_allowed_from_waiting_for_lead() -> None:
    """Resuming a WAITING_FOR_LEAD run makes it ACTIVE and clears the deadline."""
    sequence = make_sequence(Status.WAITING_FOR_LEAD)
    resumed = lifecycle.resume(sequence, NOW)
    assert resumed == replace(sequence, status=Status.ACTIVE, paused_until=None, updated_at=NOW)


@pytest.mark.parametrize("status", others(RESUMABLE))
def test_resume_refused(status: Status) -> None:
    """Resuming any status but WAITING_FOR_LEAD raises InvalidStateTransition naming it."""
    sequence = make_sequence(status)
    with pytest.raises(InvalidStateTransition) as caught:
        lifecycle.resume(sequence, NOW)
    assert caught.value.detail == (
        f"sequence {sequence.id} is {status.value}; only a sequence that is WAITING_FOR_LEAD "
        "can be resumed"
    )


# -- stop --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", list(StopReason))
@pytest.mark.parametrize("status", STOPPABLE)
def test_stop_allowed(status: Status, reason: StopReason) -> None:
    """Stopping a non-terminal run makes it STOPPED_EARLY with the reason and no deadline."""
    sequence = make_sequence(status)
    stopped = lifecycle.stop(sequence, reason, NOW)
    assert stopped == replace(
        sequence,
        status=Status.STOPPED_EARLY,
        stop_reason=reason,
        paused_until=None,
        updated_at=NOW,
    )


@pytest.mark.parametrize("status", TERMINAL)
def test_stop_refused(status: Status) -> None:
    """Stopping a terminal run raises InvalidStateTransition naming its status."""
    sequence = make_sequence(status)
    with pytest.raises(InvalidStateTransition) as caught:
        lifecycle.stop(sequence, StopReason.WIN, NOW)
    assert caught.value.detail == (
        f"sequence {sequence.id} is {status.value}; only a sequence that is ACTIVE, FOUND, "
        "WAITING_FOR_LEAD, WAITING_FOR_USER can be stopped"
    )


# -- update_variables --------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
def test_update_variables_works_in_every_status(status: Status) -> None:
    """Variables merge in every status: set, overwrite, None removes; only updated_at changes."""
    sequence = make_sequence(status)
    updated = lifecycle.update_variables(
        sequence, {"first_name": "Grace", "title": "CTO", "company": None}, NOW
    )
    assert updated == replace(
        sequence, variables={"first_name": "Grace", "title": "CTO"}, updated_at=NOW
    )


def test_update_variables_removing_absent_key_is_fine() -> None:
    """A None for a variable that is not set is ignored, not an error."""
    sequence = make_sequence(Status.ACTIVE)
    updated = lifecycle.update_variables(sequence, {"missing": None}, NOW)
    assert updated.variables == {"first_name": "Ada", "company": "Initech"}
    assert updated.updated_at == NOW


def test_update_variables_empty_changes_bumps_updated_at() -> None:
    """An empty change set keeps the variables but still bumps updated_at."""
    sequence = make_sequence(Status.FOUND)
    updated = lifecycle.update_variables(sequence, {}, NOW)
    assert updated.variables == sequence.variables
    assert updated.updated_at == NOW


def test_update_variables_never_mutates_input() -> None:
    """The input run's variables dict is left untouched and not shared with the result."""
    original = {"first_name": "Ada", "company": "Initech"}
    sequence = make_sequence(Status.ACTIVE, variables=original)
    updated = lifecycle.update_variables(sequence, {"first_name": "Grace", "company": None}, NOW)
    assert original == {"first_name": "Ada", "company": "Initech"}
    assert sequence.variables is original
    assert updated.variables is not original
    assert sequence.updated_at == UPDATED


def test_update_variables_empty_string_is_a_value() -> None:
    """An empty string is stored as a value, not treated as a removal."""
    sequence = make_sequence(Status.ACTIVE)
    updated = lifecycle.update_variables(sequence, {"company": ""}, NOW)
    assert updated.variables == {"first_name": "Ada", "company": ""}


# -- the resume at the deadline ----------------------------------------------------------------


def test_resume_at_deadline() -> None:
    """The automatic resume makes the run ACTIVE, clears the deadline, updated_at = deadline."""
    deadline = NOW + timedelta(hours=5, microseconds=3)
    sequence = make_sequence(Status.WAITING_FOR_LEAD, paused_until=deadline)
    resumed, _ = lifecycle.progress(sequence, (), None, deadline)
    assert resumed == replace(
        sequence, status=Status.ACTIVE, paused_until=None, updated_at=deadline
    )


# -- purity ------------------------------------------------------------------------------------


def test_transitions_return_new_objects_and_leave_input_alone() -> None:
    """pause, resume, stop and the clock return new runs; the input run is unchanged."""
    sequence = make_sequence(Status.WAITING_FOR_LEAD)
    snapshot = replace(sequence)
    lifecycle.pause(sequence, LATER, NOW)
    lifecycle.resume(sequence, NOW)
    lifecycle.stop(sequence, StopReason.WIN, NOW)
    lifecycle.progress(sequence, (), None, LATER)
    assert sequence == snapshot
