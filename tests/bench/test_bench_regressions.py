"""The benchmark's regression check: ratios against the last committed result file."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

import regressions  # noqa: E402


def committed_result() -> dict[str, Any]:
    """The newest committed result of a whole run (scenarios and consumer suite)."""
    for path in reversed(regressions.committed(BENCH_DIR / "results")):
        result: dict[str, Any] = json.loads(path.read_text())
        if result.get("scenarios") and result.get("consumer_suite"):
            return result
    raise AssertionError("no committed result file of a whole bench run")


def slowed(result: dict[str, Any], scenario: str, by: float) -> dict[str, Any]:
    """`result` as a build `by` slower on `scenario` would have measured it."""
    slower = copy.deepcopy(result)
    entry = slower["scenarios"][scenario]
    entry["ratio"] = round(entry["ratio"] * (1 - by), 4)
    entry["mock"]["latency_ms"]["p99"] = entry["mock"]["latency_ms"]["p99"] * (1 + by)
    return slower


def test_a_build_slower_on_one_scenario_is_reported_with_both_figures():
    before = committed_result()
    after = slowed(before, "get", by=0.3)

    found = {regression.figure: regression for regression in regressions.compare(after, before)}

    assert set(found) == {"get: mock/ceiling req/s", "get: mock/ceiling p99"}
    assert found["get: mock/ceiling req/s"].before == before["scenarios"]["get"]["ratio"]
    assert found["get: mock/ceiling req/s"].after == after["scenarios"]["get"]["ratio"]
    text = regressions.render(list(found.values()), "bench-x.json")
    assert "get: mock/ceiling req/s" in text
    assert "30% worse" in text


def test_noise_within_the_tolerance_and_improvements_are_not_reported():
    before = committed_result()

    assert regressions.compare(slowed(before, "list10", by=0.05), before) == []
    assert regressions.compare(slowed(before, "list10", by=-0.5), before) == []


def test_a_slower_fixture_per_test_is_reported():
    before = committed_result()
    after = copy.deepcopy(before)
    goal = after["consumer_suite"]["goals"]["sequences_mock"]
    goal["ratio"] = goal["ratio"] * 1.5

    figures = [regression.figure for regression in regressions.compare(after, before)]

    assert figures == ["per test: sequences_mock/httpserver (net)"]


def test_a_goal_whose_suites_were_not_asked_for_is_not_reported_missing():
    before = committed_result()
    after = copy.deepcopy(before)
    suite = after["consumer_suite"]
    for fixture in ("httpserver", "sequences_mock"):  # as --consumer-fixtures leaves them out
        del suite["fixtures"][fixture]
    del suite["goals"]["sequences_mock"]
    suite["goals"]["sequences_mock_app"]["ratio"] *= 1.5

    found = {r.figure: r.after for r in regressions.compare(after, before)}

    assert found == {
        "per test: sequences_mock_app/respx (net)": pytest.approx(
            before["consumer_suite"]["goals"]["sequences_mock_app"]["ratio"] * 1.5
        )
    }


def test_a_scenario_gone_from_a_run_that_measured_scenarios_is_reported():
    before = committed_result()
    after = copy.deepcopy(before)
    del after["scenarios"]["writes"]

    missing = [r.figure for r in regressions.compare(after, before) if r.after is None]

    assert "writes: mock/ceiling req/s" in missing


@pytest.mark.parametrize("driver", ["builtin"])
def test_runs_of_another_driver_are_not_compared(driver: str):
    before = committed_result()
    after = slowed(before, "get", by=0.9)
    after["settings"]["driver"] = driver

    assert regressions.compare(after, before) == []


def test_the_newest_committed_file_is_the_newest_tracked_one_not_the_run_just_written(
    tmp_path: Path,
):
    results = tmp_path / "results"
    results.mkdir()
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name in ("bench-20261101T000000Z.json", "bench-20261102T000000Z.json"):
        (results / name).write_text("{}")
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    written = results / "bench-20261203T000000Z.json"
    written.write_text("{}")

    found = regressions.committed(results, exclude=written)

    assert found
    assert found[-1].name == "bench-20261102T000000Z.json"


def test_a_whole_run_is_compared_with_the_newest_whole_run_not_a_consumer_suite_alone(
    tmp_path: Path,
):
    results = tmp_path / "results"
    results.mkdir()
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    whole = committed_result()
    alone = {"settings": whole["settings"], "consumer_suite": whole["consumer_suite"]}
    (results / "bench-20261101T000000Z.json").write_text(json.dumps(whole))
    (results / "bench-20261102T000000Z.json").write_text(json.dumps(alone))
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)

    whole_report = regressions.check(slowed(whole, "get", by=0.3), results, None)
    alone_report = regressions.check(alone, results, None)

    assert "against bench-20261101T000000Z.json" in whole_report
    assert "get: mock/ceiling req/s" in whole_report
    assert alone_report == "regressions: none over 10% against bench-20261102T000000Z.json"
