"""List queries: what a list request asks, the page it gets, and how a sorted index answers it."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from math import ceil
from typing import NamedTuple

from sequences_mock.core.domain import Sequence, Status
from sequences_mock.state.indexes import SortedIndex, created_bounds, order_key
from sequences_mock.state.list_indexes import Order

__all__ = ["ListQuery", "Page", "index_order", "list_query", "page_of"]

_BY_CREATION: Order = ("created_at", False)


class ListQuery(NamedTuple):
    """What a list request asks. A named tuple, one per list call: as immutable as a frozen
    dataclass, and several times cheaper to make with `list_query` (`tuple.__new__`)."""

    status: Status | None = None
    template_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort_by: str = "created_at"
    order: str = "asc"
    page: int = 1
    size: int = 10


class Page(NamedTuple):
    """One page of a list query (a named tuple made with `tuple.__new__`, as `ListQuery`)."""

    items: list[Sequence]
    total: int
    page: int
    size: int

    @property
    def total_pages(self) -> int:
        return ceil(self.total / self.size)

    @property
    def has_more(self) -> bool:
        return self.page < self.total_pages


def index_order(query: ListQuery) -> Order:
    """The order of the index that answers `query` (see `page_of`)."""
    ranged = query.created_after is not None or query.created_before is not None
    if ranged and query.sort_by != "created_at":
        return _BY_CREATION
    return query.sort_by, query.order == "desc"


def page_of(index: SortedIndex, query: ListQuery) -> Page:
    """One page of `query` from its filter's index in `index_order(query)`.

    The page is a slice of the index, so its cost follows the page size. A `created_at` range
    with another sort order is the exception: the range is found in the `created_at` index, then
    sorted, so its cost follows the number of matches.
    """
    descending = query.order == "desc"
    after, before = query.created_after, query.created_before
    ranged = after is not None or before is not None
    offset = (query.page - 1) * query.size
    if ranged and query.sort_by != "created_at":
        first, last = index.span(*created_bounds(False, after, before))
        matching = index.slice(first, last)
        matching.sort(key=order_key(query.sort_by, descending))
        items, total = matching[offset : offset + query.size], len(matching)
    else:
        bounds = created_bounds(descending, after, before) if ranged else (None, None)
        first, last = index.span(*bounds)
        start = first + offset
        items, total = index.slice(start, min(last, start + query.size)), last - first
    return _page((items, total, query.page, query.size))


#: `ListQuery` from all its fields in order, without the named tuple's Python-level `__new__`.
list_query = partial(tuple.__new__, ListQuery)
_page = partial(tuple.__new__, Page)
