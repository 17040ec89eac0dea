"""A small load driver in Python, for runs on a machine without wrk (the smoke test's).

It sends the same loads as `wrk.py` (GETs of a path, or the write mix `writes.lua` builds) and
returns the same `WrkResult`, from a few threads with one keep-alive connection each. It loads a
server far less than wrk does, so its numbers are not comparable with wrk's: it proves the harness
end to end, and `make bench` keeps wrk for the figures.

A thread can be descheduled for any time between taking a request and sending it, so the write
mix's runs are shared out: all the requests of one run go, in order, through one thread.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from servers import BenchError
from wrk import PERCENTILES, Load, WrkResult

__all__ = ["DRIVER", "MAX_CONNECTIONS", "run_builtin"]

DRIVER = "builtin (Python threads, http.client keep-alive)"
#: Threads, each with one connection; more only fight over the GIL.
MAX_CONNECTIONS = 4
REQUEST_TIMEOUT_S = 30.0

#: (method, path, body) of one request.
Request = tuple[str, str, bytes | None]


def run_builtin(
    base_url: str, load: Load, duration_s: float, headers: Mapping[str, str] | None = None
) -> WrkResult:
    """Drive `base_url` with `load` for `duration_s` seconds; the result in wrk's terms."""
    split = urlsplit(base_url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    state = _Shared()
    deadline = time.perf_counter() + duration_s
    shares = share(*plan(load), max(1, min(load.connections, MAX_CONNECTIONS)))
    workers = [
        threading.Thread(
            target=_work,
            args=(host, port, dict(headers or {}), opening, cycle, state, deadline),
            daemon=True,
        )
        for opening, cycle in shares
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(duration_s + REQUEST_TIMEOUT_S + 5)
    elapsed = time.perf_counter() - started
    if state.error is not None:
        raise BenchError(f"the built-in driver failed: {state.error}")
    latencies = sorted(state.latencies_ms)
    if not latencies:
        raise BenchError(f"the built-in driver got no answer from {base_url}{load.path}")
    return WrkResult(
        requests=len(latencies),
        duration_s=round(elapsed, 3),
        requests_per_s=round(len(latencies) / elapsed, 2),
        latency_ms={
            f"p{percentile}": round(latencies[_rank(len(latencies), int(percentile))], 4)
            for percentile in PERCENTILES
        },
        non_2xx=state.non_2xx,
        socket_errors={},
    )


def plan(load: Load) -> tuple[list[Request], list[Request]]:
    """The requests to send, in order: an opening sent once, then a cycle repeated."""
    if load.script is None:
        return [], [("GET", load.path, None)]
    if load.script.name != "writes.lua":
        raise BenchError(f"the built-in driver knows no script {load.script.name}")
    # writes.lua's arguments: connections, the PATCH body, the pause body, then the ids.
    connections, patch_body, pause_body, *ids = load.script_args
    if not ids:
        raise BenchError("the write mix needs at least one id")
    patch, pause = patch_body.encode(), pause_body.encode()
    item = "/v1/sequences/{}".format
    opening: list[Request] = [
        ("PATCH", item(ids[i % len(ids)]), patch) for i in range(2 * int(connections))
    ]
    cycle: list[Request] = []
    for method, suffix, body in (
        ("POST", "/pause", pause),
        ("PATCH", "", patch),
        ("POST", "/resume", None),
        ("PATCH", "", patch),
    ):
        cycle += [(method, item(sequence_id) + suffix, body) for sequence_id in ids]
    return opening, cycle


def share(
    opening: list[Request], cycle: list[Request], threads: int
) -> list[tuple[list[Request], list[Request]]]:
    """Each thread's opening and cycle: every run's requests on one thread, in their order."""
    runs = list(dict.fromkeys(run for _, path, _ in cycle if (run := _run_of(path))))
    if not runs:
        return [(opening, cycle)] * threads
    owner = {run: i % threads for i, run in enumerate(runs)}
    return [
        (
            [request for request in opening if owner[_run_of(request[1])] == thread],
            [request for request in cycle if owner[_run_of(request[1])] == thread],
        )
        for thread in range(min(threads, len(runs)))
    ]


def _run_of(path: str) -> str:
    """The sequence id in `/v1/sequences/{id}[/action]`; empty for the list."""
    parts = path.split("?", 1)[0].split("/")
    return parts[3] if len(parts) > 3 else ""


class _Shared:
    """What the threads report: every answer's latency and status, or the first failure."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latencies_ms: list[float] = []
        self.non_2xx = 0
        self.error: str | None = None

    def record(self, latency_ms: float, status: int) -> None:
        with self._lock:
            self.latencies_ms.append(latency_ms)
            self.non_2xx += not 200 <= status < 400


def _work(
    host: str,
    port: int,
    headers: dict[str, str],
    opening: list[Request],
    cycle: list[Request],
    state: _Shared,
    deadline: float,
) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_S)
    position = 0
    try:
        while time.perf_counter() < deadline and state.error is None:
            if position < len(opening):
                method, path, body = opening[position]
            else:
                method, path, body = cycle[(position - len(opening)) % len(cycle)]
            position += 1
            request_headers = dict(headers)
            if body is not None:
                request_headers["Content-Type"] = "application/json"
            sent = time.perf_counter()
            connection.request(method, path, body=body, headers=request_headers)
            response = connection.getresponse()
            response.read()
            state.record(1000 * (time.perf_counter() - sent), response.status)
    except (OSError, http.client.HTTPException) as error:
        state.error = f"{type(error).__name__}: {error}"
    finally:
        connection.close()


def _rank(count: int, percentile: int) -> int:
    """The index of a percentile in `count` sorted samples (nearest rank)."""
    return min(count - 1, max(0, -(-count * percentile // 100) - 1))
