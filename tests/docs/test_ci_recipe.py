"""The README's CI recipes, run: the mock as a background service, a health wait, a call, a log.

The plain-shell block runs as written (another port, and a call of the API for "your tests").
The GitHub Actions job runs step by step, each `run` in its own bash like the runner does, with
the job's and the step's environment; `uses` steps and the install are what this machine cannot
or need not do.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from default_world import READ_ONLY
from sequences_mock.server import bind_socket

README = Path(__file__).parents[2] / "README.md"
#: Stands for "your tests": a child process that reads the API's URL from its environment.
YOUR_TESTS = (
    f"""sh -c 'curl -fsS -H "Authorization: Bearer {READ_ONLY}" "$SEQUENCES_API_URL/sequences"'"""
)
CALL_LINE = re.compile(r"^#1 GET /v1/sequences 200 [\d.]+ms$", re.MULTILINE)


def recipe(kind: str) -> str:
    """The fenced block that follows `<!-- ci-recipe: KIND -->` in the README."""
    match = re.search(
        rf"<!-- ci-recipe: {kind} -->\n```\w+\n(.*?)\n```", README.read_text(), re.DOTALL
    )
    assert match, f"no {kind} recipe in the README"
    return match.group(1)


@pytest.fixture
def port() -> int:
    sock = bind_socket("127.0.0.1", 0)
    try:
        return int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.fixture
def environment() -> dict[str, str]:
    """This environment, with `sequences-mock` and `curl` on PATH."""
    assert shutil.which("curl"), "the CI recipes need curl on PATH"
    scripts = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", "")}


@pytest.fixture
def sessions() -> Iterator[list[int]]:
    """Process groups started by a test: whatever a recipe left running is ended afterwards."""
    started: list[int] = []
    yield started
    for group in started:
        with contextlib.suppress(ProcessLookupError):  # it stopped by itself
            os.killpg(group, signal.SIGTERM)


def bash(
    script: str, cwd: Path, env: dict[str, str], sessions: list[int]
) -> subprocess.CompletedProcess[str]:
    """`bash -e` as GitHub's runner starts a `run` step, in a process group of its own."""
    process = subprocess.Popen(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    sessions.append(process.pid)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_the_shell_recipe_starts_waits_tests_and_stops(
    tmp_path: Path, port: int, environment: dict[str, str], sessions: list[int]
) -> None:
    script = recipe("shell").replace("8080", str(port))
    assert "pytest" in script
    script = re.sub(r"^(.*)pytest.*$", rf"\1{YOUR_TESTS}", script, flags=re.MULTILINE)

    run = bash(script, tmp_path, environment, sessions)

    assert run.returncode == 0, run.stdout + run.stderr
    assert '{"status":"ok"}' in run.stdout
    assert '"items"' in run.stdout
    assert CALL_LINE.search((tmp_path / "sequences-mock.log").read_text())


def test_the_github_actions_job_runs_step_by_step(
    tmp_path: Path, port: int, environment: dict[str, str], sessions: list[int]
) -> None:
    workflow: dict[str, Any] = yaml.safe_load(recipe("github").replace("8080", str(port)))
    [job] = workflow["jobs"].values()
    job_env = {**environment, **{k: str(v) for k, v in job.get("env", {}).items()}}
    uses = [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python"]
    outputs = []
    for step in job["steps"]:
        if "uses" in step:
            continue
        script = step["run"]
        if script.startswith("pip install"):
            assert shutil.which("sequences-mock", path=job_env["PATH"])
            continue
        if script.strip() == "pytest":
            script = YOUR_TESTS
        step_env = {**job_env, **{k: str(v) for k, v in step.get("env", {}).items()}}
        run = bash(script, tmp_path, step_env, sessions)
        assert run.returncode == 0, f"{step.get('name')}: {run.stdout}{run.stderr}"
        outputs.append(run.stdout)

    health, tests, log = outputs
    assert health == '{"status":"ok"}'
    assert '"items"' in tests
    assert job["steps"][-1]["if"] == "always()"
    assert CALL_LINE.search(log)
