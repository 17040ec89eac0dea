"""Sequences and their entities, and the pure rules that move a sequence between statuses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sequences_mock.core.errors import (
    FieldProblem,
    InvalidStateTransition,
    PausedUntilNotInFuture,
    ValidationFailed,
)
from sequences_mock.core.timestamps import format_timestamp

__all__ = [
    "MANUAL_STEPS",
    "MAX_VARIABLES",
    "NON_TERMINAL",
    "ApiKey",
    "Company",
    "Contact",
    "ContactList",
    "EmailStatus",
    "RefusalReason",
    "Sequence",
    "Status",
    "Step",
    "StepType",
    "StopReason",
    "StopScope",
    "Template",
    "Workspace",
    "fail",
    "pause",
    "resume",
    "resume_at_deadline",
    "stop",
    "update_variables",
    "without_contact",
]


class Status(StrEnum):
    ACTIVE = "ACTIVE"
    WAITING_FOR_LEAD = "WAITING_FOR_LEAD"
    WAITING_FOR_USER = "WAITING_FOR_USER"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED_EARLY = "STOPPED_EARLY"
    COMPLETED = "COMPLETED"
    FOUND = "FOUND"
    REFUSED = "REFUSED"


#: Statuses a sequence can still be stopped from; every other status is final.
NON_TERMINAL = frozenset(
    {Status.ACTIVE, Status.WAITING_FOR_LEAD, Status.WAITING_FOR_USER, Status.FOUND}
)
PAUSABLE = frozenset({Status.ACTIVE, Status.WAITING_FOR_LEAD})
#: Overrides one run may hold, as `openapi.yaml` and the fixture schema declare (with names of
#: at most 100 characters and values of at most 10,000, which the schemas check alone).
MAX_VARIABLES = 100


class StopReason(StrEnum):
    WIN = "WIN"
    LOSE = "LOSE"


class StopScope(StrEnum):
    CONTACT = "CONTACT"
    COMPANY = "COMPANY"


class StepType(StrEnum):
    EMAIL = "email"
    LINKEDIN = "linkedin"
    CALL = "call"
    TASK = "task"


#: Steps a person must act on; the others run by themselves when due.
MANUAL_STEPS = frozenset({StepType.CALL, StepType.TASK})


class EmailStatus(StrEnum):
    VALID = "valid"
    BOUNCED = "bounced"


class RefusalReason(StrEnum):
    """Why an enrollment was refused (mock-only, like `stop_reason`)."""

    UNSUBSCRIBED = "unsubscribed"
    EMAIL_BOUNCED = "email_bounced"
    ALREADY_ENROLLED = "already_enrolled"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a template: its channel, and how long after the previous step it is due."""

    type: StepType
    wait: timedelta


@dataclass(frozen=True, slots=True)
class Workspace:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ApiKey:
    key: str
    workspace_id: str
    scopes: frozenset[str]
    name: str | None = None

    def __repr__(self) -> str:
        return f"ApiKey(key='…{self.key[-4:]}', workspace_id={self.workspace_id!r})"


@dataclass(frozen=True, slots=True)
class Company:
    id: str
    workspace_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    workspace_id: str
    company_id: str | None
    first_name: str
    last_name: str
    email: str
    email_status: EmailStatus = EmailStatus.VALID
    unsubscribed: bool = False
    linkedin_url: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    workspace_id: str
    name: str
    variables: Mapping[str, str]
    #: In order; none: the template's runs never progress by themselves.
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class ContactList:
    id: str
    workspace_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Sequence:
    """One run of a template against a contact; the fields after `updated_at` are mock-only.

    Progress through the template's steps: `next_step` is the index of the next step (the step
    count once done), `next_step_at` when the clock is due to act on the run (activation for a
    FOUND run, the next step for an ACTIVE or paused one; None when nothing is scheduled), and
    `skipped_steps` how many steps were skipped (a run that skipped any ends COMPLETED).
    """

    id: str
    workspace_id: str
    contact_id: str | None
    template_id: str
    status: Status
    variables: Mapping[str, str]
    contact_list_id: str | None
    last_step_executed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    paused_until: datetime | None = None
    stop_reason: StopReason | None = None
    next_step: int = 0
    next_step_at: datetime | None = None
    skipped_steps: int = 0
    refusal_reason: RefusalReason | None = None


_SEQUENCE_FIELDS = tuple(field.name for field in fields(Sequence))
_SEQUENCE_FIELD_NAMES = frozenset(_SEQUENCE_FIELDS)


def update_variables(
    sequence: Sequence, changes: Mapping[str, str | None], now: datetime
) -> Sequence:
    """Merge overrides into the run's variables; a `None` value drops that override.

    A merge that would leave the run more than `MAX_VARIABLES` is refused whole.
    """
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
    return _changed(sequence, variables=merged, updated_at=_touched(sequence, now))


def pause(sequence: Sequence, until: datetime, now: datetime) -> Sequence:
    """Hold an ACTIVE run until `until`, or move a paused run's deadline."""
    if until <= now:
        raise PausedUntilNotInFuture(
            f"paused_until {format_timestamp(until)} is not after the current time "
            f"{format_timestamp(now)}"
        )
    _require(sequence, PAUSABLE, "paused")
    return _changed(
        sequence,
        status=Status.WAITING_FOR_LEAD,
        paused_until=until,
        updated_at=_touched(sequence, now),
    )


def resume(sequence: Sequence, now: datetime) -> Sequence:
    """Bring a paused run back to ACTIVE before its deadline."""
    _require(sequence, {Status.WAITING_FOR_LEAD}, "resumed")
    return _resumed(sequence, now)


def resume_at_deadline(sequence: Sequence) -> Sequence:
    """The automatic resume: the run was last modified at the instant its pause ran out."""
    assert sequence.paused_until is not None
    return _resumed(sequence, sequence.paused_until)


def _resumed(sequence: Sequence, at: datetime) -> Sequence:
    """ACTIVE again at `at`: a step that fell due during the pause is due at `at` instead."""
    due = sequence.next_step_at
    return _changed(
        sequence,
        status=Status.ACTIVE,
        paused_until=None,
        next_step_at=at if due is not None and due < at else due,
        updated_at=_touched(sequence, at),
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


def _changed(sequence: Sequence, **changes: Any) -> Sequence:
    """A copy of `sequence` with `changes`: what `dataclasses.replace` makes, without its
    per-call look at the fields (half the cost, on every write)."""
    assert changes.keys() <= _SEQUENCE_FIELD_NAMES, f"not fields: {changes.keys()}"
    copy = object.__new__(Sequence)
    for name in _SEQUENCE_FIELDS:
        # Frozen dataclasses set their fields this way too.
        object.__setattr__(
            copy, name, changes[name] if name in changes else getattr(sequence, name)
        )
    return copy


def _touched(sequence: Sequence, now: datetime) -> datetime:
    """The new `updated_at`: now, but never earlier than the last one (say, a clock seeded back)."""
    return max(now, sequence.updated_at)


def _require(sequence: Sequence, allowed: frozenset[Status] | set[Status], verb: str) -> None:
    if sequence.status not in allowed:
        expected = ", ".join(sorted(allowed))
        raise InvalidStateTransition(
            f"sequence {sequence.id} is {sequence.status}; only a sequence that is {expected} "
            f"can be {verb}"
        )
