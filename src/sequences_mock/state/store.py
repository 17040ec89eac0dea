"""The state of one mock: its world, the time rules, and the reads and writes of the API."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from sequences_mock.core import domain, lifecycle
from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import (
    ApiKey,
    Sequence,
    StopReason,
    StopScope,
    Template,
)
from sequences_mock.core.errors import NotFound
from sequences_mock.core.ids import IdSource
from sequences_mock.core.lifecycle import Event, EventKind, TaskOutcome
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.state.enrollments import Enrollment, enrolled_run
from sequences_mock.state.history import Cause, History, Record
from sequences_mock.state.list_indexes import (
    INDEX_ENTRIES_MIN,
    INDEX_ENTRIES_PER_SEQUENCE,
    SortedIndexes,
)
from sequences_mock.state.queries import ListQuery, Page, index_order, page_of
from sequences_mock.state.table import SequenceTable
from sequences_mock.state.timeline import Timeline

__all__ = ["BULK_CHANGES", "Store"]

#: Past this many runs changed by one clock move, the sorted indexes are dropped and rebuilt on
#: the next list instead of being moved along one run at a time.
BULK_CHANGES = 512


class Store:
    """The mutable state behind one mock server.

    Every public method first applies the time rules up to the clock's now (paused runs resume
    at their deadline, runs activate and execute their steps), so reads and filters never see a
    stale status. Writes compute every changed sequence before storing any of them: a refused
    request changes nothing. API writes name their journal entry (`request_seq`) for the history.
    """

    def __init__(
        self,
        world: World,
        clock: Clock,
        *,
        index_entries_per_sequence: int = INDEX_ENTRIES_PER_SEQUENCE,
        index_entries_min: int = INDEX_ENTRIES_MIN,
        history: History | None = None,
        current_request: Callable[[], int | None] = lambda: None,
        now: datetime | None = None,
    ) -> None:
        """`now`: the instant the world is scheduled at (default: the clock's now); a store built
        away from the event loop is given one rather than reading a clock the loop moves."""
        self.clock = clock
        self._world = world
        self._table = SequenceTable()
        self._timeline = Timeline(world.templates, world.contacts, history)
        self._indexes = SortedIndexes(
            entries_per_sequence=index_entries_per_sequence, minimum=index_entries_min
        )
        self._ids = IdSource()
        #: The journal entry the API call being handled will get, for the runs' histories.
        self._current_request = current_request
        now, delay, steps_of = (
            clock.now() if now is None else now,
            world.lifecycle.activation_delay,
            self._timeline.steps_of,
        )
        self._store_all(
            lifecycle.schedule(sequence, steps_of(sequence), now, delay)
            for sequence in world.sequences.values()
        )

    # -- reads ---------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        """The current state as an immutable `World` (what `/__mock/state` dumps)."""
        self.catch_up()
        return World(
            clock=ClockSetting(self.clock.now(), self.clock.frozen),
            lifecycle=self._world.lifecycle,
            workspaces=self._world.workspaces,
            api_keys=self._world.api_keys,
            companies=self._world.companies,
            contacts=self._world.contacts,
            templates=self._world.templates,
            contact_lists=self._world.contact_lists,
            sequences=dict(self._table.by_id),
        )

    def counts(self) -> dict[str, int]:
        """How many items each collection holds, without copying any of them."""
        world = self._world
        return {
            "workspaces": len(world.workspaces),
            "api_keys": len(world.api_keys),
            "companies": len(world.companies),
            "contacts": len(world.contacts),
            "templates": len(world.templates),
            "contact_lists": len(world.contact_lists),
            "sequences": len(self._table),
        }

    def api_key(self, key: str) -> ApiKey | None:
        return self._world.api_keys.get(key)

    def template(self, template_id: str) -> Template | None:
        return self._world.templates.get(template_id)

    def get_sequence(self, workspace_id: str, sequence_id: str) -> Sequence:
        self.catch_up()
        return self._visible(workspace_id, sequence_id)

    def history(self, sequence_id: str) -> tuple[list[Record], int]:
        """A run's history, oldest first, and how many older events it dropped (any workspace)."""
        self.catch_up()
        sequence = self._any(sequence_id)
        history = self._timeline.history
        return history.of(sequence.id), history.dropped(sequence.id)

    def list_sequences(self, workspace_id: str, query: ListQuery) -> Page:
        """One page of a query, from a kept sorted index (see `page_of` for what it costs)."""
        self.catch_up()
        template_id = query.template_id.lower() if query.template_id is not None else None
        selection, order = (workspace_id, query.status, template_id), index_order(query)
        # The index of that filter in that order, built on first use and kept up to date.
        index = self._indexes.find(selection, order)
        if index is None:
            members = self._table.matching(*selection)
            index = self._indexes.build(selection, order, members, len(self._table))
        return page_of(index, query)

    # -- writes --------------------------------------------------------------------------------

    def update_variables(
        self,
        workspace_id: str,
        sequence_id: str,
        changes: Mapping[str, str | None],
    ) -> Sequence:
        self.catch_up()
        before = self._visible(workspace_id, sequence_id)
        updated = domain.update_variables(before, changes, self.clock.now())
        self._store_all([updated])
        self._record(EventKind.VARIABLES_UPDATED, before, updated)
        return updated

    def pause(self, workspace_id: str, sequence_id: str, until: datetime) -> Sequence:
        self.catch_up()
        before = self._visible(workspace_id, sequence_id)
        paused = domain.pause(before, until, self.clock.now())
        self._store_all([paused])
        self._record(EventKind.PAUSED, before, paused)
        return paused

    def resume(self, workspace_id: str, sequence_id: str) -> Sequence:
        self.catch_up()
        before = self._visible(workspace_id, sequence_id)
        resumed = domain.resume(before, self.clock.now())
        self._store_all([resumed])
        self._record(EventKind.RESUMED, before, resumed)
        return resumed

    def stop(
        self,
        workspace_id: str,
        sequence_id: str,
        reason: StopReason,
        scope: StopScope,
    ) -> Sequence:
        self.catch_up()
        now = self.clock.now()
        target = self._visible(workspace_id, sequence_id)
        stopped = domain.stop(target, reason, now)
        colleagues = (
            self._table.company_colleagues(target, self._world.contacts)
            if scope is StopScope.COMPANY
            else []
        )
        changes = [
            (target, stopped),
            *((other, domain.stop(other, reason, now)) for other in colleagues),
        ]
        self._store_all(after for _, after in changes)
        for before, after in changes:
            self._record(EventKind.STOPPED, before, after)
        return stopped

    def enroll(self, request: Enrollment) -> Sequence:
        """A new run: FOUND and due to activate, or REFUSED (see `lifecycle.refusal_for`)."""
        self.catch_up()
        sequence_id = request.id or self._new_id()
        sequence, event = enrolled_run(
            request, sequence_id, self._world, self._table, self.clock.now()
        )
        self._store_all([sequence])
        self._timeline.record(sequence.id, [event], Cause.CONTROL, None)
        return sequence

    def complete_task(self, sequence_id: str, outcome: TaskOutcome) -> Sequence:
        """A person completed or skipped the manual step a WAITING_FOR_USER run waits on."""
        self.catch_up()
        sequence = self._any(sequence_id)
        steps = self._timeline.steps_of(sequence)
        done, events = lifecycle.complete_task(sequence, steps, outcome, self.clock.now())
        self._store_all([done])
        self._timeline.record(done.id, events, Cause.CONTROL, None)
        return done

    def catch_up(self) -> None:
        """Apply every clock event due at or before the clock's now: pause deadlines,
        activations and steps, each at the instant it was due."""
        timeline = self._timeline
        now = self.clock.now()
        if not timeline.anything_due(now):
            return
        for changed, sequence in enumerate(timeline.catch_up(now, self._table.by_id), 1):
            if changed == BULK_CHANGES:
                self._indexes.clear()
            self._store_all([sequence])

    # -- internals -----------------------------------------------------------------------------

    def _any(self, sequence_id: str) -> Sequence:
        sequence = self._table.by_id.get(sequence_id.lower())
        if sequence is None:
            raise NotFound(f"no sequence {sequence_id}")
        return sequence

    def _new_id(self) -> str:
        while (candidate := self._ids.new()) in self._table.by_id:
            pass  # a seeded world may already hold an id the generator makes
        return candidate

    def _record(self, kind: EventKind, before: Sequence, after: Sequence) -> None:
        """Put an API write in the run's history, with the journal entry of its call."""
        event = Event(self.clock.now(), kind, before.status, after.status)
        self._timeline.record(after.id, [event], Cause.API, self._current_request())

    def _visible(self, workspace_id: str, sequence_id: str) -> Sequence:
        sequence = self._table.by_id.get(sequence_id.lower())
        if sequence is None or sequence.workspace_id != workspace_id:
            raise NotFound(f"no sequence {sequence_id} in this workspace")
        return sequence

    def _store_all(self, sequences: Iterable[Sequence]) -> None:
        for sequence in sequences:
            previous = self._table.put(sequence)
            self._indexes.update(previous, sequence)
            self._timeline.track(sequence)

    def __repr__(self) -> str:
        return f"Store(sequences={len(self._table)}, clock={self.clock!r})"
