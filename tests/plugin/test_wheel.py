"""The built wheel on its own: data files inside, and the plugin working in a fresh venv.

Slow (a wheel build, a venv and an install from the package index: about 5 s here), shared
with the contract test that runs the README's recipe from the same install (`installed_wheel`).
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from installed_wheel import ROOT, Installed, install, run

DATA_FILES = {
    "sequences_mock/_data/openapi.yaml": ROOT / "openapi.yaml",
    "sequences_mock/_data/default.yaml": ROOT / "fixtures" / "default.yaml",
}
SHIPPED_FOR_CONTRACT_TESTS = (
    "sequences_mock/_data/schemathesis.toml",
    "sequences_mock/schemathesis_hooks.py",
)

pytestmark = pytest.mark.slow

DOWNSTREAM_TESTS = """
import httpx
import sequences_mock as package

AMELIE_RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"


def test_the_package_comes_from_the_wheel():
    assert "site-packages" in package.__file__


def test_list_with_the_default_keys_then_pause(sequences_mock):
    totals = {}
    for name in ("acme_read_write", "acme_read_only", "globex_read_write"):
        headers = {"Authorization": f"Bearer {sequences_mock.api_keys[name]}"}
        response = httpx.get(f"{sequences_mock.api_url}/sequences", headers=headers)
        assert response.status_code == 200
        totals[name] = response.json()["total"]
    assert totals == {"acme_read_write": 58, "acme_read_only": 58, "globex_read_write": 14}

    headers = {"Authorization": f"Bearer {sequences_mock.api_keys['acme_read_write']}"}
    paused = httpx.post(
        f"{sequences_mock.api_url}/sequences/{AMELIE_RUN}/pause",
        json={"paused_until": "2026-03-09T09:00:00Z"},
        headers=headers,
    )
    assert paused.json()["status"] == "WAITING_FOR_LEAD"
    sequences_mock.assert_called("pauseSequence", times=1, sequence_id=AMELIE_RUN, status=200)
    sequences_mock.assert_called("listSequences", times=3)


def test_in_process(sequences_mock_app):
    assert sequences_mock_app.sequence(AMELIE_RUN)["status"] == "ACTIVE"
"""


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Installed:
    return install(tmp_path_factory, worker_id)


def test_the_wheel_ships_its_data_and_its_plugin_works_in_a_fresh_venv(
    installed: Installed, tmp_path: Path
) -> None:
    with zipfile.ZipFile(installed.wheel) as archive:
        for name, source in DATA_FILES.items():
            info = archive.getinfo(name)
            assert not stat.S_ISLNK(info.external_attr >> 16), f"{name} is a symlink"
            assert archive.read(name) == source.read_bytes(), f"{name} differs from {source}"
        for name in SHIPPED_FOR_CONTRACT_TESTS:
            assert archive.getinfo(name).file_size > 0

    # Outside the repository, so neither its sources nor its pytest configuration are in play.
    project = tmp_path / "project"
    project.mkdir()
    assert ROOT not in project.parents
    (project / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    (project / "test_downstream.py").write_text(DOWNSTREAM_TESTS)
    python = installed.bin / "python"
    result = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)

    assert "3 passed" in result.stdout
