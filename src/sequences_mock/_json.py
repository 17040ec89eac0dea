"""Strict JSON in and compact UTF-8 JSON out, for every layer that reads or writes it."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["dumps", "loads"]


def loads(data: bytes | str) -> Any:
    """Parse RFC 8259 JSON; NaN, Infinity and numbers too large for a float raise `ValueError`."""
    return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)


def dumps(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large")
    return value
