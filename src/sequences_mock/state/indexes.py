"""Sorted indexes of sequences: a page of a list query is a slice, never a sort of the store."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from operator import attrgetter

from sequences_mock.core.domain import Sequence, Status

__all__ = ["SORT_FIELDS", "OrderKey", "SortedIndex", "created_bounds", "order_key"]

OrderKey = tuple[int, str]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: Above every sequence id (ids are lower-case UUIDs), for bounds that include a whole tie group.
_ABOVE_IDS = "\U0010ffff"
_STATUS_RANK = {status: rank for rank, status in enumerate(sorted(Status, key=str))}


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


SORT_FIELDS: dict[str, Callable[[Sequence], int]] = {
    "created_at": lambda sequence: _microseconds(sequence.created_at),
    "updated_at": lambda sequence: _microseconds(sequence.updated_at),
    "status": lambda sequence: _STATUS_RANK[sequence.status],
}


def order_key(sort_by: str, descending: bool) -> Callable[[Sequence], OrderKey]:
    """The key that orders sequences by `sort_by`, ties by id ascending in both directions.

    Descending order negates the (integer) sort value, so both directions ascend by key.
    """
    if sort_by not in SORT_FIELDS:
        raise KeyError(sort_by)
    # One Python call per key, the value's arithmetic written out: every write computes a key
    # for each kept index it moves in, twice (the old version and the new).
    if sort_by == "status":
        rank = _STATUS_RANK
        if descending:
            return lambda sequence: (-rank[sequence.status], sequence.id)
        return lambda sequence: (rank[sequence.status], sequence.id)
    moment = attrgetter(sort_by)
    if descending:  # exact: a moment is a whole number of microseconds after the epoch
        return lambda sequence: ((_EPOCH - moment(sequence)) // _MICROSECOND, sequence.id)
    return lambda sequence: ((moment(sequence) - _EPOCH) // _MICROSECOND, sequence.id)


def created_bounds(
    descending: bool, created_after: datetime | None, created_before: datetime | None
) -> tuple[OrderKey | None, OrderKey | None]:
    """Keys bounding `created_after < created_at < created_before` in a `created_at` index."""
    after = _microseconds(created_after) if created_after is not None else None
    before = _microseconds(created_before) if created_before is not None else None
    if descending:
        low = (-before, _ABOVE_IDS) if before is not None else None
        high = (-after, "") if after is not None else None
    else:
        low = (after, _ABOVE_IDS) if after is not None else None
        high = (before, "") if before is not None else None
    return low, high


class SortedIndex:
    """Sequences in key order: insert and remove by bisection, page by slicing."""

    __slots__ = ("_items", "_key", "_keys")

    def __init__(self, key: Callable[[Sequence], OrderKey], sequences: Iterable[Sequence]) -> None:
        self._key = key
        pairs = sorted(((key(sequence), sequence) for sequence in sequences), key=_first)
        self._keys: list[OrderKey] = [pair[0] for pair in pairs]
        self._items: list[Sequence] = [pair[1] for pair in pairs]

    def add(self, sequence: Sequence) -> None:
        self._insert(self._key(sequence), sequence)

    def discard(self, sequence: Sequence) -> None:
        self._remove(self._key(sequence))

    def replace(self, old: Sequence, new: Sequence) -> None:
        """Swap `old` for `new`, in place when their keys are equal."""
        old_key, new_key = self._key(old), self._key(new)
        if old_key == new_key:
            index = self._position(old_key)
            if index is not None:
                self._items[index] = new
                return
        self._remove(old_key)
        self._insert(new_key, new)

    def _position(self, key: OrderKey) -> int | None:
        index = bisect_left(self._keys, key)
        return index if index < len(self._keys) and self._keys[index] == key else None

    def _insert(self, key: OrderKey, sequence: Sequence) -> None:
        index = bisect_left(self._keys, key)
        self._keys.insert(index, key)
        self._items.insert(index, sequence)

    def _remove(self, key: OrderKey) -> None:
        index = self._position(key)
        if index is not None:
            del self._keys[index]
            del self._items[index]

    def span(self, low: OrderKey | None = None, high: OrderKey | None = None) -> tuple[int, int]:
        """Positions of the keys in `[low, high)` (open ends when None)."""
        start = 0 if low is None else bisect_right(self._keys, low)
        stop = len(self._keys) if high is None else bisect_left(self._keys, high)
        return start, max(start, stop)

    def slice(self, start: int, stop: int) -> list[Sequence]:
        return self._items[start:stop]

    def __len__(self) -> int:
        return len(self._items)


def _first(pair: tuple[OrderKey, Sequence]) -> OrderKey:
    return pair[0]
