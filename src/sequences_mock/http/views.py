"""The public JSON shapes: exactly the fields the API documents, nothing mock-only.

A `Renderer` keeps each sequence's JSON (document and bytes) while that version of the sequence
lives, so a page is joined from ready bytes instead of being formatted and encoded again. The
documents stay beside the bytes because every response is still validated.

The invariant both caches here rely on: **a document the renderer has handed out is never
mutated** (a changed sequence is a new object, rendered anew). That is what lets `CheckedItems`
remember, by identity, the rendered items already found valid, so a page checks each one once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sequences_mock.core.domain import Sequence
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.formats import strict_json
from sequences_mock.state.queries import Page
from sequences_mock.state.records import sequence_record

__all__ = ["Body", "CheckedItems", "Renderer", "sequence_view"]

sequence_view = sequence_record

#: Kept renderings before the cache starts over: a bound on memory, not a tuning knob.
CACHE_LIMIT = 50_000
#: Remembered checked items before the memo starts over.
CHECKED_LIMIT = 50_000
#: Kept timestamp texts: enough for the moments that recur (a frozen clock, fixture times).
TIMESTAMP_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Body:
    """A JSON response body as data (for validation) and as the bytes that go out."""

    document: Any
    data: bytes

    @classmethod
    def of(cls, document: Any) -> Body:
        return cls(document, strict_json.dumps(document))


class Renderer:
    """Renders sequences and pages, reusing the rendering of a sequence until it changes."""

    def __init__(self, view: Callable[[Sequence], dict[str, Any]] | None = None) -> None:
        self._view = view or partial(sequence_view, timestamp=self._timestamp)
        self._cache: dict[str, tuple[Sequence, Body]] = {}
        self._timestamps: dict[datetime, str] = {}

    def sequence(self, sequence: Sequence) -> Body:
        cached = self._cache.get(sequence.id)
        # Sequences are immutable and replaced on every change: the same object, the same JSON.
        if cached is not None and cached[0] is sequence:
            return cached[1]
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        body = Body.of(self._view(sequence))
        self._cache[sequence.id] = (sequence, body)
        return body

    def page(self, page: Page) -> Body:
        items = [self.sequence(sequence) for sequence in page.items]
        has_more = b"true" if page.has_more else b"false"
        data = b"".join(
            (
                b'{"items":[',
                b",".join(item.data for item in items),
                b'],"total":%d,"total_pages":%d,"has_more":%s}'
                % (page.total, page.total_pages, has_more),
            )
        )
        document = {
            "items": [item.document for item in items],
            "total": page.total,
            "total_pages": page.total_pages,
            "has_more": page.has_more,
        }
        return Body(document, data)

    def clear(self) -> None:
        """Forget every rendering (after a seed, whose sequences are all new objects)."""
        self._cache.clear()
        self._timestamps.clear()

    def _timestamp(self, moment: datetime) -> str:
        """`format_timestamp`, remembered: a write formats three, and most recur."""
        text = self._timestamps.get(moment)
        if text is None:
            if len(self._timestamps) >= TIMESTAMP_LIMIT:
                self._timestamps.clear()
            text = self._timestamps[moment] = format_timestamp(moment)
        return text

    def __len__(self) -> int:
        return len(self._cache)


class CheckedItems:
    """Rendered page items already found valid, by identity (see the module's invariant).

    Only the renderer's documents belong here, never one a caller may still change; each is kept
    alive with its entry, so an id is never reused while remembered.
    """

    def __init__(self) -> None:
        self._checked: dict[int, Any] = {}

    def __contains__(self, item: object) -> bool:
        return self._checked.get(id(item)) is item

    def add(self, item: Any) -> None:
        if len(self._checked) >= CHECKED_LIMIT:
            self._checked.clear()
        self._checked[id(item)] = item

    def clear(self) -> None:
        self._checked.clear()

    def __len__(self) -> int:
        return len(self._checked)
