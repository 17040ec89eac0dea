"""The lifecycle rules in `sequences_mock.core.lifecycle`: pure functions, no store, no HTTP."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from builders import AUTOMATIC, CADENCE, DAY, HOUR, MINUTE, NOW, contact, sequence
from sequences_mock.core import lifecycle
from sequences_mock.core.domain import (
    Contact,
    EmailStatus,
    RefusalReason,
    Sequence,
    Status,
    Step,
    StepType,
    StopReason,
)
from sequences_mock.core.errors import InvalidStateTransition
from sequences_mock.core.events import Event, EventKind
from sequences_mock.core.lifecycle import TaskOutcome

T0 = NOW


def run(status: Status = Status.ACTIVE, **changes: object) -> Sequence:
    """A run of a cadence, its first step due at T0."""
    fields = {"contact_id": contact().id, "next_step": 0, "next_step_at": T0, **changes}
    return sequence(status, **fields)


def kinds(events: list[Event]) -> list[str]:
    return [event.kind.value for event in events]


def test_nothing_due_returns_the_same_run_and_no_events() -> None:
    """Reads with nothing due must cost nothing: the very same object comes back."""
    sequence = run()
    after, events = lifecycle.progress(sequence, CADENCE, contact(), T0 - MINUTE)
    assert after is sequence
    assert events == []


def test_a_found_run_activates_then_its_first_step_is_due_after_its_wait() -> None:
    found = run(Status.FOUND)
    after, events = lifecycle.progress(found, AUTOMATIC, contact(), T0)
    assert kinds(events) == ["activated"]
    assert (after.status, after.updated_at, after.next_step_at) == (Status.ACTIVE, T0, T0 + HOUR)
    assert after.last_step_executed_at is None


def test_a_whole_cadence_runs_in_order_each_change_at_its_due_instant() -> None:
    """One jump far ahead: every step at its own instant, then waiting on the manual call."""
    after, events = lifecycle.progress(run(), CADENCE, contact(), T0 + 30 * DAY)
    assert kinds(events) == ["step_ran", "step_ran", "task_pending"]
    assert [event.at for event in events] == [T0, T0 + 3 * DAY, T0 + 5 * DAY]
    assert [event.step for event in events] == [0, 1, 2]
    assert after.status is Status.WAITING_FOR_USER
    assert after.last_step_executed_at == T0 + 3 * DAY
    assert after.updated_at == T0 + 5 * DAY  # the instant it changed, not the jump's target
    assert (after.next_step, after.next_step_at) == (2, None)


def test_completing_the_call_runs_the_rest_and_the_run_succeeds() -> None:
    waiting, _ = lifecycle.progress(run(), CADENCE, contact(), T0 + 30 * DAY)
    now = T0 + 6 * DAY
    active, events = lifecycle.complete_task(waiting, CADENCE, TaskOutcome.DONE, now)
    assert kinds(events) == ["task_done"]
    assert (active.status, active.last_step_executed_at) == (Status.ACTIVE, now)
    assert (active.next_step, active.next_step_at) == (3, now + DAY)

    waiting_on_task, events = lifecycle.progress(active, CADENCE, contact(), now + 10 * DAY)
    assert kinds(events) == ["step_ran", "task_pending"]
    assert waiting_on_task.next_step == 4

    finished, events = lifecycle.complete_task(
        waiting_on_task, CADENCE, TaskOutcome.DONE, now + 11 * DAY
    )
    assert kinds(events) == ["task_done", "succeeded"]
    assert finished.status is Status.SUCCEEDED
    assert (finished.next_step, finished.next_step_at) == (5, None)


def test_a_skipped_task_makes_the_run_completed_not_succeeded() -> None:
    sequence = run(Status.WAITING_FOR_USER, next_step=4, next_step_at=None)
    finished, events = lifecycle.complete_task(sequence, CADENCE, TaskOutcome.SKIPPED, T0)
    assert kinds(events) == ["task_skipped", "completed"]
    assert finished.status is Status.COMPLETED
    assert finished.skipped_steps == 1
    assert finished.last_step_executed_at is None  # a skipped task ran nothing


def test_a_step_on_a_missing_channel_is_skipped_and_the_run_completes() -> None:
    """No linkedin_url: the linkedin step is skipped, last_step_executed_at stays put."""
    after, events = lifecycle.progress(run(), AUTOMATIC, contact(linkedin_url=None), T0 + 9 * DAY)
    assert kinds(events) == ["step_ran", "step_skipped", "step_ran", "completed"]
    assert after.status is Status.COMPLETED
    assert after.skipped_steps == 1
    # Step 0 was due at T0; each later step is due its wait after the previous one.
    assert [event.at for event in events] == [T0, T0 + DAY, T0 + 2 * DAY, T0 + 2 * DAY]
    assert after.last_step_executed_at == T0 + 2 * DAY
    assert after.updated_at == T0 + 2 * DAY


def test_a_call_without_a_phone_is_skipped_not_waited_on() -> None:
    steps = (Step(StepType.CALL, HOUR), Step(StepType.EMAIL, HOUR))
    after, events = lifecycle.progress(run(), steps, contact(phone=None), T0 + DAY)
    assert kinds(events) == ["step_skipped", "step_ran", "completed"]
    assert (after.status, after.last_step_executed_at) == (Status.COMPLETED, T0 + HOUR)


def test_every_automatic_step_reachable_means_succeeded() -> None:
    after, events = lifecycle.progress(run(), AUTOMATIC, contact(), T0 + 9 * DAY)
    assert kinds(events) == ["step_ran", "step_ran", "step_ran", "succeeded"]
    assert after.status is Status.SUCCEEDED


@pytest.mark.parametrize(
    "reached", [contact(email_status=EmailStatus.BOUNCED), None], ids=["bounced", "deleted"]
)
def test_an_email_to_a_bounced_or_deleted_contact_fails_the_run(reached: Contact | None) -> None:
    after, events = lifecycle.progress(run(), AUTOMATIC, reached, T0 + 9 * DAY)
    assert kinds(events) == ["failed"]
    assert [event.at for event in events] == [T0]
    assert (after.status, after.next_step_at, after.updated_at) == (Status.FAILED, None, T0)
    assert after.last_step_executed_at is None


def test_a_paused_run_executes_nothing_and_an_overdue_step_runs_at_the_resume() -> None:
    paused = lifecycle.pause(run(), T0 + 2 * DAY, T0 - HOUR)
    assert paused.next_step_at == T0  # kept: it is due during the pause
    after, events = lifecycle.progress(paused, AUTOMATIC, contact(), T0 + DAY)
    assert (after, events) == (paused, [])
    after, events = lifecycle.progress(paused, AUTOMATIC, contact(), T0 + 2 * DAY)
    assert kinds(events) == ["resumed", "step_ran"]
    assert [event.at for event in events] == [T0 + 2 * DAY] * 2
    assert after.next_step_at == T0 + 2 * DAY + DAY  # the next wait counts from the resume


def test_a_step_due_after_the_resume_keeps_its_time() -> None:
    paused = lifecycle.pause(run(next_step_at=T0 + 5 * DAY), T0 + DAY, T0)
    resumed = lifecycle.resume(paused, T0 + HOUR)
    assert resumed.next_step_at == T0 + 5 * DAY
    assert lifecycle.due_at(resumed) == T0 + 5 * DAY


def test_resuming_through_the_api_moves_an_overdue_step_to_now() -> None:
    paused = lifecycle.pause(run(), T0 + 2 * DAY, T0 - HOUR)
    resumed = lifecycle.resume(paused, T0 + DAY)
    assert (resumed.status, resumed.next_step_at) == (Status.ACTIVE, T0 + DAY)


def test_stop_clears_the_schedule() -> None:
    stopped = lifecycle.stop(run(), StopReason.WIN, T0 - HOUR)
    assert stopped.next_step_at is None
    assert lifecycle.due_at(stopped) is None
    assert lifecycle.progress(stopped, CADENCE, contact(), T0 + 99 * DAY)[1] == []


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.WAITING_FOR_USER])
def test_only_a_run_waiting_for_a_user_has_a_task(status: Status) -> None:
    with pytest.raises(InvalidStateTransition, match="WAITING_FOR_USER"):
        lifecycle.complete_task(run(status), CADENCE, TaskOutcome.DONE, T0)


def test_due_at_follows_the_status() -> None:
    assert lifecycle.due_at(run(Status.FOUND)) == T0
    assert lifecycle.due_at(run(Status.ACTIVE)) == T0
    assert lifecycle.due_at(run(Status.WAITING_FOR_LEAD, paused_until=T0 + DAY)) == T0 + DAY
    for status in (Status.WAITING_FOR_USER, Status.SUCCEEDED, Status.REFUSED, Status.FAILED):
        assert lifecycle.due_at(run(status)) is None


def test_enrollment_makes_a_found_run_due_after_the_activation_delay() -> None:
    sequence, event = lifecycle.enroll(
        "s0000000-0000-4000-8000-000000000009",
        workspace_id="w",
        template_id="t",
        steps=CADENCE,
        contact_id="c",
        contact_list_id=None,
        variables={"cta": "Coffee?"},
        refusal=None,
        now=T0,
        activation_delay=5 * MINUTE,
    )
    assert (sequence.status, sequence.created_at, sequence.updated_at) == (Status.FOUND, T0, T0)
    assert (sequence.next_step, sequence.next_step_at) == (0, T0 + 5 * MINUTE)
    assert (event.kind, event.after) == (EventKind.ENROLLED, Status.FOUND)


def test_a_refused_enrollment_never_starts() -> None:
    sequence, event = lifecycle.enroll(
        "s",
        workspace_id="w",
        template_id="t",
        steps=CADENCE,
        contact_id="c",
        contact_list_id=None,
        variables={},
        refusal=RefusalReason.UNSUBSCRIBED,
        now=T0,
        activation_delay=5 * MINUTE,
    )
    assert (sequence.status, sequence.refusal_reason) == (Status.REFUSED, "unsubscribed")
    assert lifecycle.due_at(sequence) is None
    assert event.kind is EventKind.REFUSED


def test_refusal_reasons_in_order() -> None:
    assert lifecycle.refusal_for(contact(), 0) is None
    assert lifecycle.refusal_for(contact(), 1) is RefusalReason.ALREADY_ENROLLED
    bounced = contact(email_status=EmailStatus.BOUNCED)
    assert lifecycle.refusal_for(bounced, 1) is RefusalReason.EMAIL_BOUNCED
    gone = contact(unsubscribed=True, email_status=EmailStatus.BOUNCED)
    assert lifecycle.refusal_for(gone, 1) is RefusalReason.UNSUBSCRIBED


def test_a_seeded_active_run_without_progress_is_due_from_created_at_or_now() -> None:
    early = run(created_at=T0 - 9 * DAY, next_step_at=None)
    assert lifecycle.schedule(early, AUTOMATIC, T0, 5 * MINUTE).next_step_at == T0 + HOUR
    late = run(created_at=T0 + DAY, next_step_at=None)
    assert lifecycle.schedule(late, AUTOMATIC, T0, 5 * MINUTE).next_step_at == T0 + DAY + HOUR
    stepless = run(next_step_at=None)
    assert lifecycle.schedule(stepless, (), T0, 5 * MINUTE) is stepless
    given = run()
    assert lifecycle.schedule(given, AUTOMATIC, T0 + DAY, 5 * MINUTE) is given


def test_a_seeded_found_run_activates_its_delay_after_created_at_clamped_to_now() -> None:
    """Created 2 minutes before now with a 5-minute delay: active 3 minutes from now, not 5;
    created an hour ago: its activation has passed, so it is due now."""
    recent = run(Status.FOUND, created_at=T0 - 2 * MINUTE, next_step_at=None)
    assert lifecycle.schedule(recent, AUTOMATIC, T0, 5 * MINUTE).next_step_at == T0 + 3 * MINUTE
    old = run(Status.FOUND, created_at=T0 - HOUR, next_step_at=None)
    assert lifecycle.schedule(old, AUTOMATIC, T0, 5 * MINUTE).next_step_at == T0
    future = run(Status.FOUND, created_at=T0 + DAY, next_step_at=None)
    activation = lifecycle.schedule(future, AUTOMATIC, T0, 5 * MINUTE).next_step_at
    assert activation == T0 + DAY + 5 * MINUTE


@pytest.mark.parametrize("seed", range(40))
def test_one_jump_and_many_small_ones_reach_the_same_run(seed: int) -> None:
    """Random cadences, contacts and pauses: progress is the same however the clock moves."""
    rng = random.Random(seed)
    types = list(StepType)
    steps = tuple(
        Step(rng.choice(types), timedelta(minutes=rng.randrange(0, 5000)))
        for _ in range(rng.randrange(1, 7))
    )
    reached = (
        None
        if rng.random() < 0.15
        else contact(
            email_status=rng.choice(list(EmailStatus)),
            linkedin_url=rng.choice([None, "https://www.linkedin.com/in/x"]),
            phone=rng.choice([None, "+1 555 0100"]),
        )
    )
    start = run(rng.choice([Status.FOUND, Status.ACTIVE]))
    if start.status is Status.ACTIVE and rng.random() < 0.5:
        start = lifecycle.pause(start, T0 + timedelta(minutes=rng.randrange(1, 9000)), T0 - MINUTE)
    end = T0 + 20 * DAY
    whole, whole_events = lifecycle.progress(start, steps, reached, end)
    current, pieces = start, []
    moment = T0 - MINUTE
    while moment < end:
        moment = min(end, moment + timedelta(minutes=rng.randrange(1, 4000)))
        current, events = lifecycle.progress(current, steps, reached, moment)
        pieces += events
    assert current == whole
    assert pieces == whole_events
