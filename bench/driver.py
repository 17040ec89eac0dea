"""A small load driver in Python, for runs on a machine without wrk (the smoke test's).

It sends the same loads as `wrk.py` (GETs of a path, or the write mix `writes.lua` builds) and
returns the same `WrkResult`, from a few threads with one keep-alive connection each. It loads a
server far less than wrk does, so its numbers are not comparable with wrk's: it proves the harness
end to end, and `make bench` keeps wrk for the figures.
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
    opening, cycle = plan(load)
    split = urlsplit(base_url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    state = _Shared(opening, cycle)
    deadline = time.perf_counter() + duration_s
    workers = [
        threading.Thread(
            target=_work, args=(host, port, dict(headers or {}), state, deadline), daemon=True
        )
        for _ in range(max(1, min(load.connections, MAX_CONNECTIONS)))
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


class _Shared:
    """What the threads share: the next request's position and what came back."""

    def __init__(self, opening: list[Request], cycle: list[Request]) -> None:
        self._opening, self._cycle = opening, cycle
        self._position = 0
        self._lock = threading.Lock()
        self.latencies_ms: list[float] = []
        self.non_2xx = 0
        self.error: str | None = None

    def next_request(self) -> Request:
        with self._lock:
            position = self._position
            self._position += 1
        if position < len(self._opening):
            return self._opening[position]
        return self._cycle[(position - len(self._opening)) % len(self._cycle)]

    def record(self, latency_ms: float, status: int) -> None:
        with self._lock:
            self.latencies_ms.append(latency_ms)
            self.non_2xx += not 200 <= status < 400


def _work(host: str, port: int, headers: dict[str, str], state: _Shared, deadline: float) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_S)
    try:
        while time.perf_counter() < deadline and state.error is None:
            method, path, body = state.next_request()
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
