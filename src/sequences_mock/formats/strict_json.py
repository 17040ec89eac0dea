"""Strict JSON in and compact UTF-8 JSON out, for every layer that reads or writes it."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import orjson

__all__ = ["MAX_DEPTH", "Path", "dumps", "loads", "loads_checked"]

#: Where a key sits in a document: the keys and indexes leading to it, then the key.
Path = tuple[str | int, ...]

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
    document = _parsed(data)
    # Nesting needs an opening bracket per level: a request body with few cannot be too deep.
    # Large documents (seeds) have many anyway, so they are walked without counting first.
    if len(data) > _COUNTED_SIZE or _brackets(data) > MAX_DEPTH:
        _check_depth(document)
    return document


def _parsed(data: bytes | str) -> Any:
    # orjson refuses invalid UTF-8, a BOM, NaN/Infinity, overflowing numbers and lone surrogates
    # itself; its own nesting limit (1,024) is far above ours.
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        # orjson says "surrogates not allowed" for any byte that is not UTF-8 (Latin-1, UTF-16).
        raise ValueError(_not_utf8(data) or str(error)) from None


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


def loads_checked(data: bytes | str) -> tuple[Any, list[Path]]:
    """`loads`, and the path of every key written twice in one object (orjson keeps the last
    value silently), for documents where that must be an error.

    Cheap when there are none: every key in the text ends with a `"`, optional whitespace and a
    `:`, and string contents can only add more such sequences, so when their count equals the
    number of keys parsed, no key was repeated. Otherwise a slow exact parse finds them.
    """
    document = _parsed(data)
    keys = _check_depth(document)
    text = data.encode() if isinstance(data, str) else data
    if text.count(b'":') + len(_SPACED_COLON.findall(text)) == keys:
        return document, []
    return document, _repeated_keys(text)


_SPACED_COLON = re.compile(rb'"[ \t\r\n]+:')


def _brackets(data: bytes | str) -> int:
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON (what `json.dumps(..., ensure_ascii=False, separators=(",", ":"))`
    writes, several times faster)."""
    return orjson.dumps(document)


def _check_depth(document: Any) -> int:
    """Refuse nesting deeper than `MAX_DEPTH`, one level of containers at a time; the number
    of keys in all objects."""
    level = [document] if type(document) in _CONTAINERS else []
    depth = keys = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise ValueError(f"the document nests deeper than {MAX_DEPTH} levels")
        keys += sum([len(value) for value in level if type(value) is dict])
        level = [
            child
            for value in level
            for child in (value.values() if type(value) is dict else value)
            if type(child) in _CONTAINERS
        ]
    return keys


class _Object(dict[str, Any]):
    """An object of the slow parse, with the keys it saw more than once."""

    repeated: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    counts = Counter(key for key, _ in pairs)
    found.repeated = [key for key, count in counts.items() if count > 1]
    return found


def _repeated_keys(text: bytes) -> list[Path]:
    """Every key repeated in its object, by path, in document order (the slow exact parse)."""
    found: list[Path] = []
    stack: list[tuple[Any, Path]] = [(json.loads(text, object_pairs_hook=_pairs), ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _Object):
            found += [(*path, key) for key in value.repeated]
            children: list[tuple[Any, Path]] = [(v, (*path, k)) for k, v in value.items()]
        elif isinstance(value, list):
            children = [(item, (*path, index)) for index, item in enumerate(value)]
        else:
            continue
        stack += reversed(children)
    return found
