"""The request journal in `sequences_mock.journal`: ring, tallies, queries and key suffixes."""

from __future__ import annotations

import tracemalloc
from datetime import timedelta
from typing import Any

import pytest

from builders import NOW
from sequences_mock.state.journal import (
    BODY_LIMIT,
    ENTRY_OVERHEAD,
    PATH_LIMIT,
    QUERY_LIMIT,
    Journal,
    JournalQuery,
)

START = NOW


def record(journal: Journal, **changes: Any) -> None:
    """Record one exchange: a 200 listSequences call unless `changes` say otherwise."""
    exchange: dict[str, Any] = {
        "time": START,
        "method": "GET",
        "path": "/v1/sequences",
        "query_string": b"",
        "operation": "listSequences",
        "path_params": {},
        "body": b"",
        "status": 200,
        "code": None,
        "contract_violation": None,
        "api_key": "sk_test_acme_read_write",
        "fault": None,
        "duration_ms": 0.5,
        **changes,
    }
    journal.record(**exchange)


def seqs(journal: Journal, **query: Any) -> list[int]:
    return [entry.seq for entry in journal.entries(JournalQuery(**query))]


def filled(size: int, calls: int) -> Journal:
    """A journal of `size` entries after `calls` exchanges, the n-th one at START + n seconds."""
    journal = Journal(size)
    for n in range(1, calls + 1):
        record(journal, time=START + timedelta(seconds=n))
    return journal


def test_entries_are_numbered_from_one_and_keep_what_was_recorded() -> None:
    """Each exchange gets the next sequence number and its details come back unchanged."""
    journal = Journal(10)
    record(journal)
    record(
        journal,
        method="POST",
        path="/v1/sequences/abc/stop",
        query_string=b"dry=1&dry=2",
        operation="stopSequence",
        path_params={"sequence_id": "abc"},
        body=b'{"reason": "WIN"}',
        status=409,
        code="invalid_state_transition",
        fault=7,
        duration_ms=12.5,
    )

    first, second = journal.entries()

    assert (first.seq, second.seq) == (1, 2)
    assert second.method == "POST"
    assert second.path == "/v1/sequences/abc/stop"
    assert second.query_string == b"dry=1&dry=2"
    assert second.operation == "stopSequence"
    assert dict(second.path_params) == {"sequence_id": "abc"}
    assert second.body == b'{"reason": "WIN"}'
    assert second.body_size == len(b'{"reason": "WIN"}')
    assert (second.status, second.code, second.fault) == (409, "invalid_state_transition", 7)
    assert second.duration_ms == 12.5
    assert (journal.recorded, journal.dropped, len(journal)) == (2, 0, 2)


def test_the_ring_keeps_only_the_newest_entries() -> None:
    """Past its size the journal drops the oldest entries and counts them as dropped."""
    journal = filled(size=3, calls=5)

    assert [entry.seq for entry in journal] == [3, 4, 5]
    assert [entry.time for entry in journal] == [START + timedelta(seconds=n) for n in (3, 4, 5)]
    assert (journal.recorded, journal.dropped, len(journal), journal.size) == (5, 2, 3, 3)


def test_tallies_count_every_exchange_including_dropped_ones() -> None:
    """Per-operation tallies are not limited by the ring: they count all calls since the clear."""
    journal = Journal(2)
    for status in (200, 200, 401, 200, 503):
        record(journal, status=status)
    record(journal, operation=None, status=404)
    record(journal, operation=None, status=405)

    assert journal.tally("listSequences") == (5, {200: 3, 401: 1, 503: 1})
    assert journal.tally(None) == (2, {404: 1, 405: 1})
    assert journal.tally("getSequence") == (0, {})
    assert journal.dropped == 5


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        (0, [3, 4, 5]),
        (1, [3, 4, 5]),
        (2, [3, 4, 5]),
        (3, [4, 5]),
        (4, [5]),
        (5, []),
        (99, []),
    ],
)
def test_since_returns_entries_after_that_number_across_the_wrap(since, expected) -> None:
    """`since` keeps entries numbered above it, also when older ones were dropped by the ring."""
    assert seqs(filled(size=3, calls=5), since=since) == expected


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (None, [1, 2, 3, 4]),
        (0, []),
        (1, [4]),
        (3, [2, 3, 4]),
        (4, [1, 2, 3, 4]),
        (50, [1, 2, 3, 4]),
    ],
)
def test_limit_returns_the_newest_entries_oldest_first(limit, expected) -> None:
    """`limit` keeps the newest N (none for 0, all when N is larger), still in order."""
    assert seqs(filled(size=10, calls=4), limit=limit) == expected


def test_filters_combine_and_limit_applies_to_the_matches() -> None:
    """operation, status, method and since all apply; limit then takes the newest matches."""
    journal = Journal(20)
    record(journal)  # 1
    record(journal, status=401, code="unauthenticated")  # 2
    record(journal, operation="getSequence")  # 3
    record(journal, method="POST", operation="stopSequence", status=409)  # 4
    record(journal)  # 5
    record(journal)  # 6
    record(journal, operation=None, status=404)  # 7

    assert seqs(journal, operation="listSequences") == [1, 2, 5, 6]
    assert seqs(journal, status=200) == [1, 3, 5, 6]
    assert seqs(journal, method="POST") == [4]
    assert seqs(journal, operation="listSequences", status=200, since=1) == [5, 6]
    assert seqs(journal, operation="listSequences", status=200, limit=2) == [5, 6]
    assert seqs(journal, status=200, since=2, limit=1) == [6]
    assert seqs(journal, operation="listSequences", status=404) == []


def test_clear_forgets_entries_and_tallies_and_restarts_numbering() -> None:
    """After clear the journal is empty, counts nothing and numbers from 1 again."""
    journal = filled(size=2, calls=4)

    journal.clear()

    assert list(journal) == []
    assert (journal.recorded, journal.dropped, len(journal)) == (0, 0, 0)
    assert journal.tally("listSequences") == (0, {})
    record(journal)
    assert seqs(journal) == [1]


@pytest.mark.parametrize(
    ("api_key", "suffix"),
    [
        (None, None),
        ("sk_test_acme_read_write", "rite"),
        ("abcdefghijkl", "ijkl"),
        ("abcdefghijk", ""),
        ("abc", ""),
    ],
)
def test_api_keys_are_kept_only_by_their_last_four_characters(api_key, suffix) -> None:
    """A key of 12+ characters keeps its last 4; a shorter one keeps nothing; no key is None."""
    journal = Journal(1)
    record(journal, api_key=api_key)

    (entry,) = journal.entries()

    assert entry.api_key_suffix == suffix
    if api_key is not None:
        assert api_key not in repr(entry)


@pytest.mark.parametrize("extra", [0, 1, 5000])
def test_bodies_are_kept_up_to_the_limit_with_their_full_size(extra) -> None:
    """A body over the limit is cut to the limit; its full size is kept alongside."""
    body = b"x" * (BODY_LIMIT + extra)
    journal = Journal(1)
    record(journal, body=body)

    (entry,) = journal.entries()

    assert entry.body == body[:BODY_LIMIT]
    assert entry.body_size == len(body)


@pytest.mark.parametrize("size", [0, -1])
def test_a_journal_holds_at_least_one_entry(size) -> None:
    """A size below 1 is refused."""
    with pytest.raises(ValueError, match="at least one"):
        Journal(size)


@pytest.mark.parametrize("extra", [0, 1, 60_000])
def test_paths_and_queries_are_kept_up_to_their_limits_with_their_full_size(extra) -> None:
    """Cut like bodies: the first 2 KiB kept, the full size said (0: kept whole)."""
    sequence_id = "x" * (PATH_LIMIT - len("/v1/sequences/") + extra)
    path = f"/v1/sequences/{sequence_id}"
    query = b"status=" + b"A" * (QUERY_LIMIT - 7 + extra)
    journal = Journal(1)
    record(journal, path=path, query_string=query, path_params={"sequence_id": sequence_id})

    (entry,) = journal.entries()

    assert (entry.path, entry.query_string) == (path[:PATH_LIMIT], query[:QUERY_LIMIT])
    assert entry.path_params["sequence_id"] == sequence_id[:PATH_LIMIT]
    assert entry.path_size == (len(path) if extra else 0)
    assert entry.query_size == (len(query) if extra else 0)


def test_a_flood_of_huge_queries_keeps_the_journal_small() -> None:
    """The reproduction, scaled down: each call's 60 KB query was kept whole (12,000 calls
    took 600 MB). Now a journal of 1,000 entries holds a cut copy of each."""
    journal = Journal(1000)
    query = b"q=" + b"9" * 60_000
    tracemalloc.start()
    try:
        for _ in range(1500):
            record(journal, query_string=query)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert len(journal) == 1000
    assert held < 5 * 1024 * 1024
    assert journal.cost <= 1000 * (ENTRY_OVERHEAD + QUERY_LIMIT + 2 * len("/v1/sequences"))


def test_the_oldest_entries_go_when_the_byte_budget_is_spent() -> None:
    """Entries with large bodies: the ring keeps what fits in its budget, newest last, and
    counts the rest as dropped; `since` still finds entries by number."""
    budget = 100 * 1024
    journal = Journal(1000, max_bytes=budget)
    for n in range(1, 51):
        record(journal, body=b"x" * BODY_LIMIT, status=200 + n)

    kept = journal.entries()
    assert journal.cost <= budget
    assert len(kept) == budget // (ENTRY_OVERHEAD + 2 * len("/v1/sequences") + BODY_LIMIT)
    assert [entry.seq for entry in kept] == list(range(51 - len(kept), 51))
    assert journal.dropped == 50 - len(kept)
    assert seqs(journal, since=48) == [49, 50]
    assert journal.tally("listSequences")[0] == 50


def test_an_entry_over_the_whole_budget_is_still_kept_alone() -> None:
    """The newest call is always there to look at."""
    journal = Journal(10, max_bytes=1024)
    record(journal)
    record(journal, body=b"x" * 4096)

    assert seqs(journal) == [2]


def test_clearing_frees_the_budget() -> None:
    journal = Journal(10)
    record(journal, body=b"x" * 100)
    journal.clear()

    assert journal.cost == 0
