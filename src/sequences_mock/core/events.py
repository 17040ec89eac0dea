"""What happens to a run, one event at a time: the lifecycle makes them, histories keep them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import NamedTuple

from sequences_mock.core.domain import Status

__all__ = ["Event", "EventKind", "make_event"]


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
make_event = partial(tuple.__new__, Event)
