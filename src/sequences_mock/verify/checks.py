"""Each answer against openapi.yaml (status, content type, headers, body), through the contract
the mock itself is checked with; and the list invariants a page must keep."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sequences_mock.contract.openapi import Contract
from sequences_mock.contract.validation import check_response, media_type_of
from sequences_mock.core.errors import ContractViolation

__all__ = ["contract_problems", "filter_problems", "instant", "order_problems", "page_problems"]

_ITEM_INDEX = re.compile(r"/items/[0-9]+")


def contract_problems(
    contract: Contract, operation_id: str, status: int, headers: Mapping[str, str], body: Any
) -> list[str]:
    """Every way one answer breaks `operation_id`'s declared responses; item indexes read
    `/items/*`, so the same break on every item of every page is one problem."""
    operation = contract.operation(operation_id)
    spec = operation.responses.get(status)
    if spec is None:
        declared = ", ".join(map(str, sorted(operation.responses)))
        return [f"{operation_id} answered {status}, which it does not declare ({declared})"]
    problems = []
    media_type = media_type_of(headers.get("content-type"))
    if spec.media_type is not None and media_type != spec.media_type:
        problems.append(
            f"{operation_id} {status} is {media_type or 'sent without a Content-Type'}, "
            f"not {spec.media_type}"
        )
    missing = [name for name in spec.required_headers if name not in headers]
    problems += [f"{operation_id} {status} lacks the {name} header" for name in missing]
    if spec.validator is None:
        return problems
    if body is None:
        return [*problems, f"{operation_id} {status} has no JSON body"]
    # The headers were named above; the contract's check then looks at the body alone.
    present = {**headers, **dict.fromkeys(missing, "")}
    try:
        check_response(operation, status, body, present)
    except ContractViolation as violation:
        problems.append(_ITEM_INDEX.sub("/items/*", violation.detail))
    return problems


def page_problems(page: Mapping[str, Any], page_number: int, size: int) -> list[str]:
    """How `total`, `total_pages`, `has_more` and the item count disagree on one page."""
    items, total = page.get("items"), page.get("total")
    pages, has_more = page.get("total_pages"), page.get("has_more")
    if not isinstance(items, list) or not isinstance(total, int) or not isinstance(pages, int):
        return []  # a schema problem, reported as such
    problems = []
    if pages != math.ceil(total / size):
        problems.append(f"total_pages is {pages} for total {total} at size {size}")
    if has_more is not (page_number < pages):
        problems.append(f"has_more is {has_more} on page {page_number} of {pages}")
    expected = max(0, min(size, total - (page_number - 1) * size))
    if len(items) != expected:
        problems.append(
            f"page {page_number} holds {len(items)} items; total {total} means {expected}"
        )
    return problems


def filter_problems(items: Sequence[Any], filters: Mapping[str, str]) -> list[str]:
    """Items that do not match the filters they were listed with (`created_*` are strict)."""
    problems = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for name, wanted in filters.items():
            if not _matches(item, name, wanted):
                problems.append(f"run {item.get('id')} does not match {name}={wanted}")
    return problems


def _matches(item: Mapping[str, Any], name: str, wanted: str) -> bool:
    if name in ("status", "template_id"):
        return item.get(name) == wanted
    created = item.get("created_at")
    if not isinstance(created, str):
        return True
    # RFC 3339 UTC timestamps in one shape compare as text; a fraction sorts after none.
    if name == "created_after":
        return instant(created) > instant(wanted)
    if name == "created_before":
        return instant(created) < instant(wanted)
    return True


def instant(timestamp: str) -> tuple[str, str]:
    """An RFC 3339 UTC timestamp as a key that sorts by time (whole seconds, then fraction)."""
    whole, _, fraction = timestamp.rstrip("Z").partition(".")
    return whole, fraction.ljust(6, "0")


def order_problems(items: Sequence[Any], sort_by: str, order: str) -> list[str]:
    """Where consecutive items break the sort order (ties may come in any order here)."""
    keys = [
        _sort_key(item, sort_by) for item in items if isinstance(item, dict) and sort_by in item
    ]
    for index, (before, after) in enumerate(itertools.pairwise(keys)):
        if (before > after) if order == "asc" else (before < after):
            return [f"items {index} and {index + 1} are out of {sort_by} {order} order"]
    return []


def _sort_key(item: Mapping[str, Any], sort_by: str) -> Any:
    value = item[sort_by]
    return instant(value) if sort_by != "status" and isinstance(value, str) else str(value)
