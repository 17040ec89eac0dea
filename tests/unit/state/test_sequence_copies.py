"""No path that copies a run drops a field.

A `Sequence` field with a default that one copy forgets would silently fall back to its default
on every clock move, write or seed, and neither mypy nor another test would notice. Here runs
with every field set to something other than its default go through every path that copies or
rebuilds a run: the clock's progress, a manual task, the API's writes, scheduling a seeded run,
enrollment, building a world from a fixture, and the state dump seeded back.

A new field fails `test_the_runs_here_set_every_field` until these runs set it; from then on,
any path that forgets it fails its own test.
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, fields, replace
from datetime import timedelta
from typing import Any

import pytest

from builders import DAY, NOW, frozen_clock
from sequences_mock import fixtures
from sequences_mock.core import lifecycle
from sequences_mock.core.domain import (
    Contact,
    ContactList,
    RefusalReason,
    Sequence,
    Status,
    Step,
    StepType,
    StopReason,
    Template,
    Workspace,
)
from sequences_mock.core.lifecycle import TaskOutcome
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.state.enrollments import Enrollment
from sequences_mock.state.runtime import Runtime
from sequences_mock.state.store import Store

WORKSPACE = Workspace("11111111-1111-4111-8111-111111111111", "Acme")
CONTACT = Contact(
    "22222222-2222-4222-8222-222222222222",
    WORKSPACE.id,
    None,
    "Ada",
    "Lovelace",
    "ada@example.com",
    linkedin_url="https://www.linkedin.com/in/ada",
    phone="+1 555 0100",
)
CONTACT_LIST = ContactList("33333333-3333-4333-8333-333333333333", WORKSPACE.id, "Leads")
#: Email, a call (a person's task), email, email: every kind of progress.
TEMPLATE = Template(
    "44444444-4444-4444-8444-444444444444",
    WORKSPACE.id,
    "Cadence",
    {"cta": "Coffee?"},
    (
        Step(StepType.EMAIL, timedelta(0)),
        Step(StepType.CALL, DAY),
        Step(StepType.EMAIL, DAY),
        Step(StepType.EMAIL, DAY),
    ),
)


def run(number: int, status: Status, **changes: Any) -> Sequence:
    """A run of `TEMPLATE` for `CONTACT` in `CONTACT_LIST`, with a step behind it."""
    sequence = Sequence(
        id=f"55555555-5555-4555-8555-{number:012d}",
        workspace_id=WORKSPACE.id,
        contact_id=CONTACT.id,
        template_id=TEMPLATE.id,
        status=status,
        variables={"first_name": "Ada"},
        contact_list_id=CONTACT_LIST.id,
        last_step_executed_at=NOW - 3 * DAY,
        created_at=NOW - 5 * DAY,
        updated_at=NOW - 2 * DAY,
        next_step=1,
        skipped_steps=1,
    )
    return replace(sequence, **changes)


#: Every field away from its default at once: no real run is like this, but the pure rules copy
#: it as they would any other.
EVERYTHING = run(
    1,
    Status.WAITING_FOR_LEAD,
    paused_until=NOW + DAY,
    stop_reason=StopReason.WIN,
    next_step=2,
    next_step_at=NOW + 3 * DAY,
    skipped_steps=1,
    refusal_reason=RefusalReason.UNSUBSCRIBED,
)
#: Runs a fixture may hold, which between them set every field away from its default.
SEEDABLE = (
    run(2, Status.WAITING_FOR_LEAD, paused_until=NOW + DAY, next_step_at=NOW + 2 * DAY),
    run(3, Status.STOPPED_EARLY, stop_reason=StopReason.LOSE, next_step=2),
    run(4, Status.REFUSED, refusal_reason=RefusalReason.EMAIL_BOUNCED),
    run(5, Status.WAITING_FOR_USER, next_step=1),
    run(6, Status.ACTIVE, next_step=2, next_step_at=NOW + DAY),
)


def away_from_default(sequence: Sequence) -> set[str]:
    """The fields of `sequence` that hold something other than their default (or than None)."""
    return {
        field.name
        for field in fields(Sequence)
        if getattr(sequence, field.name) != (None if field.default is MISSING else field.default)
    }


def every_field() -> set[str]:
    return {field.name for field in fields(Sequence)}


def world(*sequences: Sequence) -> World:
    return World(
        clock=ClockSetting(NOW, frozen=True),
        workspaces={WORKSPACE.id: WORKSPACE},
        contacts={CONTACT.id: CONTACT},
        templates={TEMPLATE.id: TEMPLATE},
        contact_lists={CONTACT_LIST.id: CONTACT_LIST},
        sequences={sequence.id: sequence for sequence in sequences},
    )


def test_the_runs_here_set_every_field() -> None:
    """A new `Sequence` field must be given a value here, so the paths below carry it."""
    assert away_from_default(EVERYTHING) == every_field()
    assert set().union(*map(away_from_default, SEEDABLE)) == every_field()


# -- the pure rules ------------------------------------------------------------------------------


def test_the_clock_keeps_every_field_it_does_not_move() -> None:
    """A pause that runs out: ACTIVE at the deadline, every other field as it was."""
    deadline = EVERYTHING.paused_until
    assert deadline is not None

    resumed, _ = lifecycle.progress(EVERYTHING, TEMPLATE.steps, CONTACT, deadline)

    assert resumed == replace(
        EVERYTHING, status=Status.ACTIVE, paused_until=None, updated_at=deadline
    )


def test_a_step_that_runs_keeps_every_field_it_does_not_move() -> None:
    due = NOW + DAY
    active = replace(EVERYTHING, status=Status.ACTIVE, paused_until=None, next_step_at=due)

    ran, _ = lifecycle.progress(active, TEMPLATE.steps, CONTACT, due)

    expected = replace(
        active, next_step=3, next_step_at=due + DAY, last_step_executed_at=due, updated_at=due
    )
    assert ran == expected


def test_a_completed_task_keeps_every_field_it_does_not_move() -> None:
    waiting = replace(EVERYTHING, status=Status.WAITING_FOR_USER, paused_until=None, next_step=1)

    done, _ = lifecycle.complete_task(waiting, TEMPLATE.steps, TaskOutcome.DONE, NOW)

    expected = replace(
        waiting,
        status=Status.ACTIVE,
        next_step=2,
        next_step_at=NOW + DAY,
        last_step_executed_at=NOW,
        updated_at=NOW,
    )
    assert done == expected


@pytest.mark.parametrize(
    ("write", "changes"),
    [
        (
            lambda s: lifecycle.pause(s, NOW + 2 * DAY, NOW),
            {"paused_until": NOW + 2 * DAY, "updated_at": NOW},
        ),
        (
            lambda s: lifecycle.resume(s, NOW),
            {"status": Status.ACTIVE, "paused_until": None, "updated_at": NOW},
        ),
        (
            lambda s: lifecycle.stop(s, StopReason.LOSE, NOW),
            {
                "status": Status.STOPPED_EARLY,
                "stop_reason": StopReason.LOSE,
                "paused_until": None,
                "next_step_at": None,
                "updated_at": NOW,
            },
        ),
        (
            lambda s: lifecycle.update_variables(s, {"cta": "Tea?"}, NOW),
            {"variables": {"first_name": "Ada", "cta": "Tea?"}, "updated_at": NOW},
        ),
    ],
    ids=["pause", "resume", "stop", "update_variables"],
)
def test_the_api_writes_keep_every_field_they_do_not_change(
    write: Any, changes: dict[str, Any]
) -> None:
    assert write(EVERYTHING) == replace(EVERYTHING, **changes)


def test_a_copy_is_a_frozen_sequence_like_one_made_whole() -> None:
    """A copy is filled in a mutable twin of the class and then takes the class: what comes
    out is a `Sequence` in every way, frozen like one made by its constructor."""
    paused = lifecycle.pause(EVERYTHING, NOW + 2 * DAY, NOW)

    assert type(paused) is Sequence
    with pytest.raises(FrozenInstanceError):
        paused.status = Status.ACTIVE  # type: ignore[misc]
    assert paused == Sequence(**{f.name: getattr(paused, f.name) for f in fields(Sequence)})


def test_scheduling_a_seeded_run_keeps_every_field() -> None:
    unscheduled = replace(EVERYTHING, next_step_at=None)

    scheduled = lifecycle.schedule(unscheduled, TEMPLATE.steps, NOW, DAY)

    assert scheduled == replace(unscheduled, next_step_at=NOW + DAY)


def test_enrollment_names_every_field_of_the_new_run() -> None:
    """A new run is made, not copied: each field is what the request, the template and the
    clock make it, and a new field needs its value for a new run decided here."""
    request = Enrollment(TEMPLATE.id, CONTACT.id, CONTACT_LIST.id, {"cta": "Tea?"}, "e" * 8)
    store = Store(world(), frozen_clock())

    enrolled = store.enroll(request)

    expected = {
        "id": "e" * 8,
        "workspace_id": WORKSPACE.id,
        "contact_id": CONTACT.id,
        "template_id": TEMPLATE.id,
        "status": Status.FOUND,
        "variables": {"cta": "Tea?"},
        "contact_list_id": CONTACT_LIST.id,
        "last_step_executed_at": None,
        "created_at": NOW,
        "updated_at": NOW,
        "paused_until": None,
        "stop_reason": None,
        "next_step": 0,
        "next_step_at": NOW + world().lifecycle.activation_delay,
        "skipped_steps": 0,
        "refusal_reason": None,
    }
    assert expected.keys() == every_field()
    assert enrolled == Sequence(**expected)


# -- fixtures and the state dump -----------------------------------------------------------------


def test_a_fixture_builds_every_field_back() -> None:
    """dump, then load: the fixture format and `build` carry every field."""
    original = world(*SEEDABLE)

    rebuilt = fixtures.load(fixtures.dump(original))

    assert dict(rebuilt.sequences) == dict(original.sequences)


def test_the_state_dump_seeds_back_with_every_field() -> None:
    """What `GET /__mock/state` dumps, `POST /__mock/seed` takes back whole, through the store."""
    runtime = Runtime(world(*SEEDABLE), wall=lambda: NOW, monotonic=lambda: 0.0)
    before = dict(runtime.store.world.sequences)

    runtime.seed(fixtures.dump(runtime.store.world))

    assert dict(runtime.store.world.sequences) == before == {s.id: s for s in SEEDABLE}
