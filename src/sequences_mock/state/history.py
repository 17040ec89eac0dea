"""What happened to each run, oldest first: the lifecycle's events with what caused them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from sequences_mock.core.events import Event
from sequences_mock.state.feed import Feed, KeptEvent

__all__ = ["DEFAULT_EVENTS_PER_RUN", "DEFAULT_EVENTS_TOTAL", "Cause", "History", "Record"]

#: Events kept per run: a run of a long template makes a few dozen; older ones are dropped.
DEFAULT_EVENTS_PER_RUN = 100
#: Events kept over every run (about 200 bytes each): one clock move over 100,000 runs of 100
#: steps once kept 10 million (2 GB). Past it, the runs recorded least recently lose theirs.
DEFAULT_EVENTS_TOTAL = 500_000


class Cause(StrEnum):
    API = "api"
    CLOCK = "clock"
    CONTROL = "control"


class Record(NamedTuple):
    """One event of one run, and what caused it (`request_seq`: the journal entry of an API
    call that caused it)."""

    event: Event
    cause: Cause
    request_seq: int | None = None


class History:
    """Each run's records; at most `per_run` per run (the oldest dropped, and counted), and
    about `total` over every run (the histories of the runs recorded least recently dropped
    whole, and counted)."""

    def __init__(
        self,
        per_run: int = DEFAULT_EVENTS_PER_RUN,
        total: int = DEFAULT_EVENTS_TOTAL,
        feed: Feed | None = None,
    ) -> None:
        if per_run < 1:
            raise ValueError(f"a history keeps at least one event per run, not {per_run}")
        self.per_run = per_run
        self.total = total
        #: Records kept over every run.
        self._kept = 0
        #: Every run's events in one ring, in the order they happened.
        self.feed = feed or Feed()
        #: The feed's plain tuples (a clock move may add half a million at once, and a named
        #: tuple costs several times more to make): `of` hands out `Record`s.
        self._records: dict[str, list[KeptEvent]] = {}
        self._dropped: dict[str, int] = {}
        #: Counts `record` calls: unchanged, no run of the world changed (see `Runtime.install`).
        self.version = 0

    def record(
        self,
        sequence_id: str,
        events: Iterable[Event],
        cause: Cause,
        request_seq: int | None = None,
    ) -> None:
        items: list[KeptEvent] = []
        for event in events:  # most calls record one event: no comprehension to set up
            items.append((sequence_id, event, cause, request_seq))
        self.feed.record(items)
        self.version += 1
        # Popped and put back: the runs stay in the order they were last recorded.
        records = self._records.pop(sequence_id, None)
        if records is None:
            records = []
        self._records[sequence_id] = records
        before = len(records)
        records.extend(items)
        excess = len(records) - self.per_run
        if excess > 0:
            del records[:excess]
            self._dropped[sequence_id] = self._dropped.get(sequence_id, 0) + excess
        self._kept += len(records) - before
        while self._kept > self.total and len(self._records) > 1:
            self._drop_least_recent()

    def _drop_least_recent(self) -> None:
        oldest = next(iter(self._records))
        records = self._records.pop(oldest)
        self._kept -= len(records)
        self._dropped[oldest] = self._dropped.get(oldest, 0) + len(records)

    def of(self, sequence_id: str) -> list[Record]:
        """The kept records of a run, oldest first (none for a run with no history)."""
        return [
            Record(event, cause, request_seq)
            for _, event, cause, request_seq in self._records.get(sequence_id, ())
        ]

    def dropped(self, sequence_id: str) -> int:
        return self._dropped.get(sequence_id, 0)

    def forget(self, sequence_ids: Iterable[str]) -> None:
        """Drop the histories of runs that no longer exist."""
        for sequence_id in sequence_ids:
            self._kept -= len(self._records.pop(sequence_id, ()))
            self._dropped.pop(sequence_id, None)

    def clear(self) -> None:
        self._records.clear()
        self._dropped.clear()
        self._kept = 0
        self.feed = Feed(self.feed.size)

    def __len__(self) -> int:
        """Records kept, over every run."""
        return self._kept

    def __repr__(self) -> str:
        return f"History({len(self._records)} runs, {self.per_run} events each at most)"
