"""When the clock next acts on each run, bringing runs up to now, and what each run went through."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from sequences_mock.core import lifecycle
from sequences_mock.core.domain import Contact, Sequence, Step, Template
from sequences_mock.core.lifecycle import Event
from sequences_mock.state.deadlines import Deadlines
from sequences_mock.state.history import Cause, History

__all__ = ["Timeline"]


class Timeline:
    """The instant each run is next due (a pause deadline, an activation, a step) and the runs'
    histories. `catch_up` yields the new version of every run due by an instant.

    Checking whether anything is due reads one attribute, so a read with nothing due costs no
    more than before the lifecycle existed.
    """

    __slots__ = ("_contacts", "_due", "_templates", "history")

    def __init__(
        self,
        templates: Mapping[str, Template],
        contacts: Mapping[str, Contact],
        history: History | None = None,
    ) -> None:
        self._templates = templates
        self._contacts = contacts
        self._due = Deadlines()
        self.history = history or History()

    def track(self, sequence: Sequence) -> None:
        """Follow a stored run's next due instant (none: it waits on a person, or it finished)."""
        self._due.track(sequence.id, lifecycle.due_at(sequence))

    def anything_due(self, now: datetime) -> bool:
        earliest = self._due.earliest
        return earliest is not None and earliest <= now

    def catch_up(
        self,
        now: datetime,
        runs: Mapping[str, Sequence],
        cause: Cause = Cause.CLOCK,
        request_seq: int | None = None,
    ) -> Iterator[Sequence]:
        """Every run due at or before `now`, brought up to `now`, earliest due first; its events
        recorded with `cause`.

        Each yielded run must be stored (and so tracked again) before the next is asked for.
        """
        due, templates, contacts, history = self._due, self._templates, self._contacts, self.history
        while (sequence_id := due.pop_due(now)) is not None:
            sequence = runs[sequence_id]
            template = templates.get(sequence.template_id)
            steps = template.steps if template is not None else ()
            contact = contacts.get(sequence.contact_id) if sequence.contact_id else None
            progressed, events = lifecycle.progress(sequence, steps, contact, now)
            history.record(sequence_id, events, cause, request_seq)
            yield progressed

    def use_contacts(self, contacts: Mapping[str, Contact]) -> None:
        """The world's contacts after a control-plane change to one."""
        self._contacts = contacts

    def steps_of(self, sequence: Sequence) -> tuple[Step, ...]:
        template = self._templates.get(sequence.template_id)
        return template.steps if template is not None else ()

    def record(
        self, sequence_id: str, events: list[Event], cause: Cause, request_seq: int | None
    ) -> None:
        self.history.record(sequence_id, events, cause, request_seq)

    def schedule_bytes(self) -> int:
        return self._due.nbytes()

    def __len__(self) -> int:
        """Runs with a due instant (and stale heap entries not yet dropped)."""
        return len(self._due)
