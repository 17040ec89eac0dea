"""The state of one mock: its world, the time rules, and the reads and writes of the API."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sequences_mock.core import domain
from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import (
    ApiKey,
    Sequence,
    StopReason,
    StopScope,
)
from sequences_mock.core.errors import NotFound
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.state.deadlines import Deadlines
from sequences_mock.state.list_indexes import (
    INDEX_ENTRIES_MIN,
    INDEX_ENTRIES_PER_SEQUENCE,
    SortedIndexes,
)
from sequences_mock.state.queries import ListQuery, Page, index_order, page_of
from sequences_mock.state.table import SequenceTable

__all__ = ["Store"]


class Store:
    """The mutable state behind one mock server.

    Every public method first applies the time rules up to the clock's now (paused runs whose
    deadline has come are ACTIVE again), so reads and filters never see a stale status. Writes
    compute every changed sequence before storing any of them: a refused request changes nothing.
    """

    def __init__(
        self,
        world: World,
        clock: Clock,
        *,
        index_entries_per_sequence: int = INDEX_ENTRIES_PER_SEQUENCE,
        index_entries_min: int = INDEX_ENTRIES_MIN,
    ) -> None:
        self.clock = clock
        self._world = world
        self._table = SequenceTable()
        #: When each paused run is due to resume.
        self._pauses = Deadlines()
        self._indexes = SortedIndexes(
            entries_per_sequence=index_entries_per_sequence, minimum=index_entries_min
        )
        self._store_all(world.sequences.values())

    # -- reads ---------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        """The current state as an immutable `World` (what `/__mock/state` dumps)."""
        self.resume_due()
        return World(
            clock=ClockSetting(self.clock.now(), self.clock.frozen),
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

    def get_sequence(self, workspace_id: str, sequence_id: str) -> Sequence:
        self.resume_due()
        return self._visible(workspace_id, sequence_id)

    def list_sequences(self, workspace_id: str, query: ListQuery) -> Page:
        """One page of a query, from a kept sorted index (see `page_of` for what it costs)."""
        self.resume_due()
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
        self, workspace_id: str, sequence_id: str, changes: Mapping[str, str | None]
    ) -> Sequence:
        self.resume_due()
        updated = domain.update_variables(
            self._visible(workspace_id, sequence_id), changes, self.clock.now()
        )
        self._store_all([updated])
        return updated

    def pause(self, workspace_id: str, sequence_id: str, until: datetime) -> Sequence:
        self.resume_due()
        paused = domain.pause(self._visible(workspace_id, sequence_id), until, self.clock.now())
        self._store_all([paused])
        return paused

    def resume(self, workspace_id: str, sequence_id: str) -> Sequence:
        self.resume_due()
        resumed = domain.resume(self._visible(workspace_id, sequence_id), self.clock.now())
        self._store_all([resumed])
        return resumed

    def stop(
        self, workspace_id: str, sequence_id: str, reason: StopReason, scope: StopScope
    ) -> Sequence:
        self.resume_due()
        now = self.clock.now()
        target = self._visible(workspace_id, sequence_id)
        stopped = domain.stop(target, reason, now)
        colleagues = self._company_colleagues(target) if scope is StopScope.COMPANY else []
        self._store_all([stopped, *(domain.stop(other, reason, now) for other in colleagues)])
        return stopped

    def resume_due(self) -> None:
        """Bring back to ACTIVE every paused run whose deadline is at or before the clock's now."""
        pauses = self._pauses
        if pauses.earliest is None:
            return
        now = self.clock.now()
        if pauses.earliest > now:
            return
        while (sequence_id := pauses.pop_due(now)) is not None:
            self._store_all([domain.resume_at_deadline(self._table.by_id[sequence_id])])

    # -- internals -----------------------------------------------------------------------------

    def _visible(self, workspace_id: str, sequence_id: str) -> Sequence:
        sequence = self._table.by_id.get(sequence_id.lower())
        if sequence is None or sequence.workspace_id != workspace_id:
            raise NotFound(f"no sequence {sequence_id} in this workspace")
        return sequence

    def _company_colleagues(self, target: Sequence) -> list[Sequence]:
        """Other unfinished runs of the target's template aimed at its contact's company."""
        contacts = self._world.contacts
        contact = contacts.get(target.contact_id) if target.contact_id else None
        if contact is None or contact.company_id is None:
            return []
        colleagues = []
        for other in self._table.of_template(target.workspace_id, target.template_id):
            other_contact = contacts.get(other.contact_id) if other.contact_id else None
            if (
                other.id != target.id
                and other.status in domain.NON_TERMINAL
                and other_contact is not None
                and other_contact.company_id == contact.company_id
            ):
                colleagues.append(other)
        return colleagues

    def _store_all(self, sequences: Iterable[Sequence]) -> None:
        for sequence in sequences:
            previous = self._table.put(sequence)
            self._indexes.update(previous, sequence)
            self._pauses.track(sequence.id, sequence.paused_until)

    def __repr__(self) -> str:
        return f"Store(sequences={len(self._table)}, clock={self.clock!r})"
