"""The request journal: a bounded ring of public-API exchanges, and per-operation tallies."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

__all__ = ["BODY_LIMIT", "DEFAULT_JOURNAL_SIZE", "Entry", "Journal", "JournalQuery"]

DEFAULT_JOURNAL_SIZE = 10_000
#: Bytes of each request body kept; a journal of 10,000 entries stays within tens of MiB.
BODY_LIMIT = 8 * 1024


class Entry(NamedTuple):
    """One request and the answer the mock gave it; the API key only by its last 4 characters.

    A named tuple because one is made per request: it builds several times faster than a
    frozen dataclass.
    """

    seq: int
    time: datetime
    method: str
    path: str
    query_string: bytes
    operation: str | None
    path_params: Mapping[str, str]
    body: bytes
    body_size: int
    status: int
    code: str | None
    contract_violation: str | None
    api_key_suffix: str | None
    fault: int | None
    duration_ms: float


@dataclass(frozen=True, slots=True)
class JournalQuery:
    operation: str | None = None
    status: int | None = None
    method: str | None = None
    since: int = 0
    limit: int | None = None


@dataclass(slots=True)
class _Tally:
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


class Journal:
    """The last `size` exchanges in order, and how often each operation answered each status.

    The tallies count every exchange since the last clear, including those the ring dropped.
    """

    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE) -> None:
        if size < 1:
            raise ValueError(f"a journal holds at least one entry, not {size}")
        self.size = size
        self._entries: deque[Entry] = deque(maxlen=size)
        self._tallies: dict[str | None, _Tally] = {}
        self._next_seq = 1

    def record(
        self,
        *,
        time: datetime,
        method: str,
        path: str,
        query_string: bytes,
        operation: str | None,
        path_params: Mapping[str, str],
        body: bytes,
        status: int,
        code: str | None,
        contract_violation: str | None,
        api_key: str | None,
        fault: int | None,
        duration_ms: float,
    ) -> Entry:
        entry = Entry(
            seq=self._next_seq,
            time=time,
            method=method,
            path=path,
            query_string=query_string,
            operation=operation,
            path_params=path_params,
            body=body[:BODY_LIMIT],
            body_size=len(body),
            status=status,
            code=code,
            contract_violation=contract_violation,
            api_key_suffix=_suffix(api_key),
            fault=fault,
            duration_ms=duration_ms,
        )
        self._next_seq += 1
        self._entries.append(entry)
        tally = self._tallies.get(operation)
        if tally is None:
            tally = self._tallies[operation] = _Tally()
        tally.calls += 1
        tally.statuses[status] += 1
        return entry

    def entries(self, query: JournalQuery | None = None) -> list[Entry]:
        """Kept entries matching `query`, oldest first (the newest `limit` when one is given)."""
        query = query or JournalQuery()
        found = [
            entry
            for entry in self._after(query.since)
            if (query.operation is None or entry.operation == query.operation)
            and (query.status is None or entry.status == query.status)
            and (query.method is None or entry.method == query.method)
        ]
        if query.limit is not None:
            found = found[len(found) - query.limit :] if query.limit else []
        return found

    def tally(self, operation: str | None) -> tuple[int, Mapping[int, int]]:
        """How many calls `operation` had, and how many answered each status."""
        tally = self._tallies.get(operation)
        return (tally.calls, dict(tally.statuses)) if tally else (0, {})

    @property
    def recorded(self) -> int:
        """Exchanges recorded since the last clear, dropped ones included."""
        return self._next_seq - 1

    @property
    def dropped(self) -> int:
        """Exchanges the ring no longer holds because newer ones pushed them out."""
        return self.recorded - len(self._entries)

    def clear(self) -> None:
        """Forget every entry and tally; sequence numbers start again at 1."""
        self._entries.clear()
        self._tallies.clear()
        self._next_seq = 1

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def _after(self, since: int) -> Iterator[Entry]:
        entries = self._entries
        if since <= 0 or not entries:
            return iter(entries)
        # Sequence numbers are consecutive, so the first entry after `since` is found by index.
        start = since - entries[0].seq + 1
        if start <= 0:
            return iter(entries)
        return (entries[i] for i in range(start, len(entries)))

    def __repr__(self) -> str:
        return f"Journal({len(self)}/{self.size} entries, {self.recorded} recorded)"


def _suffix(api_key: str | None) -> str | None:
    """The last 4 characters of a key, and only of one long enough not to give itself away."""
    if api_key is None:
        return None
    return api_key[-4:] if len(api_key) >= 12 else ""
