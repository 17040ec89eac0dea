"""The built wheel on its own: data files inside, and the plugin working in a fresh venv.

Slow (a wheel build, a venv and an install from the package index): about 15 s.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = {
    "sequences_mock/_data/openapi.yaml": ROOT / "openapi.yaml",
    "sequences_mock/_data/default.yaml": ROOT / "fixtures" / "default.yaml",
}
TIMEOUT = 300

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


def run(command: list[str | Path], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command to success, in an environment free of this run's Python and pytest settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
        cwd=cwd,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_ships_its_data_and_its_plugin_works_in_a_fresh_venv(tmp_path: Path) -> None:
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", ROOT])
    (wheel,) = (tmp_path / "dist").glob("sequences_mock-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        for name, source in DATA_FILES.items():
            info = archive.getinfo(name)
            assert not stat.S_ISLNK(info.external_attr >> 16), f"{name} is a symlink"
            assert archive.read(name) == source.read_bytes(), f"{name} differs from {source}"

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", wheel, "pytest"])

    # Outside the repository, so neither its sources nor its pytest configuration are in play.
    project = tmp_path / "project"
    project.mkdir()
    assert ROOT not in project.parents
    (project / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    (project / "test_downstream.py").write_text(DOWNSTREAM_TESTS)
    result = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)

    assert "3 passed" in result.stdout
