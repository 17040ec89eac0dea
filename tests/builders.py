"""What unit tests build worlds from: instants, cadences, ids, a frozen clock and entities.

Every factory names each field it sets, so a new field of an entity keeps its default here
rather than shifting the others; tests pass what their case is about as keywords.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import Contact, Sequence, Status, Step, StepType

#: The instant unit tests start at: the default fixtures' clock (2026-03-02T09:00:00Z).
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

#: Every kind of step, as the lifecycle's example has it: email now, email +3d, call +2d,
#: linkedin +1d, task +4h.
CADENCE = (
    Step(StepType.EMAIL, timedelta(0)),
    Step(StepType.EMAIL, 3 * DAY),
    Step(StepType.CALL, 2 * DAY),
    Step(StepType.LINKEDIN, DAY),
    Step(StepType.TASK, 4 * HOUR),
)
#: Steps that run by themselves, none waiting on a person.
AUTOMATIC = (Step(StepType.EMAIL, HOUR), Step(StepType.LINKEDIN, DAY), Step(StepType.EMAIL, DAY))
#: Four steps with one call in the middle: email now, linkedin +2d, call +1d, email +1d.
LINKEDIN_THEN_CALL = (
    Step(StepType.EMAIL, timedelta(0)),
    Step(StepType.LINKEDIN, 2 * DAY),
    Step(StepType.CALL, DAY),
    Step(StepType.EMAIL, DAY),
)


def uid(n: int, kind: str = "0") -> str:
    """A UUID-shaped id, readable in a failure: `uid(3, "d")` is `dddddddd-...-000000000003`."""
    return f"{kind * 8}-0000-4000-8000-{n:012d}"


def frozen_clock(at: datetime = NOW) -> Clock:
    """A mock clock that moves only when a test moves it."""
    return Clock(at, frozen=True, monotonic=lambda: 0.0)


def contact(**fields: Any) -> Contact:
    """Ada Lovelace, reachable on every channel (email, LinkedIn, phone)."""
    reachable = Contact(
        id=uid(1, "c"),
        workspace_id=uid(1, "a"),
        company_id=None,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        linkedin_url="https://www.linkedin.com/in/ada",
        phone="+44 20 7946 0000",
    )
    return replace(reachable, **fields)


def sequence(status: Status = Status.ACTIVE, **fields: Any) -> Sequence:
    """A run in `status`, created a day before `NOW` and unchanged since; `fields` set any
    field by name (the mock-only ones a status needs too: this builder checks nothing)."""
    created = fields.pop("created_at", NOW - DAY)
    base = Sequence(
        id=uid(1, "d"),
        workspace_id=uid(1, "a"),
        contact_id=None,
        template_id=uid(1, "b"),
        status=status,
        variables={},
        contact_list_id=None,
        last_step_executed_at=None,
        created_at=created,
        updated_at=created,
    )
    return replace(base, **fields)
