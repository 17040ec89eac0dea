"""The stored runs, and all that is kept beside them: hash and sorted indexes, the timeline of
due instants and histories, and the ids the mock makes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sequences_mock.core.domain import Contact, Sequence, Step
from sequences_mock.core.errors import NotFound
from sequences_mock.core.ids import IdSource
from sequences_mock.core.lifecycle import Event
from sequences_mock.core.world import World
from sequences_mock.state.collector import collector_paused
from sequences_mock.state.feed import Feed
from sequences_mock.state.history import Cause, History, Record
from sequences_mock.state.list_indexes import (
    INDEX_ENTRIES_MIN,
    INDEX_ENTRIES_PER_SEQUENCE,
    SortedIndexes,
)
from sequences_mock.state.queries import ListQuery, Page, index_order, page_of
from sequences_mock.state.table import SequenceTable
from sequences_mock.state.timeline import Timeline

__all__ = ["BULK_CHANGES", "Runs"]

#: Past this many runs changed by one clock move, the sorted indexes are dropped and rebuilt on
#: the next list instead of being moved along one run at a time.
BULK_CHANGES = 512


class Runs:
    """Every run of a world by id; `put` keeps each index and the timeline in step with it."""

    def __init__(
        self,
        world: World,
        *,
        index_entries_per_sequence: int = INDEX_ENTRIES_PER_SEQUENCE,
        index_entries_min: int = INDEX_ENTRIES_MIN,
        history: History | None = None,
    ) -> None:
        self.table = SequenceTable()
        self._timeline = Timeline(world.templates, world.contacts, history)
        self._indexes = SortedIndexes(
            entries_per_sequence=index_entries_per_sequence, minimum=index_entries_min
        )
        self._ids = IdSource()

    def put(self, sequences: Iterable[Sequence]) -> None:
        for sequence in sequences:
            previous = self.table.put(sequence)
            self._indexes.update(previous, sequence)
            self._timeline.track(sequence)

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

    def catch_up(
        self, now: datetime, cause: Cause = Cause.CLOCK, request_seq: int | None = None
    ) -> None:
        """Apply every clock event due at or before `now`, each at the instant it was due."""
        timeline = self._timeline
        if not timeline.anything_due(now):
            return
        progressed = timeline.catch_up(now, self.table.by_id, cause, request_seq)
        with collector_paused():
            for changed, sequence in enumerate(progressed, 1):
                if changed == BULK_CHANGES:
                    self._indexes.clear()
                self.put([sequence])

    def use_contacts(self, contacts: Mapping[str, Contact]) -> None:
        self._timeline.use_contacts(contacts)

    def steps_of(self, sequence: Sequence) -> tuple[Step, ...]:
        return self._timeline.steps_of(sequence)

    def record(
        self, sequence_id: str, events: list[Event], cause: Cause, request_seq: int | None
    ) -> None:
        self._timeline.record(sequence_id, events, cause, request_seq)

    def history(self, sequence_id: str) -> tuple[list[Record], int]:
        history = self._timeline.history
        return history.of(sequence_id), history.dropped(sequence_id)

    def new_id(self) -> str:
        while (candidate := self._ids.new()) in self.table.by_id:
            pass  # a seeded world may already hold an id the generator makes
        return candidate

    @property
    def feed(self) -> Feed:
        return self._timeline.history.feed

    def history_events(self) -> int:
        """Events kept in every run's history."""
        return len(self._timeline.history)

    def schedule_entries(self) -> int:
        """Entries in the schedule of due runs (live, and stale ones not yet dropped)."""
        return len(self._timeline)

    def schedule_bytes(self) -> int:
        """Roughly what the schedule of due runs holds in memory."""
        return self._timeline.schedule_bytes()

    def __len__(self) -> int:
        return len(self.table)
