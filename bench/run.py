"""`make bench`: the mock against a bare Starlette ceiling under wrk, its memory and its scale,
and what a test costs on the plugin's fixtures against the peers a Python suite would use.

1. Start the mock exactly as `sequences-mock serve --port P` does (timing its start-up), record
   its answers, and start the ceiling app (`ceiling.py`) serving those same bytes.
2. Drive both with `wrk -t1 -c32 --latency` over four scenarios (list10, list100, get, writes).
3. Drive the mock for a million more requests and compare its RSS before and after.
   With `--peers`, then drive Prism and WireMock (`peers.py`) with the same loads, one at a time.
4. Seed fresh mocks with generated worlds (1,000 and 100,000 sequences) and time three queries.
5. The consumer suite (`consumer_suite.py`): the same 300 tests on no fixture, respx,
   pytest-httpserver and the plugin's two fixtures, side by side. `--consumer-suite` runs this
   step alone, and it needs no wrk. `--driver builtin` replaces wrk in steps 1-4 by a small
   Python driver (`driver.py`), for smoke runs on machines without wrk.
6. With `--namespaces` (`namespace_costs.py`): instructions per call with 100 namespaces against
   one world (valgrind's callgrind), and memory per namespace.

Prints the tables and writes everything as JSON to bench/results/bench-<UTC time>.json.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import consumer_suite
import lifecycle
import memory_replay
import namespace_costs
import regressions
import report
import seed_stall
from common import log, mock_command
from options import Options, parse_args
from peer_runs import peers_benchmark
from scale import scale_benchmark
from servers import BenchError
from throughput import throughput_and_memory
from wrk import WRK_MISSING, wrk_path


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    if options.driver == "wrk" and not options.consumer_suite:
        try:
            wrk_path()
        except BenchError:
            print(WRK_MISSING, file=sys.stderr)
            print(
                "without it: --consumer-suite runs the consumer suite alone, and --driver builtin "
                "a smoke run of every step (figures not comparable with wrk's)",
                file=sys.stderr,
            )
            return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started = datetime.now(UTC)
    try:
        result = benchmark(options, started)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    path = report.write_result(result, options.output, started)
    print(report.render(result))
    if result.get("memory_replay"):
        print("\n" + memory_replay.render(result["memory_replay"]))
    if result.get("lifecycle"):
        print("\nlifecycle at scale:\n" + json.dumps(result["lifecycle"], indent=2))
    if result.get("namespaces"):
        print("\nnamespaces:\n" + json.dumps(result["namespaces"], indent=2))
    if result.get("seed_stall"):
        print("\nhealth during a large seed:\n" + json.dumps(result["seed_stall"], indent=2))
    print("\n" + regressions.check(result, options.output, written=path))
    print(f"\nresults written to {path}")
    return 0


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into an exception, so every `finally` stops its server."""
    raise KeyboardInterrupt


def benchmark(options: Options, started: datetime) -> dict[str, Any]:
    """Every step, in order; the result document."""
    wrk_used = options.driver == "wrk" and not options.consumer_suite
    result: dict[str, Any] = {
        "started_at": _timestamp(started),
        "settings": options.describe(),
        "machine": report.machine_info(wrk=wrk_used),
    }
    with tempfile.TemporaryDirectory(prefix="sequences-mock-bench-") as work:
        workdir = Path(work)
        if options.consumer_suite:
            result["consumer_suite"] = consumer_benchmark(options, workdir)
            return _finished(result)
        throughput, plan, stubs = throughput_and_memory(options, workdir)
        result.update(throughput)
        result["peers"] = (
            peers_benchmark(plan, stubs, result["scenarios"], options, workdir)
            if options.peers
            else None
        )
        result["scale"] = None if options.skip_scale else scale_benchmark(options, workdir)
        log("memory replays (bench/memory_replay.py) on a fresh mock")
        result["memory_replay"] = memory_replay.replay_on_fresh_mock(
            mock_command, workdir, options.memory_replays, options.memory_rounds
        )
        result["lifecycle"] = None if options.skip_scale else lifecycle_benchmark(options)
        result["seed_stall"] = None if options.skip_scale else seed_stall_benchmark(options)
        result["consumer_suite"] = (
            None if options.skip_consumer_suite else consumer_benchmark(options, workdir)
        )
        result["namespaces"] = namespaces_benchmark() if options.namespaces else None
    return _finished(result)


def namespaces_benchmark() -> dict[str, Any]:
    """Step 6 (`--namespaces`): instructions per call with 100 namespaces, memory per one."""
    log("namespaces: instructions per call under callgrind, memory per namespace")
    return namespace_costs.measure()


def lifecycle_benchmark(options: Options) -> dict[str, Any]:
    """Step 4b: `--scale` ACTIVE runs of 5-step templates, one clock move (`lifecycle.py`)."""
    log(f"lifecycle: {options.scale:,} runs of 5-step templates, one 30-day clock move")
    return lifecycle.measure(options.scale)


def seed_stall_benchmark(options: Options) -> dict[str, Any]:
    """Step 4c: how long health waits while a world of `--scale` more runs is seeded."""
    log(f"seed stall: health every 20 ms while {options.scale:,} more runs are seeded")
    return seed_stall.measure(options.scale)


def _finished(result: dict[str, Any]) -> dict[str, Any]:
    result["finished_at"] = _timestamp(datetime.now(UTC))
    result["machine"]["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    return result


def consumer_benchmark(options: Options, workdir: Path) -> dict[str, Any]:
    """Step 5: the consumer suites, side by side (`consumer_suite.py`)."""
    log(
        f"consumer suite: {options.consumer_tests} tests on "
        f"{', '.join(options.consumer_fixtures)}, {options.consumer_rounds} rounds"
    )
    suites = workdir / "consumer-suite"
    try:
        return consumer_suite.run_consumer_suites(
            suites,
            options.consumer_tests,
            options.consumer_rounds,
            fixtures=options.consumer_fixtures,
            log=log,
        )
    except (consumer_suite.MissingPackages, consumer_suite.SuiteFailed) as error:
        raise BenchError(str(error)) from None


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    sys.exit(main())
