"""One feed of the world's lifecycle events, across every run, oldest first."""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple

from sequences_mock.core.events import Event

if TYPE_CHECKING:
    from sequences_mock.state.history import Cause

__all__ = ["DEFAULT_FEED_SIZE", "Feed", "FeedItem", "KeptEvent"]

#: Events the feed keeps; the oldest go first. Every event is the same few fields (ids of fixed
#: length, enums, a timestamp), so the count bounds the bytes too: some 200 bytes each in
#: memory, some 40 MiB at most (a 30-day move of the 20,000-run bench world fires ~120,000).
DEFAULT_FEED_SIZE = 200_000


#: An event as kept: its run's id, the event, its cause, the journal entry of the call that
#: caused it. Plain tuples, one per event, shared by the feed and the run's history.
KeptEvent = tuple[str, Event, "Cause", int | None]


class FeedItem(NamedTuple):
    seq: int
    sequence_id: str
    event: Event
    cause: Cause
    request_seq: int | None


class Feed:
    """A ring of the last `size` events of every run; `seq` counts from 1 since the world began
    (a reset or seed), so an event keeps its `seq` while older ones are dropped."""

    def __init__(self, size: int = DEFAULT_FEED_SIZE) -> None:
        if size < 1:
            raise ValueError(f"a feed keeps at least one event, not {size}")
        self.size = size
        self._items: deque[KeptEvent] = deque(maxlen=size)
        #: Events recorded since the world began; the newest has this `seq`.
        self.recorded = 0

    def record(self, items: list[KeptEvent]) -> None:
        """Keep `items`, oldest first (the tuples a run's history keeps too)."""
        self._items.extend(items)
        self.recorded += len(items)

    @property
    def dropped(self) -> int:
        """Events the ring let go."""
        return self.recorded - len(self._items)

    def since(self, seq: int, limit: int) -> list[FeedItem]:
        """At most `limit` events after `seq`, oldest first (the kept ones only)."""
        first = self.dropped + 1
        skip = max(seq + 1 - first, 0)
        return [
            FeedItem(first + skip + offset, *item)
            for offset, item in enumerate(islice(self._items, skip, skip + limit))
        ]

    def __len__(self) -> int:
        return len(self._items)
