"""The built wheel on its own: data files inside, the plugin working in a fresh venv, and the
README's contract-test recipe for a user's own CI run from that install, outside the repository.

Slow (a wheel build, a venv, an install from the package index, a schemathesis run): about 40 s.
Both tests share one install, so they run in one xdist worker (`xdist_group`).
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = {
    "sequences_mock/_data/openapi.yaml": ROOT / "openapi.yaml",
    "sequences_mock/_data/default.yaml": ROOT / "fixtures" / "default.yaml",
}
SHIPPED_FOR_CONTRACT_TESTS = (
    "sequences_mock/_data/schemathesis.toml",
    "sequences_mock/schemathesis_hooks.py",
)
TIMEOUT = 600
RECIPE_HEADING = "### From your own CI"
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: Of the 40 links schemathesis selects, the documented command covers at least this many.
MIN_LINKS = 30

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]

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


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def run(
    command: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command to success, in an environment free of this run's Python and pytest settings."""
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env or clean_env(),
        cwd=cwd,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-5000:]}\n{result.stderr[-3000:]}"
    return result


def clean_env(*first_on_path: Path) -> dict[str, str]:
    """This environment without our Python, pytest and venv settings (our venv off PATH too)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "PYTHON", "VIRTUAL_ENV", "SCHEMATHESIS_", "COV_"))
    }
    ours = Path(sys.executable).parent
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if Path(entry) != ours]
    env["PATH"] = os.pathsep.join([*map(str, first_on_path), *path])
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel, built from this checkout, installed with its `contract` extra in a new venv.

    Once per session (per xdist worker): the tests that use it may not run back to back.
    """
    work = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT])
    (wheel,) = (work / "dist").glob("sequences_mock-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", venv])
    run([venv / "bin" / "python", "-m", "pip", "install", "-q", f"{wheel}[contract]", "pytest"])
    return Installed(wheel, venv)


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


def readme_recipe() -> str:
    """The shell block of the README's recipe for running the contract tests from one's own CI."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert RECIPE_HEADING in readme
    block = SHELL_BLOCK.search(readme.split(RECIPE_HEADING, 1)[1])
    assert block is not None, f"no sh block under {RECIPE_HEADING!r}"
    return block.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_readme_ci_recipe_runs_from_the_installed_wheel(
    installed: Installed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The documented commands as written, but for a free port and an ndjson report besides the
    JUnit one (to read the stateful phase's answers): no failure, at least 30 of the 40 links,
    and pauses and resumes that succeeded."""
    recipe = readme_recipe()
    assert "--report junit" in recipe
    script = recipe.replace("8080", str(free_port())).replace(
        "--report junit", "--report junit,ndjson"
    )
    project = tmp_path / "ci"
    project.mkdir()
    env = clean_env(installed.bin)

    result = run(["bash", "-euo", "pipefail", "-c", script], cwd=project, env=env)

    assert "No issues found" in result.stdout, result.stdout[-4000:]
    links = re.search(r"API Links:\s+(\d+) covered / (\d+) selected", result.stdout)
    assert links, result.stdout[-4000:]
    with capsys.disabled():
        print(f"\nREADME recipe from the wheel: stateful links covered {links.group(0)}")
    assert int(links.group(1)) >= MIN_LINKS
    assert (project / "schemathesis.toml").exists()
    (events,) = (project / "schemathesis-report").glob("*.ndjson")
    writes = stateful_writes(events)
    assert writes["pause"][200] > 0, writes
    assert writes["resume"][200] > 0, writes


def stateful_writes(events: Path) -> dict[str, Counter[int]]:
    """Statuses of the stateful phase's pauses and resumes, from schemathesis' ndjson events."""
    writes: dict[str, Counter[int]] = {"pause": Counter(), "resume": Counter()}
    for line in events.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if event is None or event["phase"] != "stateful":
            continue
        for interaction in (event["recorder"] or {}).get("interactions", {}).values():
            action = interaction["request"]["uri"].rsplit("/", 1)[-1]
            if action in writes and interaction.get("response") is not None:
                writes[action][interaction["response"]["status_code"]] += 1
    return writes
