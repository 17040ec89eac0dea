"""No silent regressions: a run's ratios against the newest committed result file that measured
the same steps (a run of the consumer suite alone is no yardstick for a whole run's throughput).

Only ratios are compared (mock against the ceiling measured in the same run, a fixture against
its peer in the same run, a large world against a small one): absolute figures on a shared
machine move with its load, ratios much less. A figure more than `TOLERANCE` worse than in that
file is printed with both values; so is a figure that went missing.
Runs made with different drivers (wrk against the builtin smoke driver) are not comparable and
are not compared.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "TOLERANCE",
    "Regression",
    "check",
    "committed",
    "compare",
    "covers",
    "figures",
    "render",
]

#: How much worse a ratio may get before it is reported.
TOLERANCE = 0.10


@dataclass(frozen=True)
class Regression:
    figure: str
    before: float
    after: float | None
    higher_is_better: bool

    @property
    def change(self) -> float | None:
        """How much worse, as a fraction of the figure before (0.25: 25% worse)."""
        if self.after is None or self.before == 0:
            return None
        worse = self.before - self.after if self.higher_is_better else self.after - self.before
        return worse / self.before


def figures(result: dict[str, Any]) -> dict[str, tuple[float, bool]]:
    """Each comparable ratio of a result: name -> (value, higher is better)."""
    found: dict[str, tuple[float, bool]] = {}
    for name, scenario in (result.get("scenarios") or {}).items():
        if scenario.get("ratio") is not None:
            found[f"{name}: mock/ceiling req/s"] = (float(scenario["ratio"]), True)
        mock_p99 = _p99(scenario.get("mock"))
        ceiling_p99 = _p99(scenario.get("ceiling"))
        if mock_p99 and ceiling_p99:
            found[f"{name}: mock/ceiling p99"] = (mock_p99 / ceiling_p99, False)
    suite = result.get("consumer_suite") or {}
    for fixture, goal in (suite.get("goals") or {}).items():
        if goal.get("ratio") is not None:
            label = f"per test: {fixture}/{goal['against']} (net)"
            found[label] = (float(goal["ratio"]), False)
    for query, ratio in ((result.get("scale") or {}).get("p50_ratio") or {}).items():
        if ratio is not None:
            found[f"scale: {query} p50 large/small"] = (float(ratio), False)
    return found


def _p99(measured: dict[str, Any] | None) -> float | None:
    latency = (measured or {}).get("latency_ms") or {}
    value = latency.get("p99")
    return float(value) if value else None


def compare(current: dict[str, Any], previous: dict[str, Any]) -> list[Regression]:
    """The figures of `current` more than TOLERANCE worse than `previous`, or gone from it."""
    if _driver(current) != _driver(previous):
        return []
    now = figures(current)
    regressions = []
    for name, (before, higher_is_better) in figures(previous).items():
        if name not in now:
            if _measured_in(current, name):
                regressions.append(Regression(name, before, None, higher_is_better))
            continue
        regression = Regression(name, before, now[name][0], higher_is_better)
        change = regression.change
        if change is not None and change > TOLERANCE:
            regressions.append(regression)
    return regressions


def _driver(result: dict[str, Any]) -> str | None:
    driver = (result.get("settings") or {}).get("driver")
    return str(driver) if driver is not None else None


def _measured_in(result: dict[str, Any], name: str) -> bool:
    """Whether the step that makes figure `name` ran at all (a skipped step is no regression)."""
    if name.startswith("per test:"):
        # "per test: sequences_mock_app/respx (net)": both suites must have run this time.
        ran = (result.get("consumer_suite") or {}).get("fixtures") or {}
        pair = name.removeprefix("per test:").split()[0].split("/")
        return all(fixture in ran for fixture in pair)
    if name.startswith("scale:"):
        return bool(result.get("scale"))
    return bool(result.get("scenarios"))


def committed(directory: Path, exclude: Path | None = None) -> list[Path]:
    """The result files in `directory` that git tracks, oldest first (names sort by time)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", "."],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return []
    paths = sorted(
        directory / name
        for name in listed
        if name.startswith("bench-") and name.endswith(".json") and "/" not in name
    )
    return [path for path in paths if exclude is None or path.resolve() != exclude.resolve()]


#: The steps a run may have left out (`--consumer-suite`, `--skip-scale`, ...).
STEPS = ("scenarios", "consumer_suite", "scale")


def covers(previous: dict[str, Any], current: dict[str, Any]) -> bool:
    """Whether `previous` measured every step `current` did: a run of the consumer suite alone
    is no yardstick for the throughput of a whole run."""
    return all(previous.get(step) for step in STEPS if current.get(step))


def check(current: dict[str, Any], directory: Path, written: Path | None) -> str:
    """The report on `current` against the newest committed result file that measured what it
    did."""
    previous_path, previous = None, None
    for path in reversed(committed(directory, exclude=written)):
        candidate = json.loads(path.read_text())
        if covers(candidate, current):
            previous_path, previous = path, candidate
            break
    if previous_path is None or previous is None:
        return "regressions: no committed result file that measured the same steps"
    if _driver(current) != _driver(previous):
        return (
            f"regressions: not compared with {previous_path.name} "
            f"(driver {_driver(previous)}, this run {_driver(current)})"
        )
    return render(compare(current, previous), previous_path.name)


def render(regressions: list[Regression], against: str) -> str:
    if not regressions:
        return f"regressions: none over {TOLERANCE:.0%} against {against}"
    lines = [f"regressions over {TOLERANCE:.0%} against {against}:"]
    for regression in regressions:
        if regression.after is None:
            lines.append(f"  {regression.figure}: {regression.before:.3g} before, missing now")
            continue
        change = regression.change or 0.0
        lines.append(
            f"  {regression.figure}: {regression.before:.3g} before, {regression.after:.3g} now "
            f"({change:.0%} worse)"
        )
    return "\n".join(lines)
