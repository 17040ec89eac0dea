"""What every scenario of the benchmark shares: the mock's command and key, its logging, and
one measured run of a load."""

from __future__ import annotations

import json
import sys
import sysconfig
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from options import Options
from servers import BenchError, Reply, Server, free_port, http_call, running
from wrk import Load, WrkResult

__all__ = [
    "API_KEY",
    "AUTH",
    "BENCH_DIR",
    "JSON_AUTH",
    "call",
    "get_json",
    "log",
    "measure",
    "mock_command",
    "reset",
    "start_mock",
    "summary",
]

BENCH_DIR = Path(__file__).resolve().parent
API_KEY = "sk_test_acme_read_write"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}
MOCK_HEALTH = "/__mock/health"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def call(mock: Server, method: str, path: str, body: str | None) -> Reply:
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


def summary(result: WrkResult) -> str:
    p50, p99 = result.latency_ms.get("p50"), result.latency_ms.get("p99")
    rate = f"{result.requests_per_s:>9,.0f} req/s"
    return f"{rate}  p50 {p50} ms  p99 {p99} ms  non-2xx {result.non_2xx}"
