"""The consumer-suite scenario: what a test costs on each kind of HTTP test fixture.

Generates the same suite of N tests (each one GET of a sequence, its status asserted) for five
fixtures, in a temporary folder outside the repository, and runs each suite in its own pytest
process, the five in turn, `rounds` times; medians are reported:

- `bare`: no fixture and no HTTP at all, pytest's own cost per test (subtracted as "net");
- `respx`: respx's `respx_mock` routes the GET of a session-scoped `httpx.Client`;
- `httpserver`: pytest-httpserver's `httpserver`, an expectation per test, session client;
- `sequences_mock_app`: the in-process mock, through `sequences_mock_app.client`;
- `sequences_mock`: the mock on a socket, GET from a session-scoped `httpx.Client`;
- `sequences_mock_client`: the README's pattern, GET from the handle's pooled `client`;
- `sequences_mock_connect`: the README's former pattern, a new `httpx.Client` per test.

Each pytest process times its own test loop (`pytest_runtestloop`, so interpreter start-up and
collection are left out, the session's server start and stop are in) and the setup and
teardown phase of every test: for the mock's fixtures these are the reset before the test and
the check after it (incidents, and the calls counted for the suite's coverage). "Per test" is
the loop over the tests, the session's start included; "marginal" is what one more test costs,
timed from the second test's start to the last's, and "session" what is left of the loop: the
fixture's one-off start and stop.

Needs pytest, respx and pytest-httpserver (`pip install -e '.[bench]'`; `make bench` does).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_FIXTURES",
    "FIXTURES",
    "GOALS",
    "MissingPackages",
    "SuiteFailed",
    "run_consumer_suites",
]

SEQUENCE_ID = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"
#: What respx and pytest-httpserver answer: the sequence as the mock's default world has it.
SEQUENCE = {
    "id": SEQUENCE_ID,
    "workspace_id": "424b1fee-9709-4315-85d9-5954058b4714",
    "contact_id": "90c79624-35b6-46d8-9b24-c0402596d24a",
    "template_id": "5d91017f-b1a4-421b-ba3c-57bacddf6042",
    "status": "ACTIVE",
    "variables": {"first_name": "Amélie"},
    "contact_list_id": "147d647d-e639-4c71-8bc4-bc81a0ff9b11",
    "last_step_executed_at": "2026-02-27T10:02:11Z",
    "created_at": "2026-01-05T08:14:37Z",
    "updated_at": "2026-02-27T10:02:11Z",
}
FIXTURES = (
    "bare",
    "respx",
    "httpserver",
    "sequences_mock_app",
    "sequences_mock",
    "sequences_mock_client",
    "sequences_mock_connect",
)
#: The suites run unless others are asked for: all but the former README pattern, which costs
#: a new connection pool per test (tens of seconds a round) and only shows what it cost.
DEFAULT_FIXTURES = FIXTURES[:-1]
#: Net of the bare test: each mock fixture against the peer it replaces, at most this ratio
#: (no more than a stub server that keeps no state), and the README's socket pattern against
#: the in-process fixture.
GOALS = {
    "sequences_mock": ("httpserver", 1.0),
    "sequences_mock_app": ("respx", 1.0),
    "sequences_mock_client": ("sequences_mock_app", 1.5),
}
#: How the suites' processes treat bytecode (recorded with the results).
BYTECODE = "kept in __pycache__ (Python's default; PYTHONDONTWRITEBYTECODE unset)"
WARMED = ", written by one untimed run of each suite"
#: The package each suite needs besides pytest and this one.
REQUIRED = {"respx": "respx", "httpserver": "pytest-httpserver"}
#: Plugins of this repository's test extras that a consumer suite would not load.
UNRELATED_PLUGINS = ("no:cacheprovider", "no:schemathesis", "no:hypothesispytest", "no:xdist")

PREAMBLE = f"""
import httpx
import pytest

API = "http://api.example/v1"
SEQUENCE_ID = {SEQUENCE_ID!r}
SEQUENCE = {SEQUENCE!r}
TESTS = range({{tests}})


@pytest.fixture(scope="session")
def http():
    with httpx.Client(timeout=10) as client:
        yield client
"""

BODIES = {
    "bare": """
@pytest.mark.parametrize("n", TESTS)
def test_get(n):
    assert SEQUENCE["status"] == "ACTIVE"
""",
    "respx": """
@pytest.mark.parametrize("n", TESTS)
def test_get(respx_mock, http, n):
    respx_mock.get(f"{API}/sequences/{SEQUENCE_ID}").respond(200, json=SEQUENCE)
    response = http.get(f"{API}/sequences/{SEQUENCE_ID}", headers={"Authorization": "Bearer k"})
    assert response.json()["status"] == "ACTIVE"
""",
    "httpserver": """
@pytest.mark.parametrize("n", TESTS)
def test_get(httpserver, http, n):
    httpserver.expect_request(f"/v1/sequences/{SEQUENCE_ID}").respond_with_json(SEQUENCE)
    url = httpserver.url_for(f"/v1/sequences/{SEQUENCE_ID}")
    response = http.get(url, headers={"Authorization": "Bearer k"})
    assert response.json()["status"] == "ACTIVE"
""",
    "sequences_mock_app": """
@pytest.mark.parametrize("n", TESTS)
def test_get(sequences_mock_app, n):
    key = sequences_mock_app.api_keys["acme_read_write"]
    response = sequences_mock_app.client.get(
        f"/sequences/{SEQUENCE_ID}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.json()["status"] == "ACTIVE"
""",
    "sequences_mock": """
@pytest.mark.parametrize("n", TESTS)
def test_get(sequences_mock, http, n):
    key = sequences_mock.api_keys["acme_read_write"]
    response = http.get(
        f"{sequences_mock.api_url}/sequences/{SEQUENCE_ID}",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.json()["status"] == "ACTIVE"
""",
    "sequences_mock_client": """
@pytest.mark.parametrize("n", TESTS)
def test_get(sequences_mock, n):
    key = sequences_mock.api_keys["acme_read_write"]
    response = sequences_mock.client.get(
        f"/sequences/{SEQUENCE_ID}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.json()["status"] == "ACTIVE"
""",
    "sequences_mock_connect": """
@pytest.mark.parametrize("n", TESTS)
def test_get(sequences_mock, n):
    key = sequences_mock.api_keys["acme_read_write"]
    with httpx.Client(base_url=sequences_mock.api_url, timeout=10) as client:
        response = client.get(
            f"/sequences/{SEQUENCE_ID}", headers={"Authorization": f"Bearer {key}"}
        )
    assert response.json()["status"] == "ACTIVE"
""",
}

#: Loaded with `-p`: times the test loop and every test's setup and teardown phase.
TIMING_PLUGIN = """
import json
import os
import time

import pytest

phases = {"setup": [], "teardown": []}
loop = {}
starts = []


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        loop["seconds"] = time.perf_counter() - started


def pytest_runtest_logstart(nodeid, location):
    starts.append(time.perf_counter())


def pytest_runtest_logreport(report):
    if report.when in phases:
        phases[report.when].append(report.duration)


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["CONSUMER_SUITE_TIMES"], "w") as out:
        # From the second test's start to the last's: whole tests, without the session's
        # start (in the first test's setup) or its end (in the last one's teardown).
        between = starts[-1] - starts[1] if len(starts) > 2 else None
        times = {"loop_s": loop.get("seconds"), "between_s": between, **phases}
        json.dump({**times, "exitstatus": int(exitstatus)}, out)
"""


class MissingPackages(Exception):
    """The consumer suite needs packages this environment lacks; the message names them."""


class SuiteFailed(Exception):
    """A suite did not pass, or ran a different number of tests; the message has its output."""


def check_packages(fixtures: tuple[str, ...]) -> dict[str, str]:
    """Versions of the packages the suites need; `MissingPackages` names any that are missing."""
    versions, missing = {}, []
    needed = ["pytest", "sequences-mock", *(REQUIRED[f] for f in fixtures if f in REQUIRED)]
    for name in needed:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        raise MissingPackages(
            f"the consumer suite needs {', '.join(missing)}: pip install -e '.[bench]' "
            "(make bench installs it)"
        )
    return versions


def write_suites(workdir: Path, tests: int, fixtures: tuple[str, ...]) -> dict[str, Path]:
    """One folder per fixture with its test module, and the timing plugin beside them."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "consumer_timing.py").write_text(textwrap.dedent(TIMING_PLUGIN))
    folders = {}
    for fixture in fixtures:
        folder = workdir / fixture
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
        source = PREAMBLE.replace("{tests}", str(tests)) + BODIES[fixture]
        (folder / "test_consumer.py").write_text(source)
        folders[fixture] = folder
    return folders


def run_suite(folder: Path, workdir: Path, tests: int) -> dict[str, Any]:
    """One pytest process on one suite; its loop time and phase durations."""
    times = folder / "times.json"
    times.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "consumer_timing"]
    for plugin in UNRELATED_PLUGINS:
        command += ["-p", plugin]
    # Python's default: bytecode kept in __pycache__. With PYTHONDONTWRITEBYTECODE set (some
    # machines and container images set it), pytest cannot keep the modules it rewrites for
    # every plugin's distribution, and each session compiles them again: ~50 ms more a session
    # for this package's modules, some for respx's and pytest-httpserver's (see `BYTECODE`).
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "COV_")) and name != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPATH"] = str(workdir)
    env["CONSUMER_SUITE_TIMES"] = str(times)
    completed = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if completed.returncode != 0 or not times.exists():
        raise SuiteFailed(
            f"the {folder.name} suite failed ({completed.returncode}):\n"
            + completed.stdout[-3000:]
            + completed.stderr[-2000:]
        )
    measured: dict[str, Any] = json.loads(times.read_text())
    if len(measured["setup"]) != tests:
        raise SuiteFailed(f"the {folder.name} suite ran {len(measured['setup'])} of {tests}")
    return measured


def run_consumer_suites(
    workdir: Path,
    tests: int = 300,
    rounds: int = 15,
    *,
    fixtures: tuple[str, ...] = DEFAULT_FIXTURES,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every suite `rounds` times, in turn; per fixture the medians, net costs and the goals
    (a goal whose peer was not run is left out)."""
    versions = check_packages(fixtures)
    folders = write_suites(workdir, tests, fixtures)
    warmed = rounds > 1  # a single round (a smoke run) has no median to keep clean
    for fixture in fixtures if warmed else ():  # untimed: writes the bytecode rounds read
        run_suite(folders[fixture], workdir, tests)
    runs: dict[str, list[dict[str, Any]]] = {fixture: [] for fixture in fixtures}
    for round_number in range(1, rounds + 1):
        for fixture in fixtures:
            measured = run_suite(folders[fixture], workdir, tests)
            runs[fixture].append(measured)
            log(
                f"  consumer suite round {round_number}/{rounds} {fixture:18} "
                f"{measured['loop_s']:6.2f} s for {tests} tests"
            )
    summary = summarise(runs, tests, rounds, versions)
    summary["bytecode"] = BYTECODE + (WARMED if warmed else ", not warmed (one round)")
    return summary


def summarise(
    runs: dict[str, list[dict[str, Any]]], tests: int, rounds: int, versions: dict[str, str]
) -> dict[str, Any]:
    bare = statistics.median(run["loop_s"] for run in runs["bare"])
    bare_marginal = _marginal_ms(runs["bare"], tests)
    rows: dict[str, Any] = {}
    for fixture, measured in runs.items():
        wall = statistics.median(run["loop_s"] for run in measured)
        marginal = _marginal_ms(measured, tests)
        rows[fixture] = {
            "wall_s": round(wall, 3),
            "walls_s": [round(run["loop_s"], 3) for run in measured],
            "per_test_ms": round(1000 * wall / tests, 3),
            "net_per_test_ms": round(1000 * (wall - bare) / tests, 3),
            "marginal_ms": marginal,
            "net_marginal_ms": (
                None
                if marginal is None or bare_marginal is None
                else round(marginal - bare_marginal, 3)
            ),
            "session_ms": (None if marginal is None else round(1000 * wall - tests * marginal, 1)),
            "setup_median_ms": _median_ms(run["setup"] for run in measured),
            "teardown_median_ms": _median_ms(run["teardown"] for run in measured),
        }
    goals = {}
    for fixture, (peer, limit) in GOALS.items():
        if fixture not in rows or peer not in rows:
            continue
        ours, theirs = rows[fixture]["net_per_test_ms"], rows[peer]["net_per_test_ms"]
        ratio = round(ours / theirs, 3) if theirs > 0 else None
        goals[fixture] = {
            "against": peer,
            "ratio": ratio,
            "goal": limit,
            "met": ratio is not None and ratio <= limit,
        }
    return {
        "tests": tests,
        "rounds": rounds,
        "packages": versions,
        "fixtures": rows,
        "goals": goals,
    }


def _marginal_ms(measured: list[dict[str, Any]], tests: int) -> float | None:
    """What one more test costs (the median over the rounds): the time from the second test's
    start to the last's, over the tests in between; the session's start and end are left out."""
    if tests < 3 or any(run.get("between_s") is None for run in measured):
        return None
    between = statistics.median(float(run["between_s"]) for run in measured)
    return round(1000 * between / (tests - 2), 3)


def _median_ms(samples: Any) -> float:
    """The median of every test's phase duration over all rounds, in milliseconds."""
    durations: list[float] = [duration for run in samples for duration in run]
    return round(1000 * statistics.median(durations), 3)
