"""Deadlines by id: at most one live moment per id, popped in time order once they are due."""

from __future__ import annotations

import heapq
import sys
from datetime import datetime

__all__ = ["STALE_DEADLINES_KEPT", "Deadlines"]

#: Stale entries tolerated beyond the live ones before the heap is rebuilt.
STALE_DEADLINES_KEPT = 1024


class Deadlines:
    """A min-heap of (moment, id) where each id has at most one live moment.

    Moving or clearing an id's deadline leaves its old entry in the heap: it is stale, and
    skipped when popped. Ids moved many times long before their moments would leave the heap
    mostly stale, so past `stale_kept` stale entries beyond the live ones it is rebuilt from the
    live moments alone; its size follows the ids with a deadline, not the changes ever made.
    """

    __slots__ = ("_heap", "_live", "_stale_kept", "earliest")

    def __init__(self, stale_kept: int = STALE_DEADLINES_KEPT) -> None:
        self._heap: list[tuple[datetime, str]] = []
        #: The live moment of each id: what a heap entry must match to count.
        self._live: dict[str, datetime] = {}
        self._stale_kept = stale_kept
        #: The earliest moment held, possibly a stale one; None when the heap is empty. An
        #: attribute, so the check on every request (is anything due?) costs no call.
        self.earliest: datetime | None = None

    def track(self, id_: str, moment: datetime | None) -> None:
        """Set the id's deadline to `moment`, or clear it (None)."""
        if moment is None:
            self._live.pop(id_, None)
            return
        if self._live.get(id_) == moment:
            return
        self._live[id_] = moment
        heapq.heappush(self._heap, (moment, id_))
        if len(self._heap) > 2 * len(self._live) + self._stale_kept:
            self._heap = [(live, key) for key, live in self._live.items()]
            heapq.heapify(self._heap)
        self.earliest = self._heap[0][0]

    def pop_due(self, now: datetime) -> str | None:
        """The id of the earliest live deadline at or before `now`, cleared; None when none is due.

        One id per call, so the caller may track deadlines between calls.
        """
        heap, live = self._heap, self._live
        found = None
        while heap and heap[0][0] <= now:
            moment, id_ = heapq.heappop(heap)
            if live.get(id_) == moment:
                del live[id_]
                found = id_
                break
        self.earliest = heap[0][0] if heap else None
        return found

    def nbytes(self) -> int:
        """Roughly the memory held (the heap, its entries and the live moments; not the ids and
        moments, which the runs hold too)."""
        heap, live = self._heap, self._live
        return sys.getsizeof(heap) + sum(map(sys.getsizeof, heap)) + sys.getsizeof(live)

    def __len__(self) -> int:
        """Entries held, live and stale (what the rebuild bounds)."""
        return len(self._heap)
