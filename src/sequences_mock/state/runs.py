"""The stored runs, and all that is kept beside them: hash and sorted indexes, the schedule of
due instants, each run's history, and the ids the mock makes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from time import perf_counter
from typing import NamedTuple

from sequences_mock.core import lifecycle
from sequences_mock.core.choices import Choices
from sequences_mock.core.domain import Contact, Sequence, Step
from sequences_mock.core.errors import NotFound
from sequences_mock.core.events import Event
from sequences_mock.core.ids import IdSource
from sequences_mock.core.world import World
from sequences_mock.state.collector import collector_paused
from sequences_mock.state.deadlines import Deadlines
from sequences_mock.state.feed import Feed
from sequences_mock.state.history import Cause, History, Record
from sequences_mock.state.list_indexes import (
    DEFAULT_INDEX_BUDGET,
    IndexBudget,
    Order,
    Selection,
    SortedIndexes,
)
from sequences_mock.state.queries import ListQuery, Page, index_order, page_of
from sequences_mock.state.table import SequenceTable

__all__ = ["BULK_CHANGES", "RunStats", "Runs"]

#: Past this many runs changed by one clock move, the sorted indexes are dropped and rebuilt on
#: the next list instead of being moved along one run at a time.
BULK_CHANGES = 512


class RunStats(NamedTuple):
    """What the runs hold beside the runs themselves, for the benchmark and the tests."""

    runs: int
    #: Events kept in every run's history.
    history_events: int
    #: Entries in the schedule of due runs (live, and stale ones not yet dropped).
    schedule_entries: int
    #: Roughly what the schedule of due runs holds in memory.
    schedule_bytes: int
    #: Entries the kept sorted indexes hold together.
    index_entries: int
    #: The kept sorted indexes by filter and order, least recently used first.
    indexes_kept: tuple[tuple[Selection, Order], ...]
    #: Sorted indexes built so far (a kept one used again is not built again).
    index_builds: int


class Runs:
    """Every run of a world by id. A run is written in one place, `write` (the clock's moves
    through `catch_up` too), which keeps the table, the sorted indexes, the schedule of due
    instants and the run's history in step.

    Checking whether anything is due reads one attribute, so a read with nothing due costs no
    more than before the lifecycle existed.
    """

    def __init__(
        self,
        world: World,
        *,
        index_budget: IndexBudget = DEFAULT_INDEX_BUDGET,
        history: History | None = None,
    ) -> None:
        self.table = SequenceTable()
        self._templates = world.templates
        self._contacts = world.contacts
        self._indexes = SortedIndexes(
            entries_per_sequence=index_budget.per_sequence, minimum=index_budget.minimum
        )
        self._due = Deadlines()
        self._history = History() if history is None else history
        self._ids = IdSource()

    def seed(self, sequences: Iterable[Sequence]) -> None:
        """Store runs of the world as it was given: they have no history yet."""
        for sequence in sequences:
            self._put(sequence)

    def write(
        self,
        sequence: Sequence,
        events: Iterable[Event],
        cause: Cause,
        request_seq: int | None = None,
    ) -> Sequence:
        """Store a changed (or new) run and record in its history what changed it."""
        self._put(sequence)
        self._history.record(sequence.id, events, cause, request_seq)
        return sequence

    def _put(self, sequence: Sequence) -> None:
        previous = self.table.put(sequence)
        self._indexes.update(previous, sequence)
        self._due.track(sequence.id, lifecycle.due_at(sequence))

    def any(self, sequence_id: str) -> Sequence:
        """A run of any workspace (the control plane's view)."""
        sequence = self.table.by_id.get(sequence_id.lower())
        if sequence is None:
            raise NotFound(f"no sequence {sequence_id}")
        return sequence

    def visible(self, workspace_id: str, sequence_id: str) -> Sequence:
        """A run of one workspace: another workspace's is as unknown as none."""
        sequence = self.table.by_id.get(sequence_id.lower())
        if sequence is None or sequence.workspace_id != workspace_id:
            raise NotFound(f"no sequence {sequence_id} in this workspace")
        return sequence

    def page(self, workspace_id: str, query: ListQuery) -> Page:
        """One page of a query, from a kept sorted index (see `page_of` for what it costs)."""
        template_id = query.template_id.lower() if query.template_id is not None else None
        selection, order = (workspace_id, query.status, template_id), index_order(query)
        # The index of that filter in that order, built on first use and kept up to date.
        index = self._indexes.find(selection, order)
        if index is None:
            members = self.table.matching(*selection)
            index = self._indexes.build(selection, order, members, len(self.table))
        return page_of(index, query)

    def has_due(self, now: datetime) -> bool:
        earliest = self._due.earliest
        return earliest is not None and earliest <= now

    def catch_up(
        self,
        now: datetime,
        until: float | None = None,
        cause: Cause = Cause.CLOCK,
        request_seq: int | None = None,
        *,
        choices: Choices,
    ) -> bool:
        """Apply every clock event due at or before `now`, each at the instant it was due;
        every run due is brought up to `now`, earliest due first. With `until` (a
        `perf_counter` instant), stop at the first run after it. True once none is left.
        `cause`: the clock, or the API call whose write left a run due at this very instant;
        `choices`: the world's (`unsubscribed_runs` decides what a due email step does)."""
        due = self._due
        earliest = due.earliest
        if earliest is None or earliest > now:
            return True
        by_id, templates, contacts = self.table.by_id, self._templates, self._contacts
        with collector_paused():
            changed = 0
            while (sequence_id := due.pop_due(now)) is not None:
                sequence = by_id[sequence_id]
                template = templates.get(sequence.template_id)
                steps = template.steps if template is not None else ()
                contact = contacts.get(sequence.contact_id) if sequence.contact_id else None
                progressed, events = lifecycle.progress(sequence, steps, contact, now, choices)
                if not events:
                    # Due, yet nothing the clock can do for it (an ACTIVE run past its template's
                    # last step): it leaves the schedule, or this loop would take it forever.
                    continue
                changed += 1
                if changed == BULK_CHANGES:
                    self._indexes.clear()
                self.write(progressed, events, cause, request_seq)
                if until is not None and perf_counter() > until:
                    earliest = due.earliest
                    return earliest is None or earliest > now
        return True

    def use_contacts(self, contacts: Mapping[str, Contact]) -> None:
        """The world's contacts after a control-plane change to one."""
        self._contacts = contacts

    @property
    def feed(self) -> Feed:
        """Every run's events in one ring, in the order they happened."""
        return self._history.feed

    def steps_of(self, sequence: Sequence) -> tuple[Step, ...]:
        """The steps of the run's template (none for a template the world does not hold)."""
        template = self._templates.get(sequence.template_id)
        return template.steps if template is not None else ()

    def history(self, sequence_id: str) -> tuple[list[Record], int]:
        """A run's history, oldest first, and how many older events it dropped."""
        history = self._history
        return history.of(sequence_id), history.dropped(sequence_id)

    def unchanged(self) -> bool:
        """No run written since they were seeded (by a call or by the clock), no id drawn."""
        return self._history.version == 0 and self._ids.drawn == 0

    def new_id(self) -> str:
        while (candidate := self._ids.new()) in self.table.by_id:
            pass  # a seeded world may already hold an id the generator makes
        return candidate

    def stats(self) -> RunStats:
        indexes = self._indexes
        return RunStats(
            runs=len(self.table),
            history_events=len(self._history),
            schedule_entries=len(self._due),
            schedule_bytes=self._due.nbytes(),
            index_entries=indexes.entries(),
            indexes_kept=tuple(indexes.kept),
            index_builds=indexes.builds,
        )

    def __len__(self) -> int:
        return len(self.table)
