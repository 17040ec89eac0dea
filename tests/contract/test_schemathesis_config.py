"""The schemathesis config the package ships, and the command that prints or writes it."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
import schemathesis

from sequences_mock import cli

SHIPPED = (resources.files("sequences_mock") / "_data" / "schemathesis.toml").read_text()


def test_the_command_prints_the_shipped_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schemathesis-config"]) == 0

    assert capsys.readouterr().out == SHIPPED


def test_the_command_writes_it_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "schemathesis.toml"

    assert cli.main(["schemathesis-config", "--output", str(target)]) == 0

    assert target.read_text() == SHIPPED


def test_an_unwritable_output_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["schemathesis-config", "--output", str(tmp_path / "no" / "x.toml")]) == 1

    assert capsys.readouterr().err.startswith("sequences-mock: cannot write ")


def test_schemathesis_reads_it_and_checks_are_only_loosened_per_operation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEQUENCES_MOCK_API_KEY", "sk_test_acme_read_write")
    document = tomllib.loads(SHIPPED)
    schemathesis.Config.from_dict(document)

    assert "checks" not in document
    assert all(
        set(operation) == {"include-operation-id", "checks"} for operation in document["operations"]
    )
    assert document["headers"] == {"Authorization": "Bearer ${SEQUENCES_MOCK_API_KEY}"}
