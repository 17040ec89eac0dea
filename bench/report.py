"""Machine facts, the printed tables, and the JSON result file."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from wrk import wrk_version

__all__ = ["machine_info", "render", "write_result"]

PACKAGES = (
    "sequences-mock",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "jsonschema-rs",
    "httpx",
    "pytest",
    "respx",
    "pytest-httpserver",
)


def machine_info(*, wrk: bool = True) -> dict[str, Any]:
    """CPU, cores, Python, wrk (when used) and package versions, load and commit: what the
    numbers ran on."""
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "wrk": wrk_version() if wrk else None,
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "git_commit": _git_commit(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git on this machine
        return None
    return completed.stdout.strip() or None


def write_result(result: dict[str, Any], directory: Path, started: datetime) -> Path:
    """Write `result` as `bench-<UTC timestamp>.json` in `directory`; returns the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"bench-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


# -- tables ------------------------------------------------------------------------------------


def render(result: dict[str, Any]) -> str:
    """The whole result as plain-text tables and lines."""
    parts = []
    if result.get("scenarios"):
        parts += [_scenario_table(result["scenarios"]), _mock_lines(result)]
    if result.get("peers"):
        parts.append(_peers_table(result["scenarios"], result["peers"]))
    if result.get("scale"):
        parts.append(_scale_table(result["scale"]))
    if result.get("consumer_suite"):
        parts.append(consumer_table(result["consumer_suite"]))
    return "\n\n".join(parts)


def consumer_table(suite: dict[str, Any]) -> str:
    """Per fixture: wall for the suite, per test, net of the bare test, setup and teardown."""
    tests = suite["tests"]
    header = (
        "fixture",
        f"wall for {tests:,} tests",
        "per test",
        "net per test",
        "net marginal",
        "session",
        "setup (median)",
        "teardown (median)",
    )
    rows = [
        (
            fixture,
            f"{row['wall_s']:.2f} s",
            _ms(row["per_test_ms"]),
            _ms(row["net_per_test_ms"]),
            _ms(row.get("net_marginal_ms")),
            _ms(row.get("session_ms")),
            _ms(row["setup_median_ms"]),
            _ms(row["teardown_median_ms"]),
        )
        for fixture, row in suite["fixtures"].items()
    ]
    lines = [
        f"consumer suite: {tests:,} tests of one GET each, medians of {suite['rounds']} rounds "
        "(loop time; marginal: one more test, the session's one-off start and stop left out; "
        "setup and teardown per test: the mock's reset and its check after the test)",
        f"bytecode: {suite.get('bytecode', 'as the environment had it')}",
        "",
        _table(header, rows),
    ]
    for fixture, goal in suite["goals"].items():
        verdict = "met" if goal["met"] else "NOT met"
        ratio = "-" if goal["ratio"] is None else f"{goal['ratio']:.2f}"
        lines.append(
            f"goal {fixture} net <= {goal['goal']}x {goal['against']} net: {ratio}x, {verdict}"
        )
    return "\n".join(lines)


def _scenario_table(scenarios: dict[str, Any]) -> str:
    header = (
        "scenario",
        "ceiling req/s",
        "mock req/s",
        "mock/ceiling",
        "each round",
        "mock p50",
        "mock p99",
        "ceiling p50/p99",
        "mock non-2xx",
    )
    rows: list[tuple[str, ...]] = []
    for name, scenario in scenarios.items():
        ceiling, mock = scenario["ceiling"], scenario["mock"]
        rows.append(
            (
                name,
                f"{ceiling['requests_per_s']:,.0f}",
                f"{mock['requests_per_s']:,.0f}",
                f"{scenario['ratio']:.3f}",
                " ".join(f"{ratio:.2f}" for ratio in scenario.get("round_ratios", [])) or "-",
                _ms(mock["latency_ms"].get("p50")),
                _ms(mock["latency_ms"].get("p99")),
                _ms_pair(ceiling["latency_ms"]),
                f"{mock['non_2xx']:,}",
            )
        )
    return _table(header, rows)


def _mock_lines(result: dict[str, Any]) -> str:
    mock, memory = result["mock"], result["memory"]
    lines = [
        f"mock start-up (spawn to first 200 on /__mock/health): {mock['startup_ms']:.0f} ms",
        f"mock RSS after the scenarios: {_mib(mock['rss_after_scenarios_kib'])}",
        f"mock RSS over {memory['requests']:,} more requests (GET by id, list10, write mix): "
        f"{_mib(memory['rss_before_kib'])} -> {_mib(memory['rss_after_kib'])} "
        f"({memory['rss_change_percent']:+.1f} %), non-2xx {memory['non_2xx']:,}",
    ]
    if mock["log_problems"]:
        lines.append(f"mock log problems: {len(mock['log_problems'])} (see the JSON)")
    return "\n".join(lines)


def _peers_table(scenarios: dict[str, Any], peers: dict[str, Any]) -> str:
    """Every server on every scenario: absolute req/s and latency, and the ratios."""
    header = ("scenario", "server", "req/s", "/ceiling", "p50", "p99", "non-2xx", "mock/server")
    rows: list[tuple[str, ...]] = []
    for name, scenario in scenarios.items():
        ceiling_rate, mock_rate = (scenario[s]["requests_per_s"] for s in ("ceiling", "mock"))
        servers = [("ceiling", scenario["ceiling"]), ("mock", scenario["mock"])]
        servers += [
            (peer["name"], peer["scenarios"][name]["result"])
            for peer in peers.values()
            if not peer.get("error") and "result" in peer["scenarios"].get(name, {})
        ]
        for index, (server, result) in enumerate(servers):
            rate = result["requests_per_s"]
            rows.append(
                (
                    name if index == 0 else "",
                    server,
                    f"{rate:,.0f}",
                    _ratio(rate, ceiling_rate),
                    _ms(result["latency_ms"].get("p50")),
                    _ms(result["latency_ms"].get("p99")),
                    f"{result['non_2xx']:,}",
                    _ratio(mock_rate, rate),
                )
            )
    return "\n".join(
        [
            "peers, under the same wrk loads, one server at a time:",
            "",
            _table(header, rows, left=2),
            *_peer_lines(peers),
        ]
    )


def _peer_lines(peers: dict[str, Any]) -> list[str]:
    """Per peer: version, start-up, RSS and the size of its answers; or why it did not run."""
    lines = [""]
    for key, peer in peers.items():
        if peer.get("error"):
            first = str(peer["error"]).splitlines()[0]
            lines.append(f"{key}: not measured: {first}")
            continue
        sizes = ", ".join(
            f"{name} {entry['response']['status']} {entry['response']['bytes']:,} B"
            f" (mock {entry['response']['mock_bytes'] or 0:,} B)"
            for name, entry in peer["scenarios"].items()
            if "response" in entry
        )
        rss = peer["rss_after_scenarios_kib"]
        lines += [
            f"{peer['name']} {peer['version']} ({peer['runtime']}): start-up "
            f"{peer['startup_ms']:.0f} ms, RSS after the scenarios "
            f"{'- (it had exited)' if rss is None else _mib(rss)}",
            f"  answers: {sizes}",
            *(f"  {note}" for note in peer["notes"]),
            *(
                f"  {name}: failed: {str(entry['error']).splitlines()[0]}"
                for name, entry in peer["scenarios"].items()
                if "error" in entry
            ),
        ]
    return lines


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "-"


def _scale_table(scale: dict[str, Any]) -> str:
    small, large = scale["small"], scale["large"]
    n_small, n_large = f"{small['sequences']:,}", f"{large['sequences']:,}"
    lines = [
        f"scale: seeding {n_small} sequences took {small['seed_s']:.2f} s "
        f"(RSS {_mib(small['rss_after_seed_kib'])}); {n_large} took {large['seed_s']:.2f} s "
        f"(RSS {_mib(large['rss_after_seed_kib'])})",
        "queries one at a time (1 connection), so latencies are per query, not queueing:",
    ]
    header = (
        "query",
        f"p50 @{n_small}",
        f"p99 @{n_small}",
        f"p50 @{n_large}",
        f"p99 @{n_large}",
        f"req/s @{n_large}",
        "p50 ratio",
    )
    rows: list[tuple[str, ...]] = []
    for name, ratio in scale["p50_ratio"].items():
        low, high = small["queries"][name]["result"], large["queries"][name]["result"]
        rows.append(
            (
                name,
                _ms(low["latency_ms"].get("p50")),
                _ms(low["latency_ms"].get("p99")),
                _ms(high["latency_ms"].get("p50")),
                _ms(high["latency_ms"].get("p99")),
                f"{high['requests_per_s']:,.0f}",
                "-" if ratio is None else f"{ratio:.1f}x",
            )
        )
    return "\n".join([*lines, "", _table(header, rows)])


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], left: int = 1) -> str:
    """Columns separated by two spaces; the first `left` left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) if index < left else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} ms"


def _ms_pair(latency: dict[str, float]) -> str:
    return f"{_ms(latency.get('p50'))} / {_ms(latency.get('p99'))}"


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"
