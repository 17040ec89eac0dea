"""Every rule of a run's state, in one place: the changes the API asks for (pause, resume, stop,
variables), how runs live on the mock clock (activation, steps, manual tasks, bounces), and
enrollment.

Pure rules, no state: each function takes a run (and what it needs of its template and contact)
and returns the run as it is afterwards, with the events that happened, oldest first.

Runs never influence each other on the clock, so a run can be brought up to an instant on its
own: the result is the same as processing every run's events in one global time order.

Longer than the 350 lines a module is otherwise held to, on purpose: every rule of a run's
state is here, so a change to one (and the question "where is that decided?") is one file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Sequence as Steps
from dataclasses import make_dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sequences_mock.core.choices import DEFAULT_CHOICES, Choices
from sequences_mock.core.domain import (
    MANUAL_STEPS,
    Contact,
    EmailStatus,
    RefusalReason,
    Sequence,
    Status,
    Step,
    StepType,
    StopReason,
    StopScope,
)
from sequences_mock.core.errors import (
    FieldProblem,
    InvalidStateTransition,
    PausedUntilNotInFuture,
    ValidationFailed,
)
from sequences_mock.core.events import Event, EventKind
from sequences_mock.core.events import make_event as _event
from sequences_mock.core.timestamps import format_timestamp, later

__all__ = [
    "MAX_VARIABLES",
    "NON_TERMINAL",
    "PAUSABLE",
    "SCHEDULED",
    "TaskOutcome",
    "company_stop_reach",
    "complete_task",
    "due_at",
    "enroll",
    "fail",
    "pause",
    "progress",
    "refusal_for",
    "resume",
    "schedule",
    "shown_variables",
    "stop",
    "stop_scope",
    "update_variables",
    "without_contact",
]

#: Statuses a run can still be stopped from; every other status is final.
NON_TERMINAL = frozenset(
    {Status.ACTIVE, Status.WAITING_FOR_LEAD, Status.WAITING_FOR_USER, Status.FOUND}
)
PAUSABLE = frozenset({Status.ACTIVE, Status.WAITING_FOR_LEAD})
#: Statuses a run can be paused from, by the `pause_from` choice (a paused one: see `repause`).
PAUSABLE_FROM = {"active": PAUSABLE, "unfinished": NON_TERMINAL}
#: Statuses of the other runs a COMPANY stop ends, by the `company_stop_scope` choice.
COMPANY_STOP_REACH = {"unfinished": NON_TERMINAL, "active": frozenset({Status.ACTIVE})}
#: Statuses the clock acts on by itself: a pause deadline, an activation or a next step. Runs in
#: any other status wait for a person or have finished, and have no `next_step_at`.
SCHEDULED = frozenset({Status.FOUND, Status.ACTIVE, Status.WAITING_FOR_LEAD})
#: Overrides one run may hold, as `openapi.yaml` and the fixture schema declare (with names of
#: at most 100 characters and values of at most 10,000, which the schemas check alone).
MAX_VARIABLES = 100


class TaskOutcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"


# -- the API's changes -------------------------------------------------------------------------


def update_variables(
    sequence: Sequence,
    changes: Mapping[str, str | None],
    now: datetime,
    choices: Choices = DEFAULT_CHOICES,
) -> Sequence:
    """Merge overrides into the run's variables; a `None` value drops that override.

    A merge that would leave the run more than `MAX_VARIABLES` is refused whole. Choices:
    `update_from` (may a finished run be updated), `noop_update_timestamp` (does an update that
    changes nothing move `updated_at`; with `keep` the run itself is returned).
    """
    if choices["update_from"] == "unfinished":
        _require(sequence, NON_TERMINAL, "updated")
    merged = dict(sequence.variables)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    if len(merged) > MAX_VARIABLES:
        message = (
            f"would leave the run {len(merged)} overrides; it holds at most {MAX_VARIABLES} "
            "(drop some with null)"
        )
        raise ValidationFailed([FieldProblem("body", "variables", message)])
    if merged == sequence.variables and choices["noop_update_timestamp"] == "keep":
        return sequence
    return _changed(sequence, variables=merged, updated_at=_touched(sequence, now))


def shown_variables(
    sequence: Sequence, defaults: Mapping[str, str], choices: Choices = DEFAULT_CHOICES
) -> dict[str, str]:
    """The `variables` a response shows (choice `variables_view`): the run's overrides, or its
    template's `defaults` with the overrides on top."""
    if choices["variables_view"] == "merged":
        return {**defaults, **sequence.variables}
    return dict(sequence.variables)


def pause(
    sequence: Sequence, until: datetime, now: datetime, choices: Choices = DEFAULT_CHOICES
) -> Sequence:
    """Hold a run until `until`, or move a paused run's deadline.

    Choices: `pause_from` (which statuses), `repause` (a paused run: new deadline or 409). A
    pending manual step (WAITING_FOR_USER) is due again at the resume.
    """
    if until <= now:
        raise PausedUntilNotInFuture(
            f"paused_until {format_timestamp(until)} is not after the current time "
            f"{format_timestamp(now)}"
        )
    allowed = PAUSABLE_FROM[choices["pause_from"]]
    if choices["repause"] == "refuse":
        allowed = allowed - {Status.WAITING_FOR_LEAD}
    _require(sequence, allowed, "paused")
    due = now if sequence.status is Status.WAITING_FOR_USER else sequence.next_step_at
    return _changed(
        sequence,
        status=Status.WAITING_FOR_LEAD,
        paused_until=until,
        next_step_at=due,
        updated_at=_touched(sequence, now),
    )


def resume(sequence: Sequence, now: datetime, choices: Choices = DEFAULT_CHOICES) -> Sequence:
    """Bring a paused run back to ACTIVE before its deadline; a run that is not paused is a
    409, or returned as it is (choice `resume_when_not_paused`)."""
    if sequence.status is not Status.WAITING_FOR_LEAD and (
        choices["resume_when_not_paused"] == "noop"
    ):
        return sequence
    _require(sequence, {Status.WAITING_FOR_LEAD}, "resumed")
    return _changed(
        sequence,
        status=Status.ACTIVE,
        paused_until=None,
        next_step_at=_due_on_resume(sequence.next_step_at, now),
        updated_at=_touched(sequence, now),
    )


def stop(sequence: Sequence, reason: StopReason, now: datetime) -> Sequence:
    """End a run that has not finished yet."""
    _require(sequence, NON_TERMINAL, "stopped")
    return _changed(
        sequence,
        status=Status.STOPPED_EARLY,
        stop_reason=reason,
        paused_until=None,
        next_step_at=None,
        updated_at=_touched(sequence, now),
    )


def fail(sequence: Sequence, now: datetime) -> Sequence:
    """End a run that has not finished yet as FAILED (the docs' internal error)."""
    _require(sequence, NON_TERMINAL, "failed")
    return _changed(
        sequence,
        status=Status.FAILED,
        paused_until=None,
        next_step_at=None,
        updated_at=_touched(sequence, now),
    )


def without_contact(sequence: Sequence, now: datetime) -> Sequence:
    """A run whose contact was deleted: its `contact_id` is null, as the docs say."""
    return _changed(sequence, contact_id=None, updated_at=_touched(sequence, now))


def stop_scope(given: str | None, choices: Choices = DEFAULT_CHOICES) -> StopScope:
    """The scope of a stop whose body gave `given` (None: no `scope`); choice
    `stop_scope_default`: CONTACT, or a 422."""
    if given is not None:
        return StopScope(given)
    if choices["stop_scope_default"] == "required":
        message = "is required (the mock's choice stop_scope_default is `required`)"
        raise ValidationFailed([FieldProblem("body", "scope", message)])
    return StopScope.CONTACT


def company_stop_reach(choices: Choices = DEFAULT_CHOICES) -> frozenset[Status]:
    """The statuses of the other runs a COMPANY stop ends (choice `company_stop_scope`)."""
    return COMPANY_STOP_REACH[choices["company_stop_scope"]]


# -- the clock ---------------------------------------------------------------------------------


def due_at(sequence: Sequence) -> datetime | None:
    """When the clock next acts on the run by itself: its pause deadline, its activation or its
    next step; None when it waits for a person or has finished."""
    status = sequence.status
    if status not in SCHEDULED:
        return None
    return sequence.paused_until if status is Status.WAITING_FOR_LEAD else sequence.next_step_at


def progress(
    sequence: Sequence,
    steps: Steps[Step],
    contact: Contact | None,
    until: datetime,
    choices: Choices = DEFAULT_CHOICES,
) -> tuple[Sequence, list[Event]]:
    """The run after every clock event due at or before `until`, and those events in order.

    Each change carries the instant it was due as `updated_at` (never earlier than the last
    one) and, for a step that ran, as `last_step_executed_at`.
    """
    status, paused_until = sequence.status, sequence.paused_until
    step, due, skipped = sequence.next_step, sequence.next_step_at, sequence.skipped_steps
    last_run = sequence.last_step_executed_at
    events: list[Event] = []
    while True:
        if status is Status.WAITING_FOR_LEAD:
            if paused_until is None or paused_until > until:
                break
            at, paused_until = paused_until, None
            due = _due_on_resume(due, at)
            events.append(_event((at, EventKind.RESUMED, status, Status.ACTIVE, None)))
            status = Status.ACTIVE
        elif status is Status.FOUND or status is Status.ACTIVE:
            if due is None or due > until:
                break
            at = due
            if status is Status.FOUND:
                events.append(_event((at, EventKind.ACTIVATED, status, Status.ACTIVE, None)))
                status = Status.ACTIVE
                due = later(at, steps[step].wait) if step < len(steps) else None
            elif step == len(steps):
                break  # the fixture checks refuse an ACTIVE run past its last step
            else:
                outcome = _step_outcome(steps[step], contact, choices)
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
    if not events:
        return sequence, events
    # Events come in time order: the last is the latest change.
    updated = _touched(sequence, events[-1].at)
    changed = _changed(
        sequence,
        status=status,
        paused_until=paused_until,
        next_step=step,
        next_step_at=due,
        skipped_steps=skipped,
        last_step_executed_at=last_run,
        updated_at=updated,
    )
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
    updated = _touched(sequence, now)
    last_run = now if done else sequence.last_step_executed_at
    changed = _changed(
        sequence,
        status=status,
        paused_until=None,
        next_step=step + 1,
        next_step_at=due,
        skipped_steps=skipped,
        last_step_executed_at=last_run,
        updated_at=updated,
    )
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
    due = later(now, activation_delay) if refusal is None and steps else None
    sequence = Sequence(
        id=sequence_id,
        workspace_id=workspace_id,
        contact_id=contact_id,
        template_id=template_id,
        status=status,
        variables=dict(variables),
        contact_list_id=contact_list_id,
        last_step_executed_at=None,
        created_at=now,
        updated_at=now,
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
    if not steps or sequence.next_step_at is not None or sequence.status not in SCHEDULED:
        return sequence
    if sequence.next_step >= len(steps):
        return sequence
    if sequence.status is Status.FOUND:
        due = max(later(sequence.created_at, activation_delay), now)
    else:
        due = later(max(sequence.created_at, now), steps[sequence.next_step].wait)
    return _changed(sequence, next_step_at=due)


def _step_outcome(step: Step, contact: Contact | None, choices: Choices) -> EventKind:
    """What a due step does: runs, is skipped (no channel), fails the run, or waits on a person.
    An email to a contact who unsubscribed fails the run under `unsubscribed_runs: fail`."""
    kind = step.type
    if kind is StepType.EMAIL:
        if contact is None or contact.email_status is EmailStatus.BOUNCED:
            return EventKind.FAILED
        if contact.unsubscribed and choices["unsubscribed_runs"] == "fail":
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
        return Status.ACTIVE, later(at, steps[step].wait)
    if skipped:
        events.append(_event((at, EventKind.COMPLETED, Status.ACTIVE, Status.COMPLETED, None)))
        return Status.COMPLETED, None
    events.append(_event((at, EventKind.SUCCEEDED, Status.ACTIVE, Status.SUCCEEDED, None)))
    return Status.SUCCEEDED, None


def _due_on_resume(due: datetime | None, at: datetime) -> datetime | None:
    """A paused run resumed at `at`: a step that fell due during the pause is due at `at`."""
    return at if due is not None and due < at else due


def _touched(sequence: Sequence, at: datetime) -> datetime:
    """The new `updated_at`: `at`, but never earlier than the last one (say, a clock seeded
    back, or a pause deadline before the run's last change)."""
    return max(at, sequence.updated_at)


#: `Sequence`'s fields in order, and their positions.
_SEQUENCE_FIELDS = tuple(Sequence.__dataclass_fields__)
_POSITION = {name: position for position, name in enumerate(_SEQUENCE_FIELDS)}
#: All of a run's fields in a list, read in plain bytecode (`lambda s: [s.id, ...]`, made from
#: the field names as `dataclasses` makes `__init__`): an `attrgetter` of 16 names costs twice
#: as much, on every copy.
_sequence_values: Callable[[Sequence], list[Any]] = eval(
    "lambda s: [" + ", ".join(f"s.{name}" for name in _SEQUENCE_FIELDS) + "]"
)
#: A mutable twin of `Sequence`: the same slots in the same order, so a filled draft can become
#: a `Sequence` by taking its class. Its generated `__init__` sets the slots in plain bytecode,
#: where a frozen class goes through a setter call per field (that cost a copy two thirds of
#: its ~26,000 instructions, on every write and clock move).
_Draft = make_dataclass("_Draft", _SEQUENCE_FIELDS, slots=True, eq=False, repr=False)


def _changed(sequence: Sequence, **changes: Any) -> Sequence:
    """A copy of `sequence` with `changes`, field by field by name: what `dataclasses.replace`
    makes, without its per-call look at the fields.

    Every copy of a run goes through here, so a new field of `Sequence` is carried along by
    every rule without being named (tests/unit/state/test_sequence_copies.py checks each path)."""
    values = _sequence_values(sequence)
    for name, value in changes.items():
        position = _POSITION.get(name)
        assert position is not None, f"not a field: {name}"
        values[position] = value
    copy = _Draft(*values)
    copy.__class__ = Sequence
    return copy  # type: ignore[no-any-return]


def _require(sequence: Sequence, allowed: frozenset[Status] | set[Status], verb: str) -> None:
    if sequence.status not in allowed:
        expected = ", ".join(sorted(allowed))
        raise InvalidStateTransition(
            f"sequence {sequence.id} is {sequence.status}; only a sequence that is {expected} "
            f"can be {verb}"
        )
