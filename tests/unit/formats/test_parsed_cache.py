"""The parsed-file cache: a file's YAML is parsed once per machine, and never served stale."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sequences_mock.contract.openapi import CONTROL_OPENAPI, Contract
from sequences_mock.core.errors import InvalidFixtures
from sequences_mock.fixtures.documents import read_document
from sequences_mock.formats import parsed_cache, safe_yaml
from sequences_mock.formats.parsed_cache import CACHE_ENV, MAX_ENTRIES, cache_dir, parsed


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(directory))
    return directory


def counting(parse: Callable[[bytes], Any]) -> tuple[Callable[[bytes], Any], list[bytes]]:
    calls: list[bytes] = []

    def counted(data: bytes) -> Any:
        calls.append(data)
        return parse(data)

    return counted, calls


def test_a_file_is_parsed_once_then_read_back_equal(cache: Path) -> None:
    parse, calls = counting(safe_yaml.load)
    data = b"name: Amelie\nsteps: [1, 2.5, true, null]\nwhen: 2026-03-02T09:00:00Z\n"
    first = parsed(data, parse, kind="test")
    second = parsed(data, parse, kind="test")
    assert first == second == safe_yaml.load(data)
    assert len(calls) == 1
    assert len(list(cache.glob("*.json"))) == 1


def test_changed_bytes_or_another_parse_are_new_entries(cache: Path) -> None:
    parse, calls = counting(safe_yaml.load)
    parsed(b"a: 1\n", parse, kind="test")
    assert parsed(b"a: 2\n", parse, kind="test") == {"a": 2}
    assert parsed(b"a: 1\n", parse, kind="other") == {"a": 1}
    assert len(calls) == 3


def test_what_json_cannot_give_back_is_parsed_each_time(cache: Path) -> None:
    parse, calls = counting(safe_yaml.load)
    for _ in range(2):
        assert parsed(b"1: one\n", parse, kind="test") == {1: "one"}  # an integer key
        assert parsed(b"!!set {a, b}\n", parse, kind="test") == {"a", "b"}
    assert len(calls) == 4
    assert not list(cache.glob("*.json"))


def test_a_parse_that_fails_keeps_nothing(cache: Path) -> None:
    with pytest.raises(safe_yaml.YAMLError):
        parsed(b"a: [1, 2\n", safe_yaml.load, kind="test")
    assert not cache.exists() or not list(cache.iterdir())


def test_a_broken_entry_is_parsed_again_and_replaced(cache: Path) -> None:
    parse, calls = counting(safe_yaml.load)
    parsed(b"a: 1\n", parse, kind="test")
    (entry,) = cache.glob("*.json")
    entry.write_text('{"a": ')  # a process stopped mid-write cannot leave this, a disk can
    assert parsed(b"a: 1\n", parse, kind="test") == {"a": 1}
    assert json.loads(entry.read_text()) == {"a": 1}
    assert len(calls) == 2


@pytest.mark.parametrize("setting", ["off", "", " OFF "])
def test_the_cache_can_be_turned_off(
    setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, setting)
    assert cache_dir() is None
    parse, calls = counting(safe_yaml.load)
    parsed(b"a: 1\n", parse, kind="test")
    parsed(b"a: 1\n", parse, kind="test")
    assert len(calls) == 2


def test_the_default_place_follows_xdg_cache_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "sequences-mock" / "parsed"


def test_a_cache_that_cannot_be_written_is_passed_by(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    parse, calls = counting(safe_yaml.load)
    assert parsed(b"a: 1\n", parse, kind="test") == {"a": 1}
    assert parsed(b"a: 1\n", parse, kind="test") == {"a": 1}
    assert len(calls) == 2


def test_the_cache_keeps_at_most_its_entries(cache: Path) -> None:
    for n in range(MAX_ENTRIES + 5):
        parsed(f"n: {n}\n".encode(), safe_yaml.load, kind="test")
    assert len(list(cache.glob("*.json"))) == MAX_ENTRIES


def test_a_big_file_is_not_kept(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsed_cache, "MAX_SOURCE_BYTES", 10)
    parsed(b"name: longer than ten bytes\n", safe_yaml.load, kind="test")
    assert not cache.exists()


def test_a_contract_read_back_is_the_contract_parsed(cache: Path) -> None:
    first, second = Contract.load(CONTROL_OPENAPI), Contract.load(CONTROL_OPENAPI)
    assert second.document == first.document == safe_yaml.load(CONTROL_OPENAPI.read_bytes())
    assert [op.operation_id for op in second.operations] == [
        op.operation_id for op in first.operations
    ]


def test_a_fixture_file_with_a_repeated_key_is_refused_every_time(
    cache: Path, tmp_path: Path
) -> None:
    path = tmp_path / "world.yaml"
    path.write_text("workspaces: []\nworkspaces: []\n")
    for _ in range(2):
        with pytest.raises(InvalidFixtures):
            read_document(path)
    assert not cache.exists() or not list(cache.glob("*.json"))


def test_a_changed_parser_reads_no_entry_an_older_one_wrote(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit of the module that parses (or a new release of it) is a new entry."""
    module = tmp_path / "my_parser.py"
    module.write_text("import yaml\ndef parse(data):\n    return yaml.safe_load(data)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import my_parser  # type: ignore[import-not-found]

    parse, calls = counting(my_parser.parse)
    parse.__module__ = "my_parser"
    parsed(b"a: 1\n", parse, kind="test")
    parsed(b"a: 1\n", parse, kind="test")
    module.write_text(module.read_text() + "# changed\n")
    parsed(b"a: 1\n", parse, kind="test")
    assert len(calls) == 2
