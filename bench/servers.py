"""Child server processes (start, wait until healthy, RSS, stop) and a small HTTP client."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HOST", "BenchError", "Reply", "Server", "free_port", "http_call", "running"]

HOST = "127.0.0.1"
POLL_SECONDS = 0.002
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
#: Direct connections only: a proxy from the environment must never see loopback traffic.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class BenchError(Exception):
    """A benchmark step failed; the message says which and why."""


@dataclass(frozen=True)
class Reply:
    status: int
    media_type: str
    body: bytes


def http_call(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    """One HTTP request; any status is a reply, only a failed connection raises."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Reply(response.status, response.headers.get_content_type(), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, error.headers.get_content_type(), error.read())


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running server process and what its start-up took."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    startup_s: float

    def rss_kib(self) -> int:
        """Resident set size from /proc/<pid>/status (VmRSS), in KiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise BenchError(f"{self.name}: no VmRSS in /proc/{self.process.pid}/status")

    def log_problems(self) -> list[str]:
        """Log lines that report an error (contract violations, tracebacks)."""
        text = self.log_path.read_text(errors="replace")
        markers = ("ERROR", "Traceback", "contract violation", "CRITICAL")
        return [line for line in text.splitlines() if any(mark in line for mark in markers)]


@contextmanager
def running(
    name: str,
    command: list[str],
    port: int,
    log_path: Path,
    health_path: str,
    env: Mapping[str, str] | None = None,
    health_headers: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """Start `command` (which listens on `port`), wait for a 200 on `health_path`, stop it on exit.

    `health_headers` go with each health request (a server without a health route is polled on
    one of its API routes, which may need the API key).

    The start-up time runs from the spawn to the first 200, polled every few milliseconds. The
    process gets its own session, so a Ctrl-C reaches only the harness, which stops it cleanly.
    """
    url = f"http://{HOST}:{port}"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            start_new_session=True,
        )
        try:
            startup = _wait_healthy(
                name, process, url + health_path, started, log_path, health_headers
            )
            yield Server(name, url, process, log_path, startup)
        finally:
            _stop(process)


def _wait_healthy(
    name: str,
    process: subprocess.Popen[bytes],
    url: str,
    started: float,
    log_path: Path,
    headers: Mapping[str, str] | None = None,
) -> float:
    """Seconds from `started` to the first 200 from `url`; fails if the process dies first."""
    while time.perf_counter() - started < STARTUP_TIMEOUT:
        if process.poll() is not None:
            raise BenchError(f"{name} exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            if http_call("GET", url, headers=headers, timeout=1.0).status == 200:
                return time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(POLL_SECONDS)
    raise BenchError(f"{name} was not healthy after {STARTUP_TIMEOUT:.0f} s:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, and kill if it does not end in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
