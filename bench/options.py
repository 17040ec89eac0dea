"""`bench/run.py`'s options: the command line, and what the result JSON records of them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import consumer_suite
import memory_replay
from driver import run_builtin
from wrk import CONNECTIONS, THREADS, Load, WrkResult, run_wrk

__all__ = ["Options", "parse_args"]

BENCH_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Options:
    duration: float
    warmup: int
    million_requests: int
    scale: int
    scale_small: int
    skip_scale: bool
    output: Path
    peers: bool
    driver: str
    consumer_suite: bool
    skip_consumer_suite: bool
    consumer_tests: int
    consumer_rounds: int
    consumer_fixtures: tuple[str, ...]
    memory_replays: tuple[str, ...]
    memory_rounds: float = 1.0
    namespaces: bool = False
    rounds: int = 2

    def drive(
        self, base_url: str, load: Load, seconds: float, headers: dict[str, str]
    ) -> WrkResult:
        """One run of `load` for `seconds` with the chosen driver."""
        run = run_builtin if self.driver == "builtin" else run_wrk
        return run(base_url, load, seconds, headers)

    def describe(self) -> dict[str, Any]:
        """The settings as the result JSON records them."""
        return {
            "duration_s": self.duration,
            "rounds": self.rounds,
            "warmup_s": self.warmup,
            "wrk": {"threads": THREADS, "connections": CONNECTIONS},
            "million_requests": self.million_requests,
            "memory_replays": {"only": list(self.memory_replays), "rounds": self.memory_rounds},
            "scale": None if self.skip_scale else [self.scale_small, self.scale],
            "peers": self.peers,
            "namespaces": self.namespaces,
            "driver": self.driver,
            "consumer_suite": None
            if self.skip_consumer_suite
            else {
                "only": self.consumer_suite,
                "tests": self.consumer_tests,
                "rounds": self.consumer_rounds,
                "fixtures": list(self.consumer_fixtures),
            },
        }


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="make bench: the mock's benchmarks")
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds each scenario is measured on each server, over all rounds (10; whole "
        "seconds a round for wrk)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        metavar="N",
        help="rounds of each scenario, the ceiling and the mock in turn, so that both share the "
        "machine's drift (2)",
    )
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per run (2)")
    parser.add_argument(
        "--million-requests",
        type=int,
        default=1_000_000,
        metavar="N",
        help="requests to serve before reading RSS again (1,000,000)",
    )
    parser.add_argument("--scale", type=int, default=100_000, metavar="N", help="large world")
    parser.add_argument("--scale-small", type=int, default=1000, metavar="N", help="small world")
    parser.add_argument("--skip-scale", action="store_true", help="skip the scale benchmark")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results", metavar="DIR")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also measure Prism and WireMock (installed with npm under ~/.cache)",
    )
    parser.add_argument(
        "--namespaces",
        action="store_true",
        help="also count instructions per call with 100 namespaces and memory per namespace "
        "(bench/namespace_costs.py; needs valgrind, some 15 minutes)",
    )
    parser.add_argument(
        "--driver",
        choices=("wrk", "builtin"),
        default="wrk",
        help="what drives the load: wrk (default), or a small Python driver for machines "
        "without wrk (smoke runs; its figures are not comparable with wrk's)",
    )
    parser.add_argument(
        "--consumer-suite",
        action="store_true",
        help="run only the consumer suite (no wrk needed)",
    )
    parser.add_argument(
        "--skip-consumer-suite", action="store_true", help="skip the consumer suite"
    )
    parser.add_argument(
        "--consumer-tests", type=int, default=300, metavar="N", help="tests per suite (300)"
    )
    parser.add_argument(
        "--consumer-rounds", type=int, default=15, metavar="N", help="runs of each suite (15)"
    )
    parser.add_argument(
        "--consumer-fixtures",
        type=lambda text: tuple(name for name in text.split(",") if name),
        default=consumer_suite.DEFAULT_FIXTURES,
        metavar="A,B",
        help=f"which suites, of {','.join(consumer_suite.FIXTURES)} "
        f"(default {','.join(consumer_suite.DEFAULT_FIXTURES)})",
    )
    parser.add_argument(
        "--memory-replays",
        type=lambda text: tuple(name for name in text.split(",") if name),
        default=memory_replay.REPLAYS,
        metavar="A,B",
        help=f"which memory replays (default all: {','.join(memory_replay.REPLAYS)})",
    )
    parser.add_argument(
        "--memory-rounds",
        type=float,
        default=1.0,
        metavar="F",
        help="fraction of each memory replay's rounds, at least one round (1; smoke runs: less, "
        "and their RSS figures then say little)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.memory_rounds <= 1:
        parser.error("--memory-rounds is a fraction above 0, at most 1")
    if set(args.memory_replays) - set(memory_replay.REPLAYS):
        parser.error(f"--memory-replays takes names of {', '.join(memory_replay.REPLAYS)}")
    if args.duration <= 0 or args.warmup < 0 or args.million_requests < 1:
        parser.error("--duration must be positive, --million-requests at least 1, --warmup >= 0")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    each = args.duration / args.rounds
    if args.driver == "wrk" and (each < 1 or not each.is_integer()):
        parser.error(
            "wrk runs for whole seconds: give a --duration of 1 or more whole seconds a round "
            f"(--rounds {args.rounds})"
        )
    if args.driver == "wrk":
        args.duration = int(args.duration)
    if min(args.scale, args.scale_small) < 1:
        parser.error("--scale and --scale-small must be at least 1")
    if min(args.consumer_tests, args.consumer_rounds) < 1:
        parser.error("--consumer-tests and --consumer-rounds must be at least 1")
    unknown = set(args.consumer_fixtures) - set(consumer_suite.FIXTURES)
    if unknown or "bare" not in args.consumer_fixtures:
        parser.error(f"--consumer-fixtures: bare and some of {', '.join(consumer_suite.FIXTURES)}")
    return Options(**vars(args))
