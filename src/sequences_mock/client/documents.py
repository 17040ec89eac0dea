"""Fixture documents built in Python, written as the JSON the control plane takes.

Beyond JSON's own types a document may hold what tests naturally build one from: `datetime`
(timezone-aware: the mock's timestamps are UTC instants, written with `Z`), `date` (midnight
UTC), `UUID`, enums (their value), tuples and sets (sorted). Anything else is refused by path,
before a request is made.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from sequences_mock.core.timestamps import format_timestamp

__all__ = ["fixture_json"]

ACCEPTED = (
    "str, int, float, bool, None, lists, tuples, sets, mappings with string keys, "
    "datetime (aware, UTC), date, UUID or an enum"
)


def fixture_json(document: Mapping[str, Any]) -> bytes:
    """`document` as UTF-8 JSON; `TypeError` or `ValueError` naming the path of a bad value."""
    return json.dumps(_plain(document, ""), ensure_ascii=False, allow_nan=False).encode()


def _plain(value: Any, path: str) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{_at(path)}: {value} is not a JSON number")
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"{_at(path)}: {value.isoformat()} is a naive datetime; the mock's timestamps "
                "are UTC instants: give it a timezone (tzinfo=UTC)"
            )
        return format_timestamp(value)
    if isinstance(value, date):
        return format_timestamp(datetime(value.year, value.month, value.day, tzinfo=UTC))
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return _plain(value.value, path)
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{_at(path)}: the key {key!r} is not a string")
            plain[key] = _plain(item, f"{path}.{key}" if path else key)
        return plain
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, set | frozenset):
        return sorted(_plain(item, f"{path}[]") for item in value)
    raise TypeError(f"{_at(path)}: a {type(value).__name__} is not fixture data; use {ACCEPTED}")


def _at(path: str) -> str:
    return path or "the document"
