"""Strict JSON in and compact UTF-8 JSON out, for every layer that reads or writes it."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["MAX_DEPTH", "dumps", "loads"]

#: Deeper documents are refused: no valid request or fixture nests beyond a handful of levels,
#: and the Rust validator stops at a few hundred.
MAX_DEPTH = 64


def loads(data: bytes | str) -> Any:
    """Parse RFC 8259 JSON, raising `ValueError` for anything a JSON peer could not send back.

    That is: bytes that are not UTF-8 (UTF-16, a BOM), NaN and Infinity, numbers too large for a
    float, lone surrogates from `\\ud800`-style escapes, and nesting deeper than `MAX_DEPTH`.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    _check_tree(document, strings="\\u" in text)
    return document


def dumps(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _check_tree(document: Any, *, strings: bool) -> None:
    """Depth always; strings only when escapes could have smuggled in a lone surrogate."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ValueError(f"the document nests deeper than {MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if strings and isinstance(key, str):
                    _encodable(key)
                pending.append((item, depth + 1))
        elif strings and isinstance(value, str):
            _encodable(value)


def _encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{text!r} holds a lone surrogate, which is not Unicode text") from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large")
    return value
