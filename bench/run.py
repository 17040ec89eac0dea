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

Prints the tables and writes everything as JSON to bench/results/bench-<UTC time>.json.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import ceiling
import consumer_suite
import lifecycle
import memory_replay
import peers
import report
import scale_world
import seed_stall
from options import Options, parse_args
from servers import BenchError, Reply, Server, free_port, http_call, running
from wrk import CONNECTIONS, WRK_MISSING, Load, WrkResult, wrk_path

BENCH_DIR = Path(__file__).resolve().parent
OPENAPI = BENCH_DIR.parent / "openapi.yaml"
WRITES_LUA = BENCH_DIR / "writes.lua"
API_KEY = "sk_test_acme_read_write"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}
MOCK_HEALTH = "/__mock/health"
LIST_ROUTE = "/v1/sequences"
ITEM_ROUTE = "/v1/sequences/{sequence_id}"
PATCH_BODY = json.dumps({"variables": {"cta": "Coffee at the benchmark?"}})
PAUSE_BODY = json.dumps({"paused_until": "2030-01-01T00:00:00Z"})
#: The deep-page query asks for this page, or for the last one when there are fewer.
DEEP_PAGE = 500
#: Scale runs are short: at most this many seconds each, after at most 1 s of warm-up.
SCALE_SECONDS = 5


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    load: Load
    #: The write mix's pool of ids; empty for the read scenarios.
    pool: tuple[str, ...] = ()


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
    if result.get("seed_stall"):
        print("\nhealth during a large seed:\n" + json.dumps(result["seed_stall"], indent=2))
    print(f"\nresults written to {path}")
    return 0


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into an exception, so every `finally` stops its server."""
    raise KeyboardInterrupt


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
        throughput, plan, stubs = _throughput_and_memory(options, workdir)
        result.update(throughput)
        result["peers"] = (
            peers_benchmark(plan, stubs, result["scenarios"], options, workdir)
            if options.peers
            else None
        )
        result["scale"] = None if options.skip_scale else scale_benchmark(options, workdir)
        log("memory replays (bench/memory_replay.py) on a fresh mock")
        result["memory_replay"] = memory_replay.replay_on_fresh_mock(mock_command, workdir)
        result["lifecycle"] = None if options.skip_scale else lifecycle_benchmark(options)
        result["seed_stall"] = None if options.skip_scale else seed_stall_benchmark(options)
        result["consumer_suite"] = (
            None if options.skip_consumer_suite else consumer_benchmark(options, workdir)
        )
    return _finished(result)


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


# -- servers -----------------------------------------------------------------------------------


def mock_command(port: int) -> list[str]:
    """`sequences-mock serve --port P` from this Python's environment, default flags otherwise."""
    executable = Path(sysconfig.get_path("scripts")) / "sequences-mock"
    if not executable.exists():
        raise BenchError(f"{executable} is missing: install the package first (make bench does)")
    return [str(executable), "serve", "--port", str(port)]


def start_mock(stack: ExitStack, workdir: Path, label: str) -> Server:
    port = free_port()
    log_path = workdir / f"{label}.log"
    return stack.enter_context(running(label, mock_command(port), port, log_path, MOCK_HEALTH))


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


def reset(mock: Server) -> None:
    reply = http_call("POST", mock.url + "/__mock/reset")
    if reply.status != 200:
        raise BenchError(f"POST /__mock/reset answered {reply.status}: {reply.body[:500]!r}")


def get_json(server: Server, path: str) -> Any:
    """GET `path` with the read-write key; anything but 200 is an error."""
    reply = http_call("GET", server.url + path, headers=AUTH)
    if reply.status != 200:
        raise BenchError(f"GET {path} answered {reply.status}: {reply.body[:500]!r}")
    return json.loads(reply.body)


# -- scenarios ---------------------------------------------------------------------------------


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
    reply = _call(mock, method, path, body)
    return ceiling.CannedResponse(
        method, route, query, reply.status, reply.media_type, reply.body.decode()
    )


def _call(mock: Server, method: str, path: str, body: str | None) -> Reply:
    """One request with the read-write key (and a JSON body, if any); anything but 200 fails."""
    headers = AUTH if body is None else JSON_AUTH
    data = None if body is None else body.encode()
    reply = http_call(method, mock.url + path, data, headers)
    if reply.status != 200:
        raise BenchError(f"{method} {path} answered {reply.status}: {reply.body[:500]!r}")
    return reply


def measure(
    server: Server,
    load: Load,
    duration: float,
    warmup: int,
    before: Callable[[], None],
    options: Options,
) -> WrkResult:
    """A warm-up run (if any), then the measured run; `before` runs ahead of each."""
    if warmup:
        before()
        options.drive(server.url, load, warmup, AUTH)
    before()
    return options.drive(server.url, load, duration, AUTH)


def run_scenarios(
    mock: Server, ceiling_server: Server, plan: list[Scenario], options: Options
) -> dict[str, Any]:
    """Each scenario against the ceiling, then against the mock; the mock is reset around writes."""
    results: dict[str, Any] = {}
    for scenario in plan:
        entry: dict[str, Any] = {"request": scenario.description}
        for server in (ceiling_server, mock):
            stateful = bool(scenario.pool) and server is mock
            before = (lambda: reset(mock)) if stateful else (lambda: None)
            result = measure(
                server, scenario.load, options.duration, options.warmup, before, options
            )
            if stateful:
                reset(mock)
            log(f"  {scenario.name:8} {server.name:8} {_summary(result)}")
            entry["ceiling" if server is ceiling_server else "mock"] = asdict(result)
        entry["ratio"] = round(
            entry["mock"]["requests_per_s"] / entry["ceiling"]["requests_per_s"], 4
        )
        results[scenario.name] = entry
    return results


def _summary(result: WrkResult) -> str:
    p50, p99 = result.latency_ms.get("p50"), result.latency_ms.get("p99")
    rate = f"{result.requests_per_s:>9,.0f} req/s"
    return f"{rate}  p50 {p50} ms  p99 {p99} ms  non-2xx {result.non_2xx}"


# -- memory ------------------------------------------------------------------------------------


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


def _throughput_and_memory(
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


# -- peers -------------------------------------------------------------------------------------


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
        reply = _call(mock, method, path, body)
        stubs.append(peers.Stub(method, path, reply.status, reply.media_type, reply.body))
    reset(mock)
    return stubs


def peers_benchmark(
    plan: list[Scenario],
    stubs: list[peers.Stub],
    results: dict[str, Any],
    options: Options,
    workdir: Path,
) -> dict[str, Any]:
    """`--peers`: Prism, then WireMock with and without its journal, each alone under the
    scenarios' loads. A peer that cannot be installed or started is reported with the reason;
    the run goes on."""
    health = next(scenario.load.path for scenario in plan if not scenario.pool)
    preparers: dict[str, Callable[[int], peers.Peer]] = {
        "prism": lambda port: peers.prepare_prism(OPENAPI, workdir, port, health, AUTH),
        "wiremock": lambda port: peers.prepare_wiremock(workdir, port, stubs, AUTH),
        "wiremock-nojournal": lambda port: peers.prepare_wiremock(
            workdir, port, stubs, AUTH, journal=False
        ),
    }
    measured: dict[str, Any] = {}
    for key, prepare in preparers.items():
        try:
            measured[key] = peer_run(prepare(free_port()), plan, stubs, results, options, workdir)
        except Exception as error:  # whatever goes wrong with a peer, the run goes on
            known = isinstance(error, peers.PeerUnavailable | BenchError)
            reason = str(error) if known else f"{type(error).__name__}: {error}"
            log(f"{key}: not measured: {reason}")
            measured[key] = {"error": reason}
    return measured


def peer_run(
    peer: peers.Peer,
    plan: list[Scenario],
    stubs: list[peers.Stub],
    results: dict[str, Any],
    options: Options,
    workdir: Path,
) -> dict[str, Any]:
    """Start `peer`, check its answers to the reads, run every scenario on it, stop it."""
    log(f"starting {peer.name} {peer.version} ({peer.runtime})")
    log_path = workdir / f"{peer.key}.log"
    with running(
        peer.name,
        peer.command,
        peer.port,
        log_path,
        peer.health_path,
        health_headers=peer.health_headers,
    ) as server:
        log(f"{peer.name} up in {server.startup_s * 1000:.0f} ms")
        recorded = {(stub.method, stub.url): stub.body for stub in stubs}
        scenarios: dict[str, Any] = {}
        for scenario in plan:
            entry: dict[str, Any] = {}
            scenarios[scenario.name] = entry
            try:
                if not scenario.pool:
                    entry["response"] = _probe(server, scenario.load.path, recorded)
                result = measure(
                    server, scenario.load, options.duration, options.warmup, lambda: None, options
                )
            except (BenchError, OSError) as error:  # a failed scenario; the others still run
                log(f"  {scenario.name:8} {peer.key:8} failed: {error}")
                entry["error"] = str(error)
                continue
            log(f"  {scenario.name:8} {peer.key:8} {_summary(result)}")
            ceiling_rate = results[scenario.name]["ceiling"]["requests_per_s"]
            mock_rate = results[scenario.name]["mock"]["requests_per_s"]
            rate = result.requests_per_s
            entry["result"] = asdict(result)
            entry["ratio"] = round(rate / ceiling_rate, 4) if ceiling_rate else None
            entry["mock_over_peer"] = round(mock_rate / rate, 3) if rate else None
        rss = server.rss_kib() if server.process.poll() is None else None
    return {
        **peer.describe(),
        "startup_ms": round(server.startup_s * 1000, 1),
        "rss_after_scenarios_kib": rss,
        "scenarios": scenarios,
        "error": None,
    }


def _probe(server: Server, path: str, recorded: dict[tuple[str, str], bytes]) -> dict[str, Any]:
    """One GET of `path`: status, type and size of the peer's answer, against the mock's."""
    reply = http_call("GET", server.url + path, headers=AUTH)
    mock_body = recorded.get(("GET", path))
    return {
        "status": reply.status,
        "media_type": reply.media_type,
        "bytes": len(reply.body),
        "mock_bytes": None if mock_body is None else len(mock_body),
        "same_bytes_as_mock": reply.body == mock_body,
    }


# -- scale -------------------------------------------------------------------------------------


def scale_benchmark(options: Options, workdir: Path) -> dict[str, Any]:
    """Step 4: the same queries on a small and a large generated world (one connection, so the
    latencies are those of the queries themselves); p50 ratios."""
    small = scale_world_run(options.scale_small, options, workdir)
    large = scale_world_run(options.scale, options, workdir)
    ratios = {}
    for name in small["queries"]:
        low = small["queries"][name]["result"]["latency_ms"].get("p50")
        high = large["queries"][name]["result"]["latency_ms"].get("p50")
        ratios[name] = round(high / low, 2) if low and high else None
    return {"small": small, "large": large, "p50_ratio": ratios}


def scale_world_run(n: int, options: Options, workdir: Path) -> dict[str, Any]:
    """Generate a world of `n` sequences, seed a fresh mock with it, and time the queries."""
    log(f"scale: generating and seeding {n:,} sequences")
    document = scale_world.generate(n)
    template_id = document["templates"][0]["id"]
    body = json.dumps(document).encode()
    del document
    with ExitStack() as stack:
        mock = start_mock(stack, workdir, f"mock-scale-{n}")
        rss_fresh = mock.rss_kib()
        seed_s = seed(mock, body)
        rss_seeded = mock.rss_kib()
        duration, warmup = min(options.duration, SCALE_SECONDS), min(options.warmup, 1)
        queries = {}
        for name, path in scale_queries(mock, template_id).items():
            # One connection: the latency of the query itself, not of a queue of 32.
            result = measure(
                mock, Load(path, connections=1), duration, warmup, lambda: None, options
            )
            log(f"  {name:10} @{n:<7} {_summary(result)}")
            queries[name] = {"request": f"GET {path}", "result": asdict(result)}
        return {
            "sequences": n,
            "document_bytes": len(body),
            "seed_s": round(seed_s, 3),
            "rss_before_seed_kib": rss_fresh,
            "rss_after_seed_kib": rss_seeded,
            "queries": queries,
            "log_problems": mock.log_problems()[:20],
        }


def seed(mock: Server, body: bytes) -> float:
    """POST the document to /__mock/seed (replace); the round trip in seconds."""
    started = time.perf_counter()
    reply = http_call(
        "POST",
        mock.url + "/__mock/seed?mode=replace",
        body,
        {"Content-Type": "application/json"},
        timeout=900,
    )
    elapsed = time.perf_counter() - started
    if reply.status != 200:
        raise BenchError(f"seeding answered {reply.status}: {reply.body[:2000]!r}")
    return elapsed


def scale_queries(mock: Server, template_id: str) -> dict[str, str]:
    """The three timed queries; the deep page is page 500 of ACTIVE runs, or the last one."""
    pages = get_json(mock, "/v1/sequences?status=ACTIVE&size=100")["total_pages"]
    queries = {
        "filtered": f"/v1/sequences?status=ACTIVE&template_id={template_id}",
        "sorted": "/v1/sequences?sort_by=updated_at&order=desc",
        "deep_page": f"/v1/sequences?status=ACTIVE&page={max(1, min(DEEP_PAGE, pages))}&size=100",
    }
    for path in queries.values():
        get_json(mock, path)
    return queries


if __name__ == "__main__":
    sys.exit(main())
