"""The import paths users rely on keep working, and the package names its public API."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module
from importlib.metadata import entry_points

import pytest

import sequences_mock

PUBLIC_PATHS = [
    ("sequences_mock.app", "create_app"),
    ("sequences_mock.settings", "Settings"),
    ("sequences_mock.server", "MockServer"),
    ("sequences_mock.testing", "MockHandle"),
    ("sequences_mock.testing", "ControlError"),
    ("sequences_mock.testing", "ApiKeys"),
    ("sequences_mock.testing", "MockClock"),
    ("sequences_mock.testing", "SyncASGITransport"),
    ("sequences_mock.pytest_plugin", "InProcessMock"),
    ("sequences_mock.cli", "main"),
]


@pytest.mark.parametrize(("module", "name"), PUBLIC_PATHS)
def test_a_documented_import_path_works(module: str, name: str) -> None:
    assert callable(getattr(import_module(module), name))


@pytest.mark.parametrize("name", sorted(set(sequences_mock.__all__) - {"__version__"}))
def test_every_public_name_is_the_object_its_home_module_holds(name: str) -> None:
    exported = getattr(sequences_mock, name)
    home = import_module(exported.__module__)
    assert getattr(home, name) is exported


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = sequences_mock.nothing_here  # type: ignore[attr-defined]


def test_the_pytest_plugin_is_registered_under_its_entry_point() -> None:
    (plugin,) = [ep for ep in entry_points(group="pytest11") if ep.name == "sequences_mock"]
    assert plugin.value == "sequences_mock.pytest_plugin"
    assert plugin.load().__name__ == "sequences_mock.pytest_plugin"


def test_the_command_and_the_module_run() -> None:
    (script,) = [ep for ep in entry_points(group="console_scripts") if ep.name == "sequences-mock"]
    assert script.value == "sequences_mock.cli:main"
    result = subprocess.run(
        [sys.executable, "-m", "sequences_mock", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"sequences-mock {sequences_mock.__version__}"
