"""The snapshot library on its own: names, limits, files written whole, and files refused."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sequences_mock import fixtures
from sequences_mock.core.errors import (
    ContentTooLarge,
    DuplicateId,
    LimitReached,
    NotFound,
    StorageFailed,
)
from sequences_mock.core.names import name_problem
from sequences_mock.formats import strict_json
from sequences_mock.state.snapshots import Snapshots, snapshot_file

WORLD = strict_json.dumps(
    fixtures.dump(fixtures.load(fixtures.read_document(fixtures.DEFAULT_FIXTURES)))
)
SAVED_AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize("name", ["a", "gw0", "worker_1-b", "0" * 64])
def test_names_of_the_rule(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["", "A", "-a", "_a", "a.b", "a/b", "..", "é", "0" * 65])
def test_names_outside_the_rule(name: str) -> None:
    assert name_problem(name) is not None


def test_in_memory_save_read_list_delete() -> None:
    snapshots = Snapshots(wall=lambda: SAVED_AT)

    info = snapshots.save("demo", WORLD)

    assert (info.name, info.size, info.saved_at) == ("demo", len(WORLD), SAVED_AT)
    assert snapshots.read("demo") == WORLD
    assert [i.name for i in snapshots.listing()] == ["demo"]
    snapshots.delete("demo")
    with pytest.raises(NotFound):
        snapshots.read("demo")
    with pytest.raises(NotFound):
        snapshots.delete("demo")


def test_a_name_taken_needs_replace() -> None:
    snapshots = Snapshots()
    snapshots.save("demo", b"{}")

    with pytest.raises(DuplicateId):
        snapshots.save("demo", WORLD)
    snapshots.save("demo", WORLD, replace=True)

    assert snapshots.read("demo") == WORLD


def test_the_count_and_the_bytes_are_bounded() -> None:
    snapshots = Snapshots(max_count=2, max_bytes=10)
    snapshots.save("a", b"12345")
    snapshots.save("b", b"1234")

    with pytest.raises(LimitReached):
        snapshots.save("c", b"1")
    with pytest.raises(ContentTooLarge):
        snapshots.save("b", b"123456", replace=True)
    snapshots.save("b", b"12345", replace=True)  # replacing frees what it replaces

    assert [(i.name, i.size) for i in snapshots.listing()] == [("a", 5), ("b", 5)]


def test_files_survive_a_new_library_on_the_same_directory(tmp_path: Path) -> None:
    Snapshots(tmp_path).save("demo", WORLD)

    reopened = Snapshots(tmp_path)

    assert reopened.read("demo") == WORLD
    assert reopened.refused == {}
    assert [p.name for p in tmp_path.iterdir()] == ["demo.json"]  # no temporary file left


def test_a_truncated_or_edited_file_is_refused_by_name_with_its_problems(tmp_path: Path) -> None:
    snapshot_file(tmp_path, "truncated").write_bytes(WORLD[: len(WORLD) // 2])
    edited = WORLD.replace(b'"template_id":"', b'"template_id":"x', 1)
    snapshot_file(tmp_path, "edited").write_bytes(edited)
    snapshot_file(tmp_path, "good").write_bytes(WORLD)
    snapshot_file(tmp_path, "Bad Name").write_bytes(WORLD)

    snapshots = Snapshots(tmp_path)

    assert [info.name for info in snapshots.listing()] == ["good"]
    assert sorted(snapshots.refused) == ["Bad Name", "edited", "truncated"]
    assert "is not valid JSON" in snapshots.refused["truncated"].problems[0]
    assert any(
        problem.startswith("sequences[") and "template_id" in problem
        for problem in snapshots.refused["edited"].problems
    )
    with pytest.raises(NotFound, match="refused at start"):
        snapshots.read("edited")


def test_a_refused_file_can_be_deleted_or_saved_over(tmp_path: Path) -> None:
    snapshot_file(tmp_path, "a").write_bytes(b"{")
    snapshot_file(tmp_path, "b").write_bytes(b"{")
    snapshots = Snapshots(tmp_path)

    snapshots.delete("a")
    snapshots.save("b", WORLD)

    assert not snapshot_file(tmp_path, "a").exists()
    assert snapshots.refused == {}
    assert Snapshots(tmp_path).read("b") == WORLD


def test_a_failed_write_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails (a full disk) before the rename leaves the old file and no other."""
    snapshots = Snapshots(tmp_path)
    snapshots.save("demo", WORLD)

    def disk_full(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(StorageFailed, match="cannot write snapshot 'demo': No space left"):
        snapshots.save("demo", b"{}", replace=True)

    assert snapshots.read("demo") == WORLD
    assert [i.size for i in snapshots.listing()] == [len(WORLD)]
    assert [p.name for p in tmp_path.iterdir()] == ["demo.json"]
