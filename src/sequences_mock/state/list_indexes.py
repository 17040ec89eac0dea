"""The sorted indexes list queries page through: one per filter and order, kept within a budget."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from sequences_mock.core.domain import Sequence, Status
from sequences_mock.state.indexes import SortedIndex, order_key

__all__ = [
    "DEFAULT_INDEX_BUDGET",
    "INDEX_ENTRIES_MIN",
    "INDEX_ENTRIES_PER_SEQUENCE",
    "IndexBudget",
    "Order",
    "Selection",
    "SortedIndexes",
]

#: A list filter: workspace, and optionally status and template.
Selection = tuple[str, Status | None, str | None]
#: A sort order: the field, and whether it descends.
Order = tuple[str, bool]
#: How many entries the kept sorted indexes may hold together, per sequence stored (with a floor
#: for small worlds); past it the least recently used indexes are dropped, to be rebuilt on use.
#: Every filter in every order would hold 24 per sequence (4 filters that include it, 6 orders);
#: half leaves room for a whole workspace in all 6 orders and the filters in use beside it.
INDEX_ENTRIES_PER_SEQUENCE = 12
INDEX_ENTRIES_MIN = 50_000


class IndexBudget(NamedTuple):
    """How many entries the kept sorted indexes may hold: `per_sequence` times the sequences
    stored, and never fewer than `minimum`."""

    per_sequence: int = INDEX_ENTRIES_PER_SEQUENCE
    minimum: int = INDEX_ENTRIES_MIN


DEFAULT_INDEX_BUDGET = IndexBudget()


class SortedIndexes:
    """The kept sorted indexes, each moved along as sequences change, least recently used first.

    The budget is `max(minimum, entries_per_sequence * sequences stored)` entries; the most
    recently used index is kept even when it alone is over.
    """

    __slots__ = ("_by_selection", "_entries_per_sequence", "_kept", "_minimum", "builds")

    def __init__(
        self,
        *,
        entries_per_sequence: int = INDEX_ENTRIES_PER_SEQUENCE,
        minimum: int = INDEX_ENTRIES_MIN,
    ) -> None:
        self._entries_per_sequence = entries_per_sequence
        self._minimum = minimum
        self._by_selection: dict[Selection, dict[Order, SortedIndex]] = {}
        #: The same indexes, least recently used first.
        self._kept: OrderedDict[tuple[Selection, Order], SortedIndex] = OrderedDict()
        #: Indexes built so far (a kept one found again is not built).
        self.builds = 0

    @property
    def kept(self) -> Mapping[tuple[Selection, Order], SortedIndex]:
        """The kept indexes by filter and order, least recently used first."""
        return self._kept

    def find(self, selection: Selection, order: Order) -> SortedIndex | None:
        """The kept index of one filter in one order, now the most recently used; or None."""
        indexes = self._by_selection.get(selection)
        index = indexes.get(order) if indexes else None
        if index is not None:
            self._kept.move_to_end((selection, order))
        return index

    def build(
        self, selection: Selection, order: Order, members: list[Sequence], stored: int
    ) -> SortedIndex:
        """The index of `members` (a filter's sequences) in one order, kept if not empty.

        `stored` is how many sequences the store holds: what the budget follows.
        """
        index = SortedIndex(order_key(*order), members)
        self.builds += 1
        # An empty selection is not kept: it costs nothing to build again, and keeping it
        # would let random filters grow the store.
        if members:
            self._by_selection.setdefault(selection, {})[order] = index
            self._kept[(selection, order)] = index
            self._drop_unused(stored)
        return index

    def clear(self) -> None:
        """Drop every kept index: cheaper than moving thousands of changed runs one by one."""
        self._by_selection.clear()
        self._kept.clear()

    def entries(self) -> int:
        """How many entries the kept indexes hold together."""
        return sum(len(index) for index in self._kept.values())

    def update(self, previous: Sequence | None, sequence: Sequence) -> None:
        """Move a changed sequence within every kept index that held it or now should."""
        if not self._kept:
            return
        by_selection = self._by_selection
        workspace_id, template_id = sequence.workspace_id, sequence.template_id
        if (
            previous is None
            or previous.workspace_id != workspace_id
            or previous.template_id != template_id
        ):  # a new run (no write moves a run to another workspace or template)
            if previous is not None:
                for selection in _selections(previous):
                    for index in by_selection.get(selection, _NONE).values():
                        index.discard(previous)
            for selection in _selections(sequence):
                for index in by_selection.get(selection, _NONE).values():
                    index.add(sequence)
            return
        # A filter that names no status, or the status the run keeps, holds it before and
        # after alike; one that names its old status loses it, its new one gains it.
        before, after = previous.status, sequence.status
        kept = (None,) if before is not after else (None, after)
        for template in (None, template_id):
            for status in kept:
                indexes = by_selection.get((workspace_id, status, template))
                if indexes:
                    for index in indexes.values():
                        index.replace(previous, sequence)
            if before is not after:
                indexes = by_selection.get((workspace_id, before, template))
                if indexes:
                    for index in indexes.values():
                        index.discard(previous)
                indexes = by_selection.get((workspace_id, after, template))
                if indexes:
                    for index in indexes.values():
                        index.add(sequence)

    def _drop_unused(self, stored: int) -> None:
        """Keep within the budget, dropping the least recently used indexes."""
        budget = max(self._minimum, self._entries_per_sequence * stored)
        held = self.entries()
        while held > budget and len(self._kept) > 1:
            (selection, order), index = self._kept.popitem(last=False)
            held -= len(index)
            indexes = self._by_selection[selection]
            del indexes[order]
            if not indexes:
                del self._by_selection[selection]


#: No kept index (read only).
_NONE: Mapping[Order, SortedIndex] = MappingProxyType({})


def _selections(sequence: Sequence) -> tuple[Selection, ...]:
    """The filters (workspace, status, template) whose lists include `sequence`."""
    workspace_id, status, template_id = sequence.workspace_id, sequence.status, sequence.template_id
    return (
        (workspace_id, None, None),
        (workspace_id, status, None),
        (workspace_id, None, template_id),
        (workspace_id, status, template_id),
    )
