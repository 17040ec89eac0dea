"""Replay the memory findings against a running mock and compare its RSS before and after.

Each replay starts from a reset, and repeats what once made memory grow:

- journal flood: 12,000 GETs with a 60 KB query string (once RSS 48 -> 632 MB);
- variables growth: 30 PATCHes of about 1 MiB rewriting a run's 100 overrides, each followed by
  a list, and 60 PATCHes adding 100 new overrides each (60 such once left one run with 3.6M
  overrides; now each is refused);
- seed/reset: 600 times seeding the state dump back, a list, and a reset (once 48 -> 112 MB).

RSS is read right before and right after each: bounded memory stays flat, within
`FLAT_PERCENT`. Needs only the mock and httpx (no wrk). Standalone, `python
bench/memory_replay.py` starts `python -m sequences_mock serve` on a free port; `bench/run.py`
calls `replay_on_fresh_mock` and prints `render`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import httpx
from servers import BenchError, Server, free_port, running

__all__ = ["FLAT_PERCENT", "render", "replay", "replay_on_fresh_mock"]

#: The most RSS may grow between "before" and "after" for a replay to count as flat.
FLAT_PERCENT = 20
AUTH = {"Authorization": "Bearer sk_test_acme_read_write"}
#: Amélie Dubois' run of the default world.
RUN = "/v1/sequences/1ca9fa48-7489-48e1-a93b-8d5a708d3342"
FLOOD_QUERY = "q=" + "9" * 60_000
FLOOD_CALLS, VARIABLES_ROUNDS, SEED_ROUNDS = 12_000, 30, 600
REPLAYS = ("journal_flood", "variables_growth", "seed_reset")


def replay(server: Server, only: Collection[str] = ()) -> dict[str, Any]:
    """Run the replays (those named in `only`, or all three) on `server`, a mock of the default
    world, one after the other."""
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
    ]
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=120) as client:
        for name, what, step, rounds in replays:
            if only and name not in only:
                continue
            _check(client.post("/__mock/reset"), 200)
            started = time.perf_counter()
            before = server.rss_kib()
            requests = step(client, rounds)
            after = server.rss_kib()
            change = round(100 * (after - before) / before, 1)
            results["replays"][name] = {
                "what": what,
                "requests": requests,
                "rss_before_kib": before,
                "rss_after_kib": after,
                "rss_change_percent": change,
                "flat": change <= FLAT_PERCENT,
                "seconds": round(time.perf_counter() - started, 1),
            }
            print(f"  {name:16} {render_line(results['replays'][name])}", file=sys.stderr)
    return results


def replay_on_fresh_mock(
    command: Callable[[int], list[str]], workdir: Path, only: Collection[str] = ()
) -> dict[str, Any]:
    """`replay` on a mock started with `command(port)` on a free port, stopped afterwards."""
    port = free_port()
    log_path = workdir / "memory-replay.log"
    with running("memory", command(port), port, log_path, "/__mock/health") as server:
        return replay(server, only)


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
        f"{verdict})  {replay['seconds']:.1f} s"
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
