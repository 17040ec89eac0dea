"""What happened to each run, oldest first: the lifecycle's events with what caused them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from sequences_mock.core.events import Event
from sequences_mock.state.feed import Feed

__all__ = ["DEFAULT_EVENTS_PER_RUN", "Cause", "History", "Record"]

#: Events kept per run: a run of a long template makes a few dozen; older ones are dropped.
DEFAULT_EVENTS_PER_RUN = 100


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
    """Each run's records; at most `per_run` per run (the oldest dropped, and counted)."""

    def __init__(self, per_run: int = DEFAULT_EVENTS_PER_RUN, feed: Feed | None = None) -> None:
        if per_run < 1:
            raise ValueError(f"a history keeps at least one event per run, not {per_run}")
        self.per_run = per_run
        #: Every run's events in one ring, in the order they happened.
        self.feed = feed or Feed()
        #: Plain (event, cause, request_seq) tuples: a clock move may add half a million at once,
        #: and a named tuple costs several times more to make. `of` hands out `Record`s.
        self._records: dict[str, list[tuple[Event, Cause, int | None]]] = {}
        self._dropped: dict[str, int] = {}

    def record(
        self,
        sequence_id: str,
        events: Iterable[Event],
        cause: Cause,
        request_seq: int | None = None,
    ) -> None:
        events = events if isinstance(events, list) else list(events)
        self.feed.record(sequence_id, events, cause, request_seq)
        records = self._records.get(sequence_id)
        if records is None:
            records = self._records[sequence_id] = []
        records.extend([(event, cause, request_seq) for event in events])
        excess = len(records) - self.per_run
        if excess > 0:
            del records[:excess]
            self._dropped[sequence_id] = self._dropped.get(sequence_id, 0) + excess

    def of(self, sequence_id: str) -> list[Record]:
        """The kept records of a run, oldest first (none for a run with no history)."""
        return [Record(*record) for record in self._records.get(sequence_id, ())]

    def dropped(self, sequence_id: str) -> int:
        return self._dropped.get(sequence_id, 0)

    def forget(self, sequence_ids: Iterable[str]) -> None:
        """Drop the histories of runs that no longer exist."""
        for sequence_id in sequence_ids:
            self._records.pop(sequence_id, None)
            self._dropped.pop(sequence_id, None)

    def clear(self) -> None:
        self._records.clear()
        self._dropped.clear()
        self.feed = Feed(self.feed.size)

    def __len__(self) -> int:
        """Records kept, over every run."""
        return sum(len(records) for records in self._records.values())

    def __repr__(self) -> str:
        return f"History({len(self._records)} runs, {self.per_run} events each at most)"
