"""In-memory state of one mock: entities, the indexes lists filter on, and pause deadlines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from math import ceil

from sequences_mock.core import domain
from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import (
    ApiKey,
    Sequence,
    Status,
    StopReason,
    StopScope,
)
from sequences_mock.core.errors import NotFound
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.state.deadlines import Deadlines
from sequences_mock.state.indexes import SortedIndex, created_bounds, order_key
from sequences_mock.state.list_indexes import (
    INDEX_ENTRIES_MIN,
    INDEX_ENTRIES_PER_SEQUENCE,
    SortedIndexes,
)

__all__ = ["ListQuery", "Page", "Store"]


@dataclass(frozen=True, slots=True)
class ListQuery:
    status: Status | None = None
    template_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort_by: str = "created_at"
    order: str = "asc"
    page: int = 1
    size: int = 10


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Sequence]
    total: int
    page: int
    size: int

    @property
    def total_pages(self) -> int:
        return ceil(self.total / self.size)

    @property
    def has_more(self) -> bool:
        return self.page < self.total_pages


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
        self._sequences: dict[str, Sequence] = {}
        self._by_workspace: dict[str, set[str]] = {}
        self._by_status: dict[tuple[str, Status], set[str]] = {}
        self._by_template: dict[tuple[str, str], set[str]] = {}
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
            sequences=dict(self._sequences),
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
            "sequences": len(self._sequences),
        }

    def api_key(self, key: str) -> ApiKey | None:
        return self._world.api_keys.get(key)

    def get_sequence(self, workspace_id: str, sequence_id: str) -> Sequence:
        self.resume_due()
        return self._visible(workspace_id, sequence_id)

    def list_sequences(self, workspace_id: str, query: ListQuery) -> Page:
        """One page of a query: a slice of a sorted index, so its cost follows the page size.

        A `created_at` range with another sort order is the exception: the range is found in
        the `created_at` index, then sorted, so its cost follows the number of matches.
        """
        self.resume_due()
        descending = query.order == "desc"
        template_id = query.template_id.lower() if query.template_id is not None else None
        after, before = query.created_after, query.created_before
        ranged = after is not None or before is not None
        offset = (query.page - 1) * query.size
        if ranged and query.sort_by != "created_at":
            by_creation = self._sorted_index(workspace_id, query.status, template_id)
            first, last = by_creation.span(*created_bounds(False, after, before))
            matching = by_creation.slice(first, last)
            matching.sort(key=order_key(query.sort_by, descending))
            items, total = matching[offset : offset + query.size], len(matching)
        else:
            index = self._sorted_index(
                workspace_id, query.status, template_id, query.sort_by, descending
            )
            bounds = created_bounds(descending, after, before) if ranged else (None, None)
            first, last = index.span(*bounds)
            start = first + offset
            items, total = index.slice(start, min(last, start + query.size)), last - first
        return Page(items, total, query.page, query.size)

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
        if not pauses:
            return
        now = self.clock.now()
        while (sequence_id := pauses.pop_due(now)) is not None:
            self._store_all([domain.resume_at_deadline(self._sequences[sequence_id])])

    # -- internals -----------------------------------------------------------------------------

    def _visible(self, workspace_id: str, sequence_id: str) -> Sequence:
        sequence = self._sequences.get(sequence_id.lower())
        if sequence is None or sequence.workspace_id != workspace_id:
            raise NotFound(f"no sequence {sequence_id} in this workspace")
        return sequence

    def _sorted_index(
        self,
        workspace_id: str,
        status: Status | None,
        template_id: str | None,
        sort_by: str = "created_at",
        descending: bool = False,
    ) -> SortedIndex:
        """The index of one filter in one order, built on first use and kept up to date."""
        selection, order = (workspace_id, status, template_id), (sort_by, descending)
        index = self._indexes.find(selection, order)
        if index is None:
            members = [self._sequences[i] for i in self._candidates(*selection)]
            index = self._indexes.build(selection, order, members, len(self._sequences))
        return index

    def _candidates(
        self, workspace_id: str, status: Status | None, template_id: str | None
    ) -> Iterable[str]:
        sets = [self._by_workspace.get(workspace_id, set())]
        if status is not None:
            sets.append(self._by_status.get((workspace_id, status), set()))
        if template_id is not None:
            sets.append(self._by_template.get((workspace_id, template_id), set()))
        smallest, *others = sorted(sets, key=len)
        return smallest.intersection(*others) if others else smallest

    def _company_colleagues(self, target: Sequence) -> list[Sequence]:
        """Other unfinished runs of the target's template aimed at its contact's company."""
        contacts = self._world.contacts
        contact = contacts.get(target.contact_id) if target.contact_id else None
        if contact is None or contact.company_id is None:
            return []
        colleagues = []
        for sequence_id in self._by_template.get((target.workspace_id, target.template_id), ()):
            other = self._sequences[sequence_id]
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
            previous = self._sequences.get(sequence.id)
            if previous is not None:
                self._by_status[(previous.workspace_id, previous.status)].discard(previous.id)
            else:
                self._by_workspace.setdefault(sequence.workspace_id, set()).add(sequence.id)
                self._by_template.setdefault(
                    (sequence.workspace_id, sequence.template_id), set()
                ).add(sequence.id)
            self._by_status.setdefault((sequence.workspace_id, sequence.status), set()).add(
                sequence.id
            )
            self._sequences[sequence.id] = sequence
            self._indexes.update(previous, sequence)
            self._pauses.track(sequence.id, sequence.paused_until)

    def __repr__(self) -> str:
        return f"Store(sequences={len(self._sequences)}, clock={self.clock!r})"
