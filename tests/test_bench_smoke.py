"""The benchmark harness end to end with tiny settings: it runs, and its JSON has every section.

No timing is asserted: benchmarks are not tests. wrk is required; without it this fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"
WRK_MISSING = "wrk is not installed: apt-get install wrk (Debian/Ubuntu) or brew install wrk"
TINY = ["--duration", "1", "--warmup", "0", "--million-requests", "2000"]
TINY += ["--scale", "300", "--scale-small", "100"]
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


def test_a_tiny_run_writes_a_complete_result(tmp_path: Path) -> None:
    """Every section of the JSON result is there; wrk missing is a failure, not a skip."""
    if shutil.which("wrk") is None:
        pytest.fail(WRK_MISSING)

    completed = run_bench(*TINY, "--output", str(tmp_path))

    assert completed.returncode == 0, completed.stdout + completed.stderr
    [path] = tmp_path.glob("bench-*.json")
    assert str(path) in completed.stdout
    result = json.loads(path.read_text())
    check_scenarios(result["scenarios"])
    check_mock(result["mock"], result["memory"])
    check_scale(result["scale"])
    check_machine(result["machine"])
    assert set(result["memory_replay"]["replays"]) == {
        "journal_flood",
        "variables_growth",
        "seed_reset",
    }


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


def check_machine(machine: dict[str, Any]) -> None:
    assert machine["cores"] > 0
    assert machine["python"]
    assert machine["wrk"].startswith("wrk")
    assert machine["cpu_model"]


def test_without_wrk_the_harness_says_how_to_install_it(tmp_path: Path) -> None:
    """Exit 2 and the install hint, before any server starts."""
    env = {**os.environ, "PATH": str(tmp_path)}
    completed = run_bench("--output", str(tmp_path), env=env)

    assert completed.returncode == 2
    assert WRK_MISSING in completed.stderr
    assert not list(tmp_path.glob("*.json"))
