"""Named snapshots: whole worlds saved as fixture documents (the JSON `/__mock/state` answers),
kept in memory, or one file each in a directory, where they outlive the server.

Files are written whole or not at all (a temporary file, fsync, rename), and every file found
at start is checked as a fixture: one that is not (truncated, hand-edited) is refused by name,
with its problems, and the others are served.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sequences_mock import fixtures
from sequences_mock.core.errors import (
    ContentTooLarge,
    DuplicateId,
    LimitReached,
    MockError,
    NotFound,
    StorageFailed,
)
from sequences_mock.core.names import name_problem
from sequences_mock.fixtures.documents import MAX_DOCUMENT_BYTES

__all__ = [
    "DEFAULT_MAX_SNAPSHOTS",
    "RefusedSnapshot",
    "SnapshotInfo",
    "Snapshots",
    "snapshot_file",
]

DEFAULT_MAX_SNAPSHOTS = 100
_SUFFIX = ".json"


def snapshot_file(directory: Path, name: str) -> Path:
    """Where the snapshot `name` lives in `directory`."""
    return directory / f"{name}{_SUFFIX}"


def _wall() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """A saved snapshot: its name, its size in bytes, and when it was saved (wall clock)."""

    name: str
    size: int
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class RefusedSnapshot:
    """A file in the state directory that is not a snapshot the mock can restore, and why."""

    name: str
    problems: tuple[str, ...]


class Snapshots:
    """The snapshots of one server, by name; at most `max_count` of them, `max_bytes` together.

    Safe to call from several threads (saves and restores run off the event loop).
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        max_count: int = DEFAULT_MAX_SNAPSHOTS,
        max_bytes: int = MAX_DOCUMENT_BYTES,
        wall: Callable[[], datetime] = _wall,
    ) -> None:
        self.directory = directory
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._wall = wall
        self._lock = threading.Lock()
        self._info: dict[str, SnapshotInfo] = {}
        #: The documents, when kept in memory (no directory).
        self._documents: dict[str, bytes] = {}
        self.refused: dict[str, RefusedSnapshot] = {}
        if directory is not None:
            self._scan(directory)

    def listing(self) -> list[SnapshotInfo]:
        with self._lock:
            return sorted(self._info.values(), key=lambda info: info.name)

    def save(self, name: str, data: bytes, *, replace: bool = False) -> SnapshotInfo:
        """Keep `data` (a fixture document) as `name`; a name taken needs `replace`.

        Raises `DuplicateId`, `LimitReached` (count), `ContentTooLarge` (bytes together),
        `StorageFailed` when the file cannot be written (nothing changes then).
        """
        with self._lock:
            old = self._info.get(name)
            if old is not None and not replace:
                raise DuplicateId(
                    f"a snapshot {name!r} exists: delete it first, or save with replace: true"
                )
            if old is None and len(self._info) >= self.max_count:
                raise LimitReached(
                    f"this mock keeps at most {self.max_count} snapshots: delete one first"
                )
            held = sum(info.size for info in self._info.values()) - (old.size if old else 0)
            if held + len(data) > self.max_bytes:
                raise ContentTooLarge(
                    f"this snapshot ({len(data):,} bytes) would take the snapshots past "
                    f"{self.max_bytes:,} bytes together: delete some first"
                )
            if self.directory is None:
                self._documents[name] = data
                saved_at = self._wall()
            else:
                path = snapshot_file(self.directory, name)
                _write_atomically(path, data)
                saved_at = _modified(path)
                self.refused.pop(name, None)
            info = self._info[name] = SnapshotInfo(name, len(data), saved_at)
            return info

    def read(self, name: str) -> bytes:
        """The document saved as `name`; raises `NotFound`, `StorageFailed`."""
        with self._lock:
            if name not in self._info:
                raise NotFound(self._missing(name))
            if self.directory is None:
                return self._documents[name]
            try:
                return snapshot_file(self.directory, name).read_bytes()
            except OSError as error:
                raise StorageFailed(
                    f"cannot read snapshot {name!r}: {error.strerror or error}"
                ) from None

    def delete(self, name: str) -> None:
        """Forget `name` (and delete its file, a refused one too); raises `NotFound`."""
        with self._lock:
            if name not in self._info and name not in self.refused:
                raise NotFound(self._missing(name))
            if self.directory is not None:
                try:
                    snapshot_file(self.directory, name).unlink(missing_ok=True)
                except OSError as error:
                    raise StorageFailed(
                        f"cannot delete snapshot {name!r}: {error.strerror or error}"
                    ) from None
            self._info.pop(name, None)
            self._documents.pop(name, None)
            self.refused.pop(name, None)

    def _missing(self, name: str) -> str:
        refused = self.refused.get(name)
        if refused is not None:
            return f"snapshot {name!r} was refused at start: {'; '.join(refused.problems)}"
        return f"no snapshot {name!r}: GET /__mock/snapshots lists them"

    def _scan(self, directory: Path) -> None:
        """Check every snapshot file of `directory` as a fixture; keep the good, refuse the rest."""
        for path in sorted(directory.glob(f"*{_SUFFIX}")):
            name = path.name[: -len(_SUFFIX)]
            if name.startswith("."):
                continue  # a save's temporary file, left by a crash: never a snapshot
            problem = name_problem(name)
            if problem is not None:
                self.refused[name] = RefusedSnapshot(name, (problem,))
                continue
            problems = _problems_of(path, self.max_bytes)
            size = path.stat().st_size if not problems else 0
            held = sum(info.size for info in self._info.values())
            if not problems and len(self._info) >= self.max_count:
                problems = (f"over the limit of {self.max_count} snapshots",)
            elif not problems and held + size > self.max_bytes:
                problems = (f"over the limit of {self.max_bytes:,} bytes of snapshots",)
            if problems:
                self.refused[name] = RefusedSnapshot(name, problems)
            else:
                self._info[name] = SnapshotInfo(name, size, _modified(path))


def _problems_of(path: Path, max_bytes: int) -> tuple[str, ...]:
    """What keeps the file at `path` from being restored: none for a valid fixture document."""
    try:
        fixtures.load(fixtures.read_document(path, max_bytes=max_bytes), strict_json=True)
    except MockError as error:
        return (error.detail, *(str(problem) for problem in error.problems))
    return ()


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _write_atomically(path: Path, data: bytes) -> None:
    """`data` in `path`, whole or not at all: written beside it, synced, renamed over it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with temporary.open("wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise StorageFailed(
            f"cannot write snapshot {path.stem!r}: {error.strerror or error}"
        ) from None
