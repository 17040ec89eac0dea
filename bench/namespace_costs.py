"""What namespaces cost: instructions per request with 100 namespaces against one world, and
memory per namespace of the default world.

    python bench/namespace_costs.py                     # all (callgrind needs valgrind)
    python bench/namespace_costs.py --drive SCENARIO N  # N calls in-process (what callgrind runs)

Requests go straight into the ASGI app (no socket, no HTTP parsing), so the figures are the
mock's own cost per request, the part namespaces could change. Each scenario is run under
`valgrind --tool=callgrind` twice, with N1 and N2 requests; the difference divided by N2 - N1
is the instructions of one request, start-up cancelled out (the cyclic garbage collector is
off while the requests run: its passes would land at random in one run of a pair). Scenarios:

- `one`: the default world alone, `GET /v1/sequences/{id}` (the single-world cost);
- `default-100`: the same calls with 100 named namespaces alive beside it;
- `spread-100`: the same call spread round-robin over 100 named namespaces (`/ns/wK/v1/...`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import Any

from sequences_mock.app import create_app

RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"
KEY = b"Bearer sk_test_acme_read_write"
NAMESPACES = 100
SCENARIOS = ("one", "default-100", "spread-100")


def scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), (b"authorization", KEY)],
    }


async def call(app: Any, path: str) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope(path), receive, send)
    return status


def paths(scenario: str) -> list[str]:
    item = f"/v1/sequences/{RUN}"
    if scenario == "spread-100":
        return [f"/ns/w{index}{item}" for index in range(NAMESPACES)]
    return [item]


async def drive(scenario: str, requests: int) -> None:
    app = create_app()
    if scenario != "one":
        for index in range(NAMESPACES):  # each namespace created by its first call
            assert await call(app, f"/ns/w{index}/v1/sequences/{RUN}") == 200
    targets = paths(scenario)
    for index in range(200):  # warm every cache the first calls fill, in every namespace
        await call(app, targets[index % len(targets)])
    # Without the cyclic collector, whose passes land in one run and not in the other at
    # random and swamp the difference; it runs as usual in production.
    gc.collect()
    gc.disable()
    for index in range(requests):
        status = await call(app, targets[index % len(targets)])
        if status != 200:
            raise SystemExit(f"{targets[index % len(targets)]} answered {status}")


def instructions(scenario: str, requests: int, source: str | None = None) -> int:
    """Instructions callgrind counts for the whole `--drive` run (of the package in `source`,
    a checkout's `src`, when given)."""
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "callgrind.out")
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--drive",
            scenario,
            str(requests),
        ]
        environment = {**os.environ, "PYTHONPATH": source} if source else None
        finished = subprocess.run(
            command, capture_output=True, text=True, check=True, env=environment
        )
        match = re.search(r"Collected : (\d+)", finished.stderr)
        if match is None:
            raise SystemExit(finished.stderr[-2000:])
        return int(match.group(1))


def per_request(scenario: str, low: int, high: int, source: str | None = None) -> float:
    return (instructions(scenario, high, source) - instructions(scenario, low, source)) / (
        high - low
    )


def memory_per_namespace() -> dict[str, float]:
    """Bytes the Python heap grows by per namespace of the default world (tracemalloc), created
    by a first call, and after 100 more calls each (their journals)."""

    async def measure() -> dict[str, float]:
        app = create_app()
        await call(app, "/__mock/health")
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for index in range(NAMESPACES):
            await call(app, f"/ns/w{index}/v1/sequences/{RUN}")
        gc.collect()
        created = tracemalloc.get_traced_memory()[0]
        for _ in range(100):
            for index in range(NAMESPACES):
                await call(app, f"/ns/w{index}/v1/sequences/{RUN}")
        gc.collect()
        used = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return {
            "created": (created - before) / NAMESPACES,
            "after_100_calls": (used - before) / NAMESPACES,
        }

    return asyncio.run(measure())


SERVER_COST = """
import time, httpx
def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmRSS"))
from sequences_mock.server import MockServer
before, started = rss(), time.perf_counter()
server = MockServer().start()
httpx.get(server.url + "/__mock/health").raise_for_status()
seconds, grown = time.perf_counter() - started, rss() - before
print(seconds, grown)
server.stop()
"""


def server_costs() -> dict[str, float]:
    """What a server per xdist worker costs each worker (its start, its memory), against a
    namespace of a shared one (created by its first call over the socket)."""
    finished = subprocess.run(
        [sys.executable, "-c", SERVER_COST], capture_output=True, text=True, check=True
    )
    seconds, grown = map(float, finished.stdout.split())
    return {
        "server_start_seconds": seconds,
        "server_rss_bytes": grown,
        "namespace_create_seconds": asyncio.run(namespace_create_seconds()),
    }


async def namespace_create_seconds() -> float:
    """The extra time of a namespace's first call (its creation), in-process, the median of
    100 namespaces."""
    app = create_app()
    extra = []
    for index in range(NAMESPACES):
        started = time.perf_counter()
        await call(app, f"/ns/w{index}/__mock/health")
        first = time.perf_counter()
        await call(app, f"/ns/w{index}/__mock/health")
        extra.append((first - started) - (time.perf_counter() - first))
    return statistics.median(extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drive", nargs=2, metavar=("SCENARIO", "N"))
    parser.add_argument("--low", type=int, default=200)
    parser.add_argument("--high", type=int, default=1200)
    parser.add_argument(
        "--before",
        metavar="SRC",
        help="also count `one` on the package in SRC (say, `git archive main` unpacked): "
        "the single-world cost before namespaces",
    )
    args = parser.parse_args()
    if args.drive:
        asyncio.run(drive(args.drive[0], int(args.drive[1])))
        return
    print(json.dumps(measure(args.low, args.high, args.before), indent=2))


def measure(low: int = 200, high: int = 1200, before: str | None = None) -> dict[str, Any]:
    """Every figure: memory per namespace, a server per worker against a namespace, and (with
    valgrind) instructions per request in each scenario."""
    results: dict[str, Any] = {
        "memory_bytes_per_namespace": memory_per_namespace(),
        "server_per_worker_against_namespace": server_costs(),
    }
    if shutil.which("valgrind"):
        costs = {name: per_request(name, low, high) for name in SCENARIOS}
        if before:
            costs["one-before"] = per_request("one", low, high, before)
        results["instructions_per_request"] = costs
        results["extra_vs_one"] = {
            name: costs[name] / costs["one"] - 1 for name in costs if name != "one"
        }
    return results


if __name__ == "__main__":
    main()
