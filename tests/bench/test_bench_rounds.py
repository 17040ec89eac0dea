"""Throughput rounds: the ceiling and the mock measured in turn, each server's rounds combined."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

from options import parse_args  # noqa: E402
from throughput import combine  # noqa: E402
from wrk import WrkResult  # noqa: E402


def test_rounds_combine_as_requests_over_time_and_median_latencies() -> None:
    first = WrkResult(1000, 5.0, 200.0, {"p50": 1.0, "p99": 4.0}, 0, {"read": 1})
    second = WrkResult(1500, 5.0, 300.0, {"p50": 2.0, "p99": 2.0}, 3, {"read": 2, "write": 1})

    combined = combine([first, second])

    assert (combined.requests, combined.duration_s, combined.requests_per_s) == (2500, 10.0, 250.0)
    assert combined.latency_ms == {"p50": 1.5, "p99": 3.0}
    assert (combined.non_2xx, combined.socket_errors) == (3, {"read": 3, "write": 1})


def test_wrk_rounds_must_each_last_whole_seconds() -> None:
    assert parse_args(["--duration", "10", "--rounds", "2"]).rounds == 2
    with pytest.raises(SystemExit):
        parse_args(["--duration", "5", "--rounds", "2"])
    with pytest.raises(SystemExit):
        parse_args(["--rounds", "0"])
    assert parse_args(["--duration", "0.3", "--rounds", "2", "--driver", "builtin"]).rounds == 2
