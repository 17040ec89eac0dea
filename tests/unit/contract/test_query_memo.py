"""A query string is read once per operation; what it reads as never depends on the memo."""

from __future__ import annotations

from sequences_mock.contract.openapi import Contract
from sequences_mock.contract.query_memo import MEMO_QUERY_BYTES, MEMO_SIZE, QueryMemo

CONTRACT = Contract.load()
LIST = CONTRACT.operation("listSequences")
GET = CONTRACT.operation("getSequence")


def test_a_query_string_reads_as_its_pairs_and_undeclared_names() -> None:
    read = QueryMemo().read(LIST, b"status=ACTIVE&colour=blue&colour=red&size=")

    assert read.items == [("status", "ACTIVE"), ("colour", "blue"), ("colour", "red"), ("size", "")]
    assert read.unknown == ("colour",)


def test_the_same_string_is_read_once_per_operation() -> None:
    memo = QueryMemo()

    first = memo.read(LIST, b"status=ACTIVE")

    assert memo.read(LIST, b"status=ACTIVE") is first
    assert memo.read(GET, b"status=ACTIVE") is not first
    assert memo.read(GET, b"status=ACTIVE").unknown == ("status",)


def test_a_long_query_string_is_read_each_time() -> None:
    memo = QueryMemo()
    long = b"status=" + b"A" * MEMO_QUERY_BYTES

    assert memo.read(LIST, long) is not memo.read(LIST, long)
    assert memo.read(LIST, long).items == [("status", "A" * MEMO_QUERY_BYTES)]


def test_the_memo_keeps_at_most_its_size() -> None:
    memo = QueryMemo()
    first = memo.read(LIST, b"page=1")
    for number in range(2, MEMO_SIZE + 1):
        memo.read(LIST, b"page=%d" % number)
    assert memo.read(LIST, b"page=1") is first  # MEMO_SIZE kept

    memo.read(LIST, b"page=0")  # one more: all are forgotten

    assert memo.read(LIST, b"page=1") is not first
