"""How runs live on the mock clock: activation, steps, manual tasks, bounces, enrollment.

Pure rules, no state: each function takes a run (and what it needs of its template and contact)
and returns the run as it is afterwards, with the events that happened, oldest first.

Runs never influence each other on the clock, so a run can be brought up to an instant on its
own: the result is the same as processing every run's events in one global time order.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as Steps
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import NamedTuple

from sequences_mock.core.domain import (
    MANUAL_STEPS,
    Contact,
    EmailStatus,
    RefusalReason,
    Sequence,
    Status,
    Step,
    StepType,
)
from sequences_mock.core.errors import InvalidStateTransition

__all__ = [
    "Event",
    "EventKind",
    "TaskOutcome",
    "complete_task",
    "due_at",
    "enroll",
    "progress",
    "refusal_for",
    "schedule",
]


class EventKind(StrEnum):
    ENROLLED = "enrolled"
    REFUSED = "refused"
    ACTIVATED = "activated"
    STEP_RAN = "step_ran"
    STEP_SKIPPED = "step_skipped"
    TASK_PENDING = "task_pending"
    TASK_DONE = "task_done"
    TASK_SKIPPED = "task_skipped"
    PAUSED = "paused"
    RESUMED = "resumed"
    VARIABLES_UPDATED = "variables_updated"
    STOPPED = "stopped"
    SUCCEEDED = "succeeded"
    COMPLETED = "completed"
    FAILED = "failed"
    #: A control-plane change to a run's contact (the run's status stays as it was).
    EMAIL_BOUNCED = "email_bounced"
    UNSUBSCRIBED = "unsubscribed"
    CONTACT_DELETED = "contact_deleted"


class Event(NamedTuple):
    """Something that happened to one run: when, what, the status before and after, which step."""

    at: datetime
    kind: EventKind
    before: Status | None
    after: Status | None
    step: int | None = None


#: Makes an `Event` from one tuple without the Python-level `__new__` of a named tuple: the clock
#: may make half a million events in one move.
_event = partial(tuple.__new__, Event)


class TaskOutcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"


def due_at(sequence: Sequence) -> datetime | None:
    """When the clock next acts on the run by itself: its pause deadline, its activation or its
    next step; None when it waits for a person or has finished."""
    status = sequence.status
    if status is Status.WAITING_FOR_LEAD:
        return sequence.paused_until
    if status is Status.ACTIVE or status is Status.FOUND:
        return sequence.next_step_at
    return None


def progress(
    sequence: Sequence, steps: Steps[Step], contact: Contact | None, until: datetime
) -> tuple[Sequence, list[Event]]:
    """The run after every clock event due at or before `until`, and those events in order.

    Each change carries the instant it was due as `updated_at` (never earlier than the last
    one) and, for a step that ran, as `last_step_executed_at`.
    """
    status, paused_until = sequence.status, sequence.paused_until
    step, due, skipped = sequence.next_step, sequence.next_step_at, sequence.skipped_steps
    last_run, updated = sequence.last_step_executed_at, sequence.updated_at
    events: list[Event] = []
    while True:
        if status is Status.WAITING_FOR_LEAD:
            if paused_until is None or paused_until > until:
                break
            at, paused_until = paused_until, None
            if due is not None and due < at:
                due = at  # a step that fell due during the pause is due at the resume
            events.append(_event((at, EventKind.RESUMED, status, Status.ACTIVE, None)))
            status = Status.ACTIVE
        elif status is Status.FOUND or status is Status.ACTIVE:
            if due is None or due > until:
                break
            at = due
            if status is Status.FOUND:
                events.append(_event((at, EventKind.ACTIVATED, status, Status.ACTIVE, None)))
                status = Status.ACTIVE
                due = at + steps[step].wait if step < len(steps) else None
            elif step == len(steps):
                break  # the fixture checks refuse an ACTIVE run past its last step
            else:
                outcome = _step_outcome(steps[step], contact)
                if outcome is EventKind.FAILED:
                    events.append(_event((at, outcome, status, Status.FAILED, step)))
                    status, due = Status.FAILED, None
                elif outcome is EventKind.TASK_PENDING:
                    events.append(_event((at, outcome, status, Status.WAITING_FOR_USER, step)))
                    status, due = Status.WAITING_FOR_USER, None
                else:
                    events.append(_event((at, outcome, status, status, step)))
                    if outcome is EventKind.STEP_RAN:
                        last_run = at
                    else:
                        skipped += 1
                    step += 1
                    status, due = _after_step(steps, step, skipped, at, events)
        else:
            break
        if at > updated:
            updated = at
    if not events:
        return sequence, events
    changed = _progressed(sequence, status, paused_until, step, due, skipped, last_run, updated)
    return changed, events


def complete_task(
    sequence: Sequence, steps: Steps[Step], outcome: TaskOutcome, now: datetime
) -> tuple[Sequence, list[Event]]:
    """A person completed (or skipped) the pending manual step: ACTIVE again, the next step due
    its wait after now, or finished if that was the last step."""
    if sequence.status is not Status.WAITING_FOR_USER:
        raise InvalidStateTransition(
            f"sequence {sequence.id} is {sequence.status}; only a WAITING_FOR_USER sequence has "
            "a task to complete or skip"
        )
    step = sequence.next_step
    if step >= len(steps):
        raise InvalidStateTransition(
            f"sequence {sequence.id} waits on no step of its template (it has {len(steps)})"
        )
    done = outcome is TaskOutcome.DONE
    kind = EventKind.TASK_DONE if done else EventKind.TASK_SKIPPED
    events = [Event(now, kind, Status.WAITING_FOR_USER, Status.ACTIVE, step)]
    skipped = sequence.skipped_steps + (0 if done else 1)
    status, due = _after_step(steps, step + 1, skipped, now, events)
    updated = max(now, sequence.updated_at)
    last_run = now if done else sequence.last_step_executed_at
    changed = _progressed(sequence, status, None, step + 1, due, skipped, last_run, updated)
    return changed, events


def refusal_for(contact: Contact, unfinished_runs: int) -> RefusalReason | None:
    """Why enrolling `contact` is refused, if it is: unsubscribed, a bounced email, or a run of
    the template that has not finished yet."""
    if contact.unsubscribed:
        return RefusalReason.UNSUBSCRIBED
    if contact.email_status is EmailStatus.BOUNCED:
        return RefusalReason.EMAIL_BOUNCED
    if unfinished_runs:
        return RefusalReason.ALREADY_ENROLLED
    return None


def enroll(
    sequence_id: str,
    *,
    workspace_id: str,
    template_id: str,
    steps: Steps[Step],
    contact_id: str,
    contact_list_id: str | None,
    variables: Mapping[str, str],
    refusal: RefusalReason | None,
    now: datetime,
    activation_delay: timedelta,
) -> tuple[Sequence, Event]:
    """A new run created now: FOUND, activated `activation_delay` later, or REFUSED."""
    status = Status.REFUSED if refusal is not None else Status.FOUND
    due = now + activation_delay if refusal is None and steps else None
    sequence = Sequence(
        sequence_id,
        workspace_id,
        contact_id,
        template_id,
        status,
        dict(variables),
        contact_list_id,
        None,
        now,
        now,
        next_step_at=due,
        refusal_reason=refusal,
    )
    kind = EventKind.REFUSED if refusal is not None else EventKind.ENROLLED
    return sequence, Event(now, kind, None, status)


def schedule(
    sequence: Sequence, steps: Steps[Step], now: datetime, activation_delay: timedelta
) -> Sequence:
    """A seeded run that the clock should act on but has no `next_step_at`: a FOUND run
    activates `activation_delay` after its `created_at` (at `now` when that has passed, as it
    was due); any other is due its next step's wait after `created_at` or `now`, whichever is
    later."""
    if not steps or sequence.next_step_at is not None or sequence.status not in _SCHEDULED:
        return sequence
    if sequence.next_step >= len(steps):
        return sequence
    if sequence.status is Status.FOUND:
        due = max(sequence.created_at + activation_delay, now)
    else:
        due = max(sequence.created_at, now) + steps[sequence.next_step].wait
    return _progressed(
        sequence,
        sequence.status,
        sequence.paused_until,
        sequence.next_step,
        due,
        sequence.skipped_steps,
        sequence.last_step_executed_at,
        sequence.updated_at,
    )


_SCHEDULED = frozenset({Status.FOUND, Status.ACTIVE, Status.WAITING_FOR_LEAD})


def _step_outcome(step: Step, contact: Contact | None) -> EventKind:
    """What a due step does: runs, is skipped (no channel), fails the run, or waits on a person."""
    kind = step.type
    if kind is StepType.EMAIL:
        if contact is None or contact.email_status is EmailStatus.BOUNCED:
            return EventKind.FAILED
        return EventKind.STEP_RAN
    if kind is StepType.LINKEDIN:
        has_channel = contact is not None and contact.linkedin_url is not None
        return EventKind.STEP_RAN if has_channel else EventKind.STEP_SKIPPED
    if kind is StepType.CALL and (contact is None or contact.phone is None):
        return EventKind.STEP_SKIPPED
    assert kind in MANUAL_STEPS
    return EventKind.TASK_PENDING


def _after_step(
    steps: Steps[Step], step: int, skipped: int, at: datetime, events: list[Event]
) -> tuple[Status, datetime | None]:
    """The status and next due instant once `step` is the next one: finished after the last."""
    if step < len(steps):
        return Status.ACTIVE, at + steps[step].wait
    if skipped:
        events.append(_event((at, EventKind.COMPLETED, Status.ACTIVE, Status.COMPLETED, None)))
        return Status.COMPLETED, None
    events.append(_event((at, EventKind.SUCCEEDED, Status.ACTIVE, Status.SUCCEEDED, None)))
    return Status.SUCCEEDED, None


def _progressed(
    sequence: Sequence,
    status: Status,
    paused_until: datetime | None,
    step: int,
    due: datetime | None,
    skipped: int,
    last_run: datetime | None,
    updated: datetime,
) -> Sequence:
    # Positional, in field order: the clock may make hundreds of thousands of these at once.
    return Sequence(
        sequence.id,
        sequence.workspace_id,
        sequence.contact_id,
        sequence.template_id,
        status,
        sequence.variables,
        sequence.contact_list_id,
        last_run,
        sequence.created_at,
        updated,
        paused_until,
        sequence.stop_reason,
        step,
        due,
        skipped,
        sequence.refusal_reason,
    )
