"""Query strings read once: clients send the same list query again and again, and reading one
(parsing, checking against the operation's schema, defaults and domain values) is a good part
of a list call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from sequences_mock.contract.openapi import Operation
from sequences_mock.contract.validation import unknown_query_parameters

__all__ = ["MEMO_QUERY_BYTES", "MEMO_SIZE", "QueryMemo", "ReadQuery"]

#: Query strings remembered at most, and the longest one remembered: together they bound the
#: memo to about 2 MiB (longer query strings are read on every call).
MEMO_SIZE = 256
MEMO_QUERY_BYTES = 2048


@dataclass(slots=True)
class ReadQuery:
    """One query string of one operation, read."""

    #: Its name/value pairs, decoded as Starlette does.
    items: list[tuple[str, str]]
    #: The names the operation does not declare (see `unknown_query_parameters`).
    unknown: tuple[str, ...]
    #: The query as a valid call read it (defaults and domain values in), by whether undeclared
    #: parameters were refused; filled by the caller once a call found it valid.
    valid: dict[bool, dict[str, Any]] = field(default_factory=dict)


class QueryMemo:
    """Query strings read before, by operation; all are forgotten once `MEMO_SIZE` are kept.

    What a query string reads as depends on it and its operation alone, so a memo is never out
    of date; one app's (its endpoints') are its own."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, bytes], ReadQuery] = {}

    def read(self, operation: Operation, query_string: bytes) -> ReadQuery:
        key = (operation.operation_id, query_string)
        known = self._known.get(key)
        if known is not None:
            return known
        items = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        read = ReadQuery(items, unknown_query_parameters(operation, items))
        if len(query_string) <= MEMO_QUERY_BYTES:
            if len(self._known) >= MEMO_SIZE:
                self._known.clear()
            self._known[key] = read
        return read
