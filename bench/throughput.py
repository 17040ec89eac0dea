"""Steps 1 to 3: the four scenarios on the mock and on the ceiling (a bare Starlette app serving
the mock's own answers) under the same load, then a million more requests on the mock for its
memory."""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ceiling
import peers
from common import AUTH, BENCH_DIR, call, get_json, log, measure, reset, start_mock, summary
from options import Options
from servers import Server, free_port, running
from wrk import CONNECTIONS, Load, WrkResult

__all__ = ["LIST_ROUTE", "PATCH_BODY", "PAUSE_BODY", "Scenario", "throughput_and_memory"]

WRITES_LUA = BENCH_DIR / "writes.lua"
LIST_ROUTE = "/v1/sequences"
ITEM_ROUTE = "/v1/sequences/{sequence_id}"
PATCH_BODY = json.dumps({"variables": {"cta": "Coffee at the benchmark?"}})
PAUSE_BODY = json.dumps({"paused_until": "2030-01-01T00:00:00Z"})


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    load: Load
    #: The write mix's pool of ids; empty for the read scenarios.
    pool: tuple[str, ...] = ()


def throughput_and_memory(
    options: Options, workdir: Path
) -> tuple[dict[str, Any], list[Scenario], list[peers.Stub]]:
    """Steps 1 to 3: scenarios on both servers, then the million requests on the mock.

    Also the plan, and (with `--peers`) the mock's answers to every scenario URL, for WireMock.
    """
    with ExitStack() as stack:
        log("starting the mock (sequences-mock serve) and the ceiling")
        mock = start_mock(stack, workdir, "mock")
        plan = scenarios(mock)
        ceiling_server = start_ceiling(stack, workdir, record_responses(mock, plan))
        stubs = record_stubs(mock, plan) if options.peers else []
        log(f"mock up in {mock.startup_s * 1000:.0f} ms; scenarios ({options.duration} s each)")
        results = run_scenarios(mock, ceiling_server, plan, options)
        rss_after_scenarios = mock.rss_kib()
        log(f"memory: {options.million_requests:,} requests of get, list10, writes on the mock")
        by_name = {scenario.name: scenario for scenario in plan}
        loads = [
            (by_name[name].load, results[name]["mock"]["requests_per_s"])
            for name in ("get", "list10", "writes")
        ]
        memory = memory_run(mock, loads, options.million_requests, options)
        throughput = {
            "mock": {
                "command": "sequences-mock serve --port <free port>",
                "startup_ms": round(mock.startup_s * 1000, 1),
                "rss_after_scenarios_kib": rss_after_scenarios,
                "log_problems": mock.log_problems()[:20],
            },
            "scenarios": results,
            "memory": memory,
        }
        return throughput, plan, stubs


def scenarios(mock: Server) -> list[Scenario]:
    """The four scenarios, with ids found through the API (the key sees only Acme's runs)."""
    get_id = get_json(mock, "/v1/sequences?size=1")["items"][0]["id"]
    active = get_json(mock, "/v1/sequences?status=ACTIVE&size=100")["items"]
    pool = tuple(item["id"] for item in active)
    if 2 * len(pool) <= CONNECTIONS:
        log(f"warning: a pool of {len(pool)} ACTIVE runs is too small; expect 409s in writes")
    writes = Load(LIST_ROUTE, WRITES_LUA, (str(CONNECTIONS), PATCH_BODY, PAUSE_BODY, *pool))
    return [
        Scenario("list10", "GET /v1/sequences?size=10", Load("/v1/sequences?size=10")),
        Scenario(
            "list100",
            "GET /v1/sequences?size=100&status=ACTIVE",
            Load("/v1/sequences?size=100&status=ACTIVE"),
        ),
        Scenario("get", f"GET /v1/sequences/{get_id}", Load(f"/v1/sequences/{get_id}")),
        Scenario(
            "writes",
            f"over the {len(pool)} ACTIVE Acme runs: pause all, PATCH all, resume all, PATCH all,"
            " repeat (writes.lua)",
            writes,
            pool,
        ),
    ]


def record_responses(mock: Server, scenarios: list[Scenario]) -> list[ceiling.CannedResponse]:
    """The mock's own answers to every scenario request, for the ceiling to replay."""
    responses = []
    for scenario in (scenario for scenario in scenarios if not scenario.pool):
        split = urlsplit(scenario.load.path)
        route = LIST_ROUTE if split.path == LIST_ROUTE else ITEM_ROUTE
        responses.append(_record(mock, "GET", scenario.load.path, route, split.query, None))
    item = f"/v1/sequences/{next(scenario.pool[0] for scenario in scenarios if scenario.pool)}"
    responses += [
        _record(mock, "POST", f"{item}/pause", f"{ITEM_ROUTE}/pause", "", PAUSE_BODY),
        _record(mock, "PATCH", item, ITEM_ROUTE, "", PATCH_BODY),
        _record(mock, "POST", f"{item}/resume", f"{ITEM_ROUTE}/resume", "", None),
    ]
    reset(mock)
    return responses


def _record(
    mock: Server, method: str, path: str, route: str, query: str, body: str | None
) -> ceiling.CannedResponse:
    reply = call(mock, method, path, body)
    return ceiling.CannedResponse(
        method, route, query, reply.status, reply.media_type, reply.body.decode()
    )


def start_ceiling(
    stack: ExitStack, workdir: Path, responses: list[ceiling.CannedResponse]
) -> Server:
    """uvicorn with uvloop and httptools, no access log, one process, serving `responses`."""
    responses_path = workdir / "ceiling-responses.json"
    ceiling.save_responses(responses_path, responses)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "ceiling:create_app"]
    command += ["--app-dir", str(BENCH_DIR), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    command += ["--no-server-header", "--lifespan", "off", "--log-level", "warning"]
    env = {**os.environ, ceiling.ENV_VAR: str(responses_path)}
    log_path = workdir / "ceiling.log"
    return stack.enter_context(
        running("ceiling", command, port, log_path, ceiling.HEALTH_PATH, env=env)
    )


def run_scenarios(
    mock: Server, ceiling_server: Server, plan: list[Scenario], options: Options
) -> dict[str, Any]:
    """Each scenario on the ceiling and on the mock in turn, `options.rounds` times (so that
    both share whatever the machine drifts by), each round a share of `options.duration`;
    the mock is reset around writes."""
    results: dict[str, Any] = {}
    seconds = options.duration / options.rounds
    for scenario in plan:
        runs: dict[str, list[WrkResult]] = {"ceiling": [], "mock": []}
        for round_number in range(options.rounds):
            warmup = options.warmup if round_number == 0 else 0
            for name, server in (("ceiling", ceiling_server), ("mock", mock)):
                stateful = bool(scenario.pool) and server is mock
                before = (lambda: reset(mock)) if stateful else (lambda: None)
                result = measure(server, scenario.load, seconds, warmup, before, options)
                if stateful:
                    reset(mock)
                runs[name].append(result)
        entry: dict[str, Any] = {"request": scenario.description}
        for name, measured in runs.items():
            combined = combine(measured)
            log(f"  {scenario.name:8} {name:8} {summary(combined)}")
            entry[name] = asdict(combined)
        entry["ratio"] = round(
            entry["mock"]["requests_per_s"] / entry["ceiling"]["requests_per_s"], 4
        )
        entry["round_ratios"] = [
            round(mine.requests_per_s / theirs.requests_per_s, 4)
            for theirs, mine in zip(runs["ceiling"], runs["mock"], strict=True)
        ]
        results[scenario.name] = entry
    return results


def combine(rounds: list[WrkResult]) -> WrkResult:
    """Rounds of one load on one server as one run: requests over the time they took, each
    latency percentile the median of the rounds'."""
    requests = sum(result.requests for result in rounds)
    duration = sum(result.duration_s for result in rounds)
    percentiles = dict.fromkeys(key for result in rounds for key in result.latency_ms)
    errors: dict[str, int] = {}
    for result in rounds:
        for kind, count in result.socket_errors.items():
            errors[kind] = errors.get(kind, 0) + count
    return WrkResult(
        requests=requests,
        duration_s=round(duration, 3),
        requests_per_s=round(requests / duration, 2) if duration else 0.0,
        latency_ms={
            key: round(
                statistics.median(r.latency_ms[key] for r in rounds if key in r.latency_ms), 3
            )
            for key in percentiles
        },
        non_2xx=sum(result.non_2xx for result in rounds),
        socket_errors=errors,
    )


def memory_run(
    mock: Server, loads: list[tuple[Load, float]], target: int, options: Options
) -> dict[str, Any]:
    """Alternate wrk runs of `loads` (each with its measured req/s) until `target` are served."""
    before = mock.rss_kib()
    served = non_2xx = 0
    samples = [before]
    while served < target:
        for load, _ in loads:
            combined = sum(rate for _, rate in loads) or 1.0
            seconds = min(60, max(1, math.ceil((target - served) / combined)))
            result = options.drive(mock.url, load, seconds, AUTH)
            served += result.requests
            non_2xx += result.non_2xx
            samples.append(mock.rss_kib())
            log(f"  memory   {served:,} / {target:,} requests, RSS {samples[-1]:,} KiB")
            if served >= target:
                break
    after = samples[-1]
    return {
        "requests": served,
        "non_2xx": non_2xx,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "rss_change_percent": round(100 * (after - before) / before, 2),
        "rss_samples_kib": samples,
    }


def record_stubs(mock: Server, plan: list[Scenario]) -> list[peers.Stub]:
    """The mock's answer to every URL the scenarios request, for WireMock: each read, and the
    pause, PATCH and resume of every run in the write pool (the mock is reset afterwards)."""
    reads = [scenario.load.path for scenario in plan if not scenario.pool]
    requests: list[tuple[str, str, str | None]] = [("GET", path, None) for path in reads]
    for run_id in (run_id for scenario in plan for run_id in scenario.pool):
        item = f"{LIST_ROUTE}/{run_id}"
        requests += [
            ("POST", f"{item}/pause", PAUSE_BODY),
            ("PATCH", item, PATCH_BODY),
            ("POST", f"{item}/resume", None),
        ]
    stubs = []
    for method, path, body in requests:
        reply = call(mock, method, path, body)
        stubs.append(peers.Stub(method, path, reply.status, reply.media_type, reply.body))
    reset(mock)
    return stubs
