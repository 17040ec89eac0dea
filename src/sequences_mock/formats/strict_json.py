"""Strict JSON in and compact UTF-8 JSON out, for every layer that reads or writes it."""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["MAX_DEPTH", "dumps", "loads"]

#: Deeper documents are refused: no valid request or fixture nests beyond a handful of levels,
#: and the Rust validator stops at a few hundred.
MAX_DEPTH = 64
_CONTAINERS = (dict, list)
_COUNTED_SIZE = 64 * 1024


def loads(data: bytes | str) -> Any:
    """Parse RFC 8259 JSON, raising `ValueError` for anything a JSON peer could not send back.

    That is: bytes that are not UTF-8 (UTF-16, a BOM), NaN and Infinity, numbers too large for a
    float, lone surrogates from `\\ud800`-style escapes, and nesting deeper than `MAX_DEPTH`.
    """
    # orjson refuses invalid UTF-8, a BOM, NaN/Infinity, overflowing numbers and lone surrogates
    # itself; its own nesting limit (1,024) is far above ours.
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        # orjson says "surrogates not allowed" for any byte that is not UTF-8 (Latin-1, UTF-16).
        raise ValueError(_not_utf8(data) or str(error)) from None
    # Nesting needs an opening bracket per level: a request body with few cannot be too deep.
    # Large documents (seeds) have many anyway, so they are walked without counting first.
    if len(data) > _COUNTED_SIZE or _brackets(data) > MAX_DEPTH:
        _check_depth(document)
    return document


def _not_utf8(data: bytes | str) -> str | None:
    """Where `data` stops being UTF-8 (text: where it holds a lone surrogate), if it does."""
    try:
        if isinstance(data, str):
            data.encode("utf-8")
        else:
            data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        return f"it is not UTF-8 (byte 0x{byte:02x} at offset {error.start})"
    except UnicodeEncodeError as error:
        return f"it is not UTF-8 (a lone surrogate at character {error.start})"
    return None


def _brackets(data: bytes | str) -> int:
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON (what `json.dumps(..., ensure_ascii=False, separators=(",", ":"))`
    writes, several times faster)."""
    return orjson.dumps(document)


def _check_depth(document: Any) -> None:
    """Refuse nesting deeper than `MAX_DEPTH`, one level of containers at a time."""
    level = [document] if type(document) in _CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise ValueError(f"the document nests deeper than {MAX_DEPTH} levels")
        level = [
            child
            for value in level
            for child in (value.values() if type(value) is dict else value)
            if type(child) in _CONTAINERS
        ]
