"""The package as a user gets it: a wheel built from this checkout, installed with its `contract`
extra and pytest in a new virtualenv, once per test run.

Building and installing takes seconds, so the tests share one install, as pytest-xdist workers
do: the first to ask builds it under a lock in the run's temporary root, the others wait and
reuse it. The venv gets no pip of its own (nothing in it needs one): this pip installs into it,
and the venv's modules are byte-compiled when first imported rather than all at install. That
made the install 19 s -> 5 s here, from a warm package cache.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


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


def install(factory: pytest.TempPathFactory, worker: str) -> Installed:
    """The run's install, made by whichever test (or worker) asks first."""
    # Under xdist each worker's base temp sits in the run's own folder; alone, it is that folder.
    shared = factory.getbasetemp().parent if worker != "master" else factory.getbasetemp()
    work = shared / "installed-wheel"
    work.mkdir(exist_ok=True)
    with (work / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = work / "done"
        if not done.exists():
            _build_and_install(work)
            done.touch()
    (wheel,) = (work / "dist").glob("sequences_mock-*.whl")
    return Installed(wheel, work / "venv")


def _build_and_install(work: Path) -> None:
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT])
    (wheel,) = (work / "dist").glob("sequences_mock-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile"]
    run([*pip, f"{wheel}[contract]", "pytest"])
