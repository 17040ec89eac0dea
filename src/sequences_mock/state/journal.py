"""The request journal: a bounded ring of public-API exchanges, and per-operation tallies."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import NamedTuple

from sequences_mock.state.faults import NetworkFault

__all__ = [
    "BODY_LIMIT",
    "DEFAULT_JOURNAL_SIZE",
    "ENTRY_OVERHEAD",
    "JOURNAL_BYTES",
    "PATH_LIMIT",
    "QUERY_LIMIT",
    "WARNINGS_LIMIT",
    "WARNING_NAME_LIMIT",
    "Entry",
    "Journal",
    "JournalQuery",
]

DEFAULT_JOURNAL_SIZE = 10_000
#: Bytes of each request body kept.
BODY_LIMIT = 8 * 1024
#: Characters of each path (and of each path parameter) kept, and bytes of each query string.
PATH_LIMIT = 2 * 1024
QUERY_LIMIT = 2 * 1024
#: Warnings kept per entry, and characters of the parameter name each names.
WARNINGS_LIMIT = 20
WARNING_NAME_LIMIT = 100
#: What the kept entries may cost together; past it the oldest go, whatever `size` allows.
#: 10,000 ordinary calls cost some 7 MiB; a flood of calls with 8 KiB bodies keeps about 900.
JOURNAL_BYTES = 8 * 1024 * 1024
#: An entry's cost besides its texts (measured: an ordinary call's entry takes some 680 bytes,
#: 150 of them its texts). The path counts twice: its parameters are parts of it.
ENTRY_OVERHEAD = 512


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
    #: The full length of a path, and size of a query string, cut to `PATH_LIMIT` and
    #: `QUERY_LIMIT`; 0 when kept whole.
    path_size: int = 0
    query_size: int = 0
    #: What the entry holds, in bytes, for the journal's budget (see `ENTRY_OVERHEAD`).
    cost: int = 0
    #: The network fault the answer met; None when sent whole.
    network: NetworkFault | None = None
    #: How a proxied upstream's answer broke openapi.yaml (`sequences-mock proxy`).
    violations: tuple[str, ...] = ()
    #: Query parameters the contract does not declare, which the call's answer ignored.
    warnings: tuple[str, ...] = ()

    @property
    def incident(self) -> bool:
        """A sign of a mock bug: a broken contract, or a 5xx no injected fault asked for."""
        return self.contract_violation is not None or (self.status >= 500 and self.fault is None)


@dataclass(frozen=True, slots=True)
class JournalQuery:
    operation: str | None = None
    status: int | None = None
    method: str | None = None
    since: int = 0
    limit: int | None = None
    incident: bool | None = None
    warned: bool | None = None


class Journal:
    """The last `size` exchanges in order, and how often each operation answered each status.

    Together the entries cost at most `max_bytes` (see `ENTRY_OVERHEAD`): past it, or past
    `size`, the oldest go. The tallies count every exchange since the last clear, including
    those the ring dropped. `listener`, when set, is called with each new entry (the command
    line prints it).
    """

    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE, max_bytes: int = JOURNAL_BYTES) -> None:
        if size < 1:
            raise ValueError(f"a journal holds at least one entry, not {size}")
        self.size = size
        self.listener: Callable[[Entry], None] | None = None
        self.max_bytes = max_bytes
        self._entries: deque[Entry] = deque()
        self._cost = 0
        #: Per operation (None: router refusals), how many calls answered each status.
        self._tallies: dict[str | None, dict[int, int]] = {}
        self._next_seq = 1
        #: Calls with warnings since the last clear, dropped ones included.
        self.warned = 0

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
        network: NetworkFault | None = None,
        violations: tuple[str, ...] = (),
        warnings: tuple[str, ...] = (),
    ) -> Entry:
        path_size = query_size = 0
        if len(path) > PATH_LIMIT:
            path_size, path = len(path), path[:PATH_LIMIT]
            path_params = {name: value[:PATH_LIMIT] for name, value in path_params.items()}
        if len(query_string) > QUERY_LIMIT:
            query_size, query_string = len(query_string), query_string[:QUERY_LIMIT]
        kept = body[:BODY_LIMIT]
        cost = ENTRY_OVERHEAD + 2 * len(path) + len(query_string) + len(kept)
        if violations:
            cost += sum(map(len, violations))
        if warnings:
            # Names taken from the query string as sent, which may be longer than the kept one.
            warnings = tuple(name[:WARNING_NAME_LIMIT] for name in warnings[:WARNINGS_LIMIT])
            cost += sum(len(name) for name in warnings)
            self.warned += 1
        # In field order, without the named tuple's Python-level `__new__`: one per request.
        entry = _make_entry(
            (
                self._next_seq,
                time,
                method,
                path,
                query_string,
                operation,
                path_params,
                kept,
                len(body),
                status,
                code,
                contract_violation,
                _suffix(api_key),
                fault,
                duration_ms,
                path_size,
                query_size,
                cost,
                network,
                violations,
                warnings,
            )
        )
        self._next_seq += 1
        entries = self._entries
        entries.append(entry)
        self._cost += cost
        if len(entries) > self.size:  # a full ring, as usual: one in, one out
            self._cost -= entries.popleft().cost
        if self._cost > self.max_bytes:
            self._evict()
        statuses = self._tallies.get(operation)
        if statuses is None:
            statuses = self._tallies[operation] = {}
        statuses[status] = statuses.get(status, 0) + 1
        if self.listener is not None:
            self.listener(entry)
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
            and (query.incident is None or entry.incident == query.incident)
            and (query.warned is None or bool(entry.warnings) == query.warned)
        ]
        if query.limit is not None:
            found = found[len(found) - query.limit :] if query.limit else []
        return found

    def tally(self, operation: str | None) -> tuple[int, Mapping[int, int]]:
        """How many calls `operation` had, and how many answered each status."""
        statuses = self._tallies.get(operation, {})
        return sum(statuses.values()), dict(statuses)

    def next_seq(self) -> int:
        """The sequence number the next entry will get."""
        return self._next_seq

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
        self._cost = 0
        self._tallies.clear()
        self._next_seq = 1
        self.warned = 0

    @property
    def cost(self) -> int:
        """What the kept entries cost together (at most `max_bytes`)."""
        return self._cost

    def _evict(self) -> None:
        """Drop the oldest entries until the rest fit the budget; the newest always stays."""
        entries = self._entries
        while self._cost > self.max_bytes and len(entries) > 1:
            self._cost -= entries.popleft().cost

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


_make_entry = partial(tuple.__new__, Entry)


def _suffix(api_key: str | None) -> str | None:
    """The last 4 characters of a key, and only of one long enough not to give itself away."""
    if api_key is None:
        return None
    return api_key[-4:] if len(api_key) >= 12 else ""
