"""Parsed YAML files kept on disk between processes, the way Python keeps compiled modules.

Every process that builds a mock parses the two contracts and its fixtures: some 50 ms of YAML
for the packaged ones (libyaml scans, Python builds the objects), paid again by every test
session. Read back as JSON, the same documents take about 1 ms. An entry is named by the
SHA-256 of the file's bytes and of the parser (PyYAML's version, the parsing modules' source),
so an edited file or parser is a new entry, never a stale one.

Only what JSON gives back unchanged is kept (a YAML set or binary value is parsed each time),
only files up to `MAX_SOURCE_BYTES`, and at most `MAX_ENTRIES` entries (the oldest go). The
cache is `$SEQUENCES_MOCK_CACHE_DIR`, else `$XDG_CACHE_HOME/sequences-mock/parsed`, else
`~/.cache/sequences-mock/parsed`; `SEQUENCES_MOCK_CACHE_DIR=off` (or empty) turns it off. A
cache that cannot be read or written is passed by: the file is parsed as without one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from sequences_mock.formats import safe_yaml

__all__ = ["CACHE_ENV", "MAX_ENTRIES", "MAX_SOURCE_BYTES", "cache_dir", "parsed"]

CACHE_ENV = "SEQUENCES_MOCK_CACHE_DIR"
#: Entries kept at most: the packaged documents, and room for a few fixture files of one's own.
MAX_ENTRIES = 32
#: Larger files are parsed each time: a cache of big fixture documents would be big itself.
MAX_SOURCE_BYTES = 1024 * 1024
#: A temporary file this old was left by a process stopped while writing it.
STALE_WRITE_SECONDS = 60.0


def cache_dir() -> Path | None:
    """Where parsed files are kept, or None when the cache is off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "sequences-mock" / "parsed"


def parsed(data: bytes, parse: Callable[[bytes], Any], *, kind: str) -> Any:
    """`parse(data)`, read from the cache when this `kind` of parse of these bytes is there.

    `kind` names the parse (two parsers of the same bytes are two entries). What `parse`
    raises is raised, and nothing is kept.
    """
    directory = cache_dir()
    if directory is None or len(data) > MAX_SOURCE_BYTES:
        return parse(data)
    digest = hashlib.sha256(_fingerprint(parse) + kind.encode() + b"\0" + data).hexdigest()
    entry = directory / f"{digest}.json"
    with contextlib.suppress(OSError, ValueError):
        return json.loads(entry.read_bytes())
    value = parse(data)
    _keep(directory, entry, value)
    return value


def _fingerprint(parse: Callable[[bytes], Any]) -> bytes:
    """What the parse depends on besides the bytes: PyYAML's version and the source of the
    module that defines `parse` and of `safe_yaml`, so that a changed parser (a new release,
    or an edit in a checkout) never reads what an older one wrote."""
    parts = [yaml.__version__.encode()]
    for module in dict.fromkeys((sys.modules.get(parse.__module__), safe_yaml)):  # in order
        try:
            parts.append(Path(getattr(module, "__file__", "") or "").read_bytes())
        except OSError:
            parts.append(repr(module).encode())
    return hashlib.sha256(b"\0".join(parts)).digest()


def _keep(directory: Path, entry: Path, value: Any) -> None:
    """Write `value` as `entry` when JSON gives it back unchanged; then trim the cache."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return  # a set, bytes or NaN: not what JSON holds
    if json.loads(text) != value:
        return  # a mapping with non-string keys, say
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        # Atomic: a process reading the entry sees all of it or none (workers start together).
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    _trim(directory)


def _trim(directory: Path) -> None:
    """Keep the newest `MAX_ENTRIES` entries; drop what a process stopped mid-write left."""
    now = time.time()
    with contextlib.suppress(OSError):
        for leftover in directory.glob("*.tmp"):
            if now - _modified(leftover) > STALE_WRITE_SECONDS:
                leftover.unlink()
        entries = sorted(directory.glob("*.json"), key=_modified)
        for stale in entries[:-MAX_ENTRIES]:
            stale.unlink()


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
