"""Replay the memory findings against a running mock and compare its RSS before and after.

Each replay starts from a reset, and repeats what once made memory grow:

- journal flood: 12,000 GETs with a 60 KB query string (once RSS 48 -> 632 MB);
- variables growth: 30 PATCHes of about 1 MiB rewriting a run's 100 overrides, each followed by
  a list, and 60 PATCHes adding 100 new overrides each (60 such once left one run with 3.6M
  overrides; now each is refused);
- seed/reset: 600 times seeding the state dump back, a list, and a reset (once 48 -> 112 MB);
- hostile bodies: ~1 MiB bodies built for the most schema problems (long names, unknown keys,
  over-long values, wrong types) to every operation with a body, and as seeds (one PATCH of
  long names once blocked the loop 8.9 s and took 2.3 GB);
- clock moves: a world of runs of 100 steps, each round one long move (once 10M events blocked
  the loop 14.8 s and kept 2 GB of history);
- slow readers: clients that ask for a 20 MB state dump and never read it, held past the send
  timeout (30 such once pinned 1.5 GB indefinitely);
- seed queue: 8 seeds of 20 MB at once (16 of 113 MB once peaked at 2.1 GB).

While each replay runs, a thread asks `/__mock/health` every 20 ms: the slowest answer is how
long the loop was held at worst.

RSS is read right before and right after each: bounded memory stays flat, within
`FLAT_PERCENT`. Needs only the mock and httpx (no wrk). Standalone, `python
bench/memory_replay.py` starts `python -m sequences_mock serve` on a free port; `bench/run.py`
calls `replay_on_fresh_mock` and prints `render`.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import httpx
import orjson
import world
from hostile_bodies import SHAPES, hostile_body, hostile_fixture
from servers import BenchError, Server, free_port, running

from sequences_mock.contract.openapi import CONTROL_OPENAPI, Contract

__all__ = ["FLAT_PERCENT", "render", "replay", "replay_on_fresh_mock"]

#: The most RSS may grow between "before" and "after" for a replay to count as flat.
FLAT_PERCENT = 20
#: Seconds between a replay's last answer and its "after" reading.
SETTLE_SECONDS = 0.5
AUTH = {"Authorization": "Bearer sk_test_acme_read_write"}
#: Amélie Dubois' run of the default world.
RUN = "/v1/sequences/1ca9fa48-7489-48e1-a93b-8d5a708d3342"
FLOOD_QUERY = "q=" + "9" * 60_000
FLOOD_CALLS, VARIABLES_ROUNDS, SEED_ROUNDS = 12_000, 30, 600
HOSTILE_ROUNDS, MOVE_ROUNDS, SLOW_READERS, QUEUED_SEEDS = 5, 3, 8, 8
#: Runs of 100 steps in the clock-move world: each move runs 300,000 steps.
MOVE_RUNS = 3000
#: Seconds a slow reader holds its connection: past the mock's 30 s send timeout.
SLOW_READ_SECONDS = 33
#: Replays whose "before" is read after a warm-up of that many rounds: the allocator keeps the
#: peak of a round (1 MiB bodies parsed; two 20 MB seeds built at once, on worker threads whose
#: allocator arenas keep what they freed), tens of MiB once, which is not growth; later rounds
#: add nothing.
WARM_UP_ROUNDS = {"hostile_bodies": 1, "seed_queue": QUEUED_SEEDS}
REPLAYS = (
    "journal_flood",
    "variables_growth",
    "seed_reset",
    "hostile_bodies",
    "clock_moves",
    "slow_readers",
    "seed_queue",
)


def replay(server: Server, only: Collection[str] = (), fraction: float = 1.0) -> dict[str, Any]:
    """Run the replays (those named in `only`, or all) on `server`, a mock of the default world,
    one after the other; each with `fraction` of its rounds (at least one: smoke runs)."""
    results: dict[str, Any] = {"rss_fresh_kib": server.rss_kib(), "replays": {}}
    replays: list[tuple[str, str, Callable[[httpx.Client, int], int], int]] = [
        ("journal_flood", "GET with a 60 KB query", _flood, FLOOD_CALLS),
        (
            "variables_growth",
            "PATCH of ~1 MiB of variables + list; PATCH adding 100 more",
            _variables,
            VARIABLES_ROUNDS,
        ),
        ("seed_reset", "seed the state dump back, list, reset", _seed_reset, SEED_ROUNDS),
        (
            "hostile_bodies",
            "1 MiB bodies of 4 shapes to each operation with a body and as seeds, after a round",
            _hostile,
            HOSTILE_ROUNDS,
        ),
        ("clock_moves", "seed 3,000 runs of 100 steps, move 200 days, reset", _moves, MOVE_ROUNDS),
        ("slow_readers", "8 clients never reading a 20 MB answer, 33 s", _slow, SLOW_READERS),
        (
            "seed_queue",
            "8 seeds of 20 MB at once, twice, after a round",
            _queued_seeds,
            QUEUED_SEEDS,
        ),
    ]
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=120) as client:
        for name, what, step, rounds in replays:
            if only and name not in only:
                continue
            _check(client.post("/__mock/reset"), 200)
            started = time.perf_counter()
            # A smoke run (a fraction of the rounds) judges no RSS: it needs no warm-up.
            if warm_up := round(WARM_UP_ROUNDS.get(name, 0) * fraction):
                step(client, warm_up)
                time.sleep(SETTLE_SECONDS)
            before = server.rss_kib()
            with _HealthProbe(server.url) as probe:
                requests = step(client, max(1, round(rounds * fraction)))
            # What the mock does after answering settles first: memory freed by a large seed
            # is handed back on a thread of its own.
            time.sleep(SETTLE_SECONDS)
            after = server.rss_kib()
            change = round(100 * (after - before) / before, 1)
            results["replays"][name] = {
                "what": what,
                "requests": requests,
                "rss_before_kib": before,
                "rss_after_kib": after,
                "rss_change_percent": change,
                "flat": change <= FLAT_PERCENT,
                "health_max_ms": round(probe.slowest * 1000, 1),
                "seconds": round(time.perf_counter() - started, 1),
            }
            print(f"  {name:16} {render_line(results['replays'][name])}", file=sys.stderr)
    return results


def replay_on_fresh_mock(
    command: Callable[[int], list[str]],
    workdir: Path,
    only: Collection[str] = (),
    fraction: float = 1.0,
) -> dict[str, Any]:
    """`replay` on a mock started with `command(port)` on a free port, stopped afterwards."""
    port = free_port()
    log_path = workdir / "memory-replay.log"
    with running("memory", command(port), port, log_path, "/__mock/health") as server:
        return replay(server, only, fraction)


def _flood(client: httpx.Client, count: int) -> int:
    # Built once: httpx takes 9 ms to parse a 60 KB URL, the mock 1 ms to answer it.
    request = client.build_request("GET", f"/v1/sequences?{FLOOD_QUERY}")
    for _ in range(count):
        response = client.send(request)
        response.read()
        _check(response, 200)
    return count


def _variables(client: httpx.Client, rounds: int) -> int:
    """Rewrite the run's 100 overrides (10,000 characters each) and list, `rounds` times; then
    try to add 100 more at once, twice as often (each refused: a run holds 100)."""
    names = ["first_name", *(f"v{index:02d}" for index in range(99))]
    for round_ in range(rounds):
        variables = {name: f"{round_}{name}".ljust(10_000, "x") for name in names}
        _check(client.patch(RUN, json={"variables": variables}), 200)
        _check(client.get("/v1/sequences?size=100"), 200)
    attempts = 2 * rounds
    for attempt in range(attempts):
        added = {f"n{attempt}-{index}": "y" * 10_000 for index in range(100)}
        _check(client.patch(RUN, json={"variables": added}), 422)
    return 2 * rounds + attempts


def _seed_reset(client: httpx.Client, rounds: int) -> int:
    dump = client.get("/__mock/state").content
    json_type = {"Content-Type": "application/json"}
    for _ in range(rounds):
        _check(client.post("/__mock/seed", content=dump, headers=json_type), 200)
        _check(client.get("/v1/sequences?size=100"), 200)
        _check(client.post("/__mock/reset"), 200)
    return 3 * rounds


def _hostile(client: httpx.Client, rounds: int) -> int:
    world = client.get("/__mock/state").json()
    targets = _operations_with_a_body()
    json_type = {"Content-Type": "application/json"}
    sent = 0
    for _ in range(rounds):
        for shape in SHAPES:
            for method, path, fields in targets:
                body = orjson.dumps(hostile_body(shape, fields))
                answer = client.request(method, path, content=body, headers=json_type)
                _check_refused(answer)
            _check_refused(
                client.post(
                    "/__mock/seed", content=hostile_fixture(world, shape), headers=json_type
                )
            )
            sent += len(targets) + 1
    return sent


def _operations_with_a_body() -> list[tuple[str, str, list[str]]]:
    """(method, path, declared body fields) of each operation with a body, but the seed."""
    found = []
    for contract in (Contract.load(), Contract.load(CONTROL_OPENAPI)):
        for operation in contract.operations:
            if operation.body is None or operation.operation_id == "seedWorld":
                continue
            raw = contract.document["paths"][operation.path.removeprefix(contract.base_path)]
            request = raw[operation.method.lower()]["requestBody"]["content"]["application/json"]
            schema = _resolved(contract, request["schema"])
            path = operation.path.replace("{sequence_id}", RUN.rsplit("/", 1)[1])
            found.append((operation.method, path, list(schema.get("properties", {}))))
    return found


def _resolved(contract: Contract, node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = contract.document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _moves(client: httpx.Client, rounds: int) -> int:
    body = orjson.dumps(
        world.generate(MOVE_RUNS, cadence=[{"type": "email", "wait": "PT1H"}] * 100)
    )
    json_type = {"Content-Type": "application/json"}
    for _ in range(rounds):
        _check(client.post("/__mock/seed", content=body, headers=json_type), 200)
        _check(client.post("/__mock/clock", json={"advance_seconds": 200 * 86400}), 200)
        _check(client.post("/__mock/reset"), 200)
    return 3 * rounds


def _big_world(client: httpx.Client) -> bytes:
    """The default world with 20 more runs of 100 variables of 10,000 characters: 20 MB."""
    world = client.get("/__mock/state").json()
    template = world["sequences"][0]
    variables = {f"v{n}": "x" * 10_000 for n in range(100)}
    world["sequences"] += [
        {**template, "id": f"00000000-0000-4000-8000-{n:012d}", "variables": variables}
        for n in range(20)
    ]
    return orjson.dumps(world)


def _slow(client: httpx.Client, readers: int) -> int:
    _check(
        client.post(
            "/__mock/seed", content=_big_world(client), headers={"Content-Type": "application/json"}
        ),
        200,
    )
    host, port = str(client.base_url).removeprefix("http://").rstrip("/").rsplit(":", 1)
    sockets = [socket.create_connection((host, int(port)), timeout=5) for _ in range(readers)]
    try:
        for sock in sockets:
            sock.sendall(b"GET /__mock/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        time.sleep(SLOW_READ_SECONDS)
    finally:
        for sock in sockets:
            sock.close()
    _check(client.post("/__mock/reset"), 200)
    return readers + 2


def _queued_seeds(client: httpx.Client, seeds: int) -> int:
    body = _big_world(client)
    statuses: list[int] = []

    def seed() -> None:
        with httpx.Client(base_url=client.base_url, timeout=120) as own:
            answer = own.post(
                "/__mock/seed", content=body, headers={"Content-Type": "application/json"}
            )
            statuses.append(answer.status_code)

    for _ in range(2):
        threads = [threading.Thread(target=seed) for _ in range(seeds)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        _check(client.post("/__mock/reset"), 200)
    if not set(statuses) <= {200, 503} or 200 not in statuses:
        raise BenchError(f"queued seeds answered {sorted(statuses)}")
    return len(statuses) + 2


class _HealthProbe:
    """Asks `/__mock/health` every 20 ms on a thread of its own; `slowest` is the longest wait."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._done = threading.Event()
        self.slowest = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(60)

    def _run(self) -> None:
        with httpx.Client(base_url=self._url, timeout=60) as client:
            while not self._done.wait(0.02):
                asked = time.perf_counter()
                client.get("/__mock/health")
                self.slowest = max(self.slowest, time.perf_counter() - asked)


def _check_refused(response: httpx.Response) -> None:
    if not 400 <= response.status_code < 500 or len(response.content) > 64 * 1024:
        raise BenchError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} in {len(response.content):,} bytes, not a 4xx under 64 KiB"
        )


def _check(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        request = f"{response.request.method} {response.request.url.path}"
        raise BenchError(f"{request} answered {response.status_code}, not {status}: "
                         f"{response.text[:300]}")  # fmt: skip


def render_line(replay: dict[str, Any]) -> str:
    verdict = "flat" if replay["flat"] else f"GREW more than {FLAT_PERCENT}%"
    return (
        f"{replay['requests']:>6,} requests  RSS {replay['rss_before_kib'] / 1024:6.1f} -> "
        f"{replay['rss_after_kib'] / 1024:6.1f} MiB ({replay['rss_change_percent']:+.1f}%, "
        f"{verdict})  health at worst {replay.get('health_max_ms', 0):.0f} ms  "
        f"{replay['seconds']:.1f} s"
    )


def render(result: dict[str, Any]) -> str:
    """The replays as printed lines, under the fresh mock's RSS."""
    lines = [
        f"Memory replays (RSS right before and after each; fresh mock "
        f"{result['rss_fresh_kib'] / 1024:.1f} MiB):"
    ]
    for name, replay in result["replays"].items():
        lines.append(f"  {name:16} {render_line(replay)}  [{replay['what']}]")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=REPLAYS, help="run just this replay")
    only = parser.parse_args().only or ()

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "sequences_mock", "serve", "--port", str(port)]

    try:
        with tempfile.TemporaryDirectory(prefix="sequences-mock-memory-") as work:
            result = replay_on_fresh_mock(command, Path(work), only)
    except BenchError as error:
        print(f"memory replay: {error}", file=sys.stderr)
        return 1
    print(render(result))
    print(json.dumps(result, indent=2))
    return 0 if all(replay["flat"] for replay in result["replays"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
