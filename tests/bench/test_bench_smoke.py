"""The benchmark harness end to end with tiny settings: it runs, and its JSON has every section.

No timing is asserted: benchmarks are not tests. The smoke run uses the harness' built-in
Python driver instead of wrk, so `make test` needs no system binary; `make bench` uses wrk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
BENCH = BENCH_DIR / "run.py"
WRK_MISSING = "wrk is not installed: apt-get install wrk (Debian/Ubuntu) or brew install wrk"
TINY = ["--duration", "0.2", "--warmup", "0", "--million-requests", "2000"]
TINY += ["--scale", "300", "--scale-small", "100"]
#: The slow readers alone hold their connections past the mock's 30 s send timeout. A hundredth
#: of each replay's rounds (one at least) runs all its code in 5 s instead of 36 s; whether
#: memory stays flat over the full rounds is test_bench_memory's question, not the smoke's.
TINY += ["--memory-replays", "journal_flood,variables_growth,seed_reset,hostile_bodies"]
TINY += ["--memory-rounds", "0.01"]
#: The consumer suite on this repository's own fixtures only: respx and pytest-httpserver come
#: with the bench extra, which `make test` does not install.
TINY_CONSUMER = ["--consumer-tests", "3", "--consumer-rounds", "1"]
SCENARIOS = {"list10", "list100", "get", "writes"}
QUERIES = {"filtered", "sorted", "deep_page"}


def run_bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def result_of(completed: subprocess.CompletedProcess[str], output: Path) -> dict[str, Any]:
    assert completed.returncode == 0, completed.stdout + completed.stderr
    [path] = output.glob("bench-*.json")
    assert str(path) in completed.stdout
    result: dict[str, Any] = json.loads(path.read_text())
    return result


@pytest.mark.slow
def test_a_tiny_run_writes_a_complete_result(tmp_path: Path) -> None:
    """Every section of the JSON result is there, driven by the built-in driver: with nothing
    on PATH, so no system binary (wrk, git) is needed."""
    env = {**os.environ, "PATH": str(tmp_path)}
    fixtures = ["--consumer-fixtures", "bare,sequences_mock"]
    completed = run_bench(
        *TINY, *TINY_CONSUMER, *fixtures, "--driver", "builtin", "--output", str(tmp_path), env=env
    )

    result = result_of(completed, tmp_path)
    check_scenarios(result["scenarios"])
    check_mock(result["mock"], result["memory"])
    check_scale(result["scale"])
    check_consumer_suite(result["consumer_suite"], {"bare", "sequences_mock"})
    check_machine(result["machine"])
    assert set(result["memory_replay"]["replays"]) == {
        "journal_flood",
        "variables_growth",
        "seed_reset",
        "hostile_bodies",
    }
    stall = result["seed_stall"]
    assert stall["runs"] == 300
    assert set(stall) == {"runs", "seed_s", "health_checks", "health_wait_ms", "within_limit"}
    assert result["settings"]["driver"] == "builtin"
    assert result["settings"]["memory_replays"]["rounds"] == 0.01
    assert "consumer suite: 3 tests of one GET each" in completed.stdout


@pytest.mark.slow
def test_the_consumer_suite_alone_needs_no_wrk_nor_anything_on_path(tmp_path: Path) -> None:
    """wrk is the default driver, but the consumer suite alone never asks for it."""
    env = {**os.environ, "PATH": str(tmp_path)}
    fixtures = ["--consumer-fixtures", "bare,sequences_mock_app"]

    completed = run_bench(
        "--consumer-suite", *TINY_CONSUMER, *fixtures, "--output", str(tmp_path), env=env
    )

    result = result_of(completed, tmp_path)
    check_consumer_suite(result["consumer_suite"], {"bare", "sequences_mock_app"})
    assert "scenarios" not in result
    assert result["machine"]["wrk"] is None
    assert "consumer suite: 3 tests of one GET each" in completed.stdout


def check_scenarios(scenarios: dict[str, Any]) -> None:
    """Each scenario served requests on both servers; the mock's write mix only 2xx."""
    assert set(scenarios) == SCENARIOS
    for scenario in scenarios.values():
        for server in ("ceiling", "mock"):
            assert scenario[server]["requests_per_s"] > 0
            assert {"p50", "p99"} <= scenario[server]["latency_ms"].keys()
        assert scenario["ratio"] > 0
    assert scenarios["writes"]["mock"]["non_2xx"] == 0


def check_mock(mock: dict[str, Any], memory: dict[str, Any]) -> None:
    assert mock["startup_ms"] > 0
    assert mock["rss_after_scenarios_kib"] > 0
    assert memory["requests"] >= 2000
    assert memory["rss_before_kib"] > 0
    assert memory["rss_after_kib"] > 0
    assert isinstance(memory["rss_change_percent"], float | int)


def check_scale(scale: dict[str, Any]) -> None:
    assert (scale["small"]["sequences"], scale["large"]["sequences"]) == (100, 300)
    for world in (scale["small"], scale["large"]):
        assert world["seed_s"] > 0
        assert world["rss_after_seed_kib"] > 0
        assert set(world["queries"]) == QUERIES
        for query in world["queries"].values():
            assert query["result"]["requests_per_s"] > 0
            assert query["result"]["non_2xx"] == 0
    assert set(scale["p50_ratio"]) == QUERIES


def check_consumer_suite(suite: dict[str, Any], fixtures: set[str]) -> None:
    """Each suite ran its tests; per-test figures and the setup and teardown medians are there."""
    assert (suite["tests"], suite["rounds"]) == (3, 1)
    assert set(suite["fixtures"]) == fixtures
    for row in suite["fixtures"].values():
        assert row["wall_s"] > 0
        assert len(row["walls_s"]) == 1
        assert row["per_test_ms"] > 0
        assert row["setup_median_ms"] > 0
        assert row["teardown_median_ms"] > 0
    assert suite["goals"] == {}  # their peers did not run


def check_machine(machine: dict[str, Any]) -> None:
    assert machine["cores"] > 0
    assert machine["python"]
    assert machine["wrk"] is None
    assert machine["cpu_model"]


@pytest.mark.slow
def test_without_wrk_the_harness_says_how_to_install_it(tmp_path: Path) -> None:
    """Exit 2 and the install hint, before any server starts."""
    env = {**os.environ, "PATH": str(tmp_path)}
    completed = run_bench("--output", str(tmp_path), env=env)

    assert completed.returncode == 2
    assert WRK_MISSING in completed.stderr
    assert "--consumer-suite runs the consumer suite alone" in completed.stderr
    assert not list(tmp_path.glob("*.json"))


WRK_REPORT = """\
Running 10s test @ http://127.0.0.1:8080/v1/sequences?size=10
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.10ms    1.20ms  20.00ms   80.00%
  Latency Distribution
     50%    4.80ms
     75%  512.00us
     90%    6.20ms
     99%    1.02s
  60180 requests in 10.00s, 150.00MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:   6018.00
"""


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness' modules importable, as `python bench/run.py` has them."""
    monkeypatch.syspath_prepend(str(BENCH_DIR))


@pytest.mark.usefixtures("bench")
def test_wrk_reports_are_read_into_results() -> None:
    from wrk import parse_report

    result = parse_report(WRK_REPORT)

    assert (result.requests, result.duration_s, result.requests_per_s) == (60180, 10.0, 6018.0)
    assert result.latency_ms == {"p50": 4.8, "p75": 0.512, "p90": 6.2, "p99": 1020.0}
    assert result.non_2xx == 3
    assert result.socket_errors == {"connect": 0, "read": 1, "write": 0, "timeout": 2}


@pytest.mark.usefixtures("bench")
def test_the_builtin_driver_sends_the_write_mix_as_writes_lua_does() -> None:
    """Two PATCHes per connection to open, then pause all, PATCH all, resume all, PATCH all."""
    from driver import plan
    from wrk import Load

    load = Load("/v1/sequences", BENCH_DIR / "writes.lua", ("2", '{"p": 1}', '{"q": 2}', "a", "b"))

    opening, cycle = plan(load)

    assert [(method, path) for method, path, _ in opening] == [
        ("PATCH", "/v1/sequences/a"),
        ("PATCH", "/v1/sequences/b"),
        ("PATCH", "/v1/sequences/a"),
        ("PATCH", "/v1/sequences/b"),
    ]
    assert [(method, path, body) for method, path, body in cycle] == [
        ("POST", "/v1/sequences/a/pause", b'{"q": 2}'),
        ("POST", "/v1/sequences/b/pause", b'{"q": 2}'),
        ("PATCH", "/v1/sequences/a", b'{"p": 1}'),
        ("PATCH", "/v1/sequences/b", b'{"p": 1}'),
        ("POST", "/v1/sequences/a/resume", None),
        ("POST", "/v1/sequences/b/resume", None),
        ("PATCH", "/v1/sequences/a", b'{"p": 1}'),
        ("PATCH", "/v1/sequences/b", b'{"p": 1}'),
    ]
    assert plan(Load("/v1/sequences?size=10")) == ([], [("GET", "/v1/sequences?size=10", None)])


@pytest.mark.usefixtures("bench")
def test_the_builtin_driver_keeps_each_run_s_requests_on_one_thread_in_order() -> None:
    """A descheduled thread cannot let a run's resume overtake its pause (a 409 in the mix)."""
    from driver import plan, share
    from wrk import Load

    ids = ("a", "b", "c")
    load = Load("/v1/sequences", BENCH_DIR / "writes.lua", ("1", "{}", "{}", *ids))
    opening, cycle = plan(load)

    shares = share(opening, cycle, 2)

    assert len(shares) == 2
    for thread_opening, thread_cycle in shares:
        runs = {path.split("/")[3] for _, path, _ in thread_cycle}
        assert [r for r in cycle if r[1].split("/")[3] in runs] == thread_cycle
        assert [r for r in opening if r[1].split("/")[3] in runs] == thread_opening
    assert sorted(r for _, c in shares for r in c) == sorted(cycle)
    get = plan(Load("/v1/sequences"))
    assert share(*get, 3) == [get] * 3
