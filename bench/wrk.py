"""Running wrk (`-t1 -c32 --latency`) and reading its text report."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from servers import BenchError

__all__ = ["CONNECTIONS", "THREADS", "WRK_MISSING", "Load", "WrkResult", "run_wrk", "wrk_version"]

WRK_MISSING = "wrk is not installed: apt-get install wrk (Debian/Ubuntu) or brew install wrk"
THREADS = 1
CONNECTIONS = 32
#: wrk's own default (2 s) would count slow answers of a big world as errors, not as latency.
REQUEST_TIMEOUT = "30s"
PERCENTILES = ("50", "75", "90", "99")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class Load:
    """What wrk sends: GETs of `path`, or the requests a Lua script builds from its arguments.

    `connections` is how many requests are in flight at once: 32 to load a server, 1 to time
    what one request costs without queueing behind the others.
    """

    path: str
    script: Path | None = None
    script_args: tuple[str, ...] = ()
    connections: int = CONNECTIONS


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    requests_per_s: float
    latency_ms: dict[str, float]
    non_2xx: int
    socket_errors: dict[str, int] = field(default_factory=dict)


def wrk_path() -> str:
    """The wrk executable, or `BenchError` with the install hint."""
    path = shutil.which("wrk")
    if path is None:
        raise BenchError(WRK_MISSING)
    return path


def wrk_version() -> str:
    """wrk's version line without the copyright ("wrk debian/4.1.0-3+b2 [epoll]")."""
    output = subprocess.run(
        [wrk_path(), "--version"], capture_output=True, text=True, check=False
    ).stdout
    first = output.splitlines()[0] if output else "wrk (unknown version)"
    return first.split(" Copyright")[0].strip()


def run_wrk(
    base_url: str, load: Load, duration_s: float, headers: Mapping[str, str] | None = None
) -> WrkResult:
    """One wrk run of `duration_s` (whole) seconds against `base_url + load.path`."""
    seconds = int(duration_s)
    command = [wrk_path(), f"-t{THREADS}", f"-c{load.connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", REQUEST_TIMEOUT]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if load.script is not None:
        command += ["-s", str(load.script)]
    command.append(base_url + load.path)
    if load.script_args:
        command += ["--", *load.script_args]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return parse_report(completed.stdout)


def parse_report(text: str) -> WrkResult:
    """The numbers of a `wrk --latency` report."""
    totals = re.search(r"(\d+) requests in ([\d.]+)(\w+),", text)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if totals is None or rate is None:
        raise BenchError(f"cannot read this wrk report:\n{text}")
    # wrk pads one-letter units to the width of two ("1.02s "): a percentile of a second or more.
    latency = {
        f"p{percentile}": _milliseconds(match.group(1), match.group(2))
        for percentile in PERCENTILES
        if (match := re.search(rf"^\s+{percentile}%\s+([\d.]+)(\w+) *$", text, re.MULTILINE))
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    kinds = ("connect", "read", "write", "timeout")
    return WrkResult(
        requests=int(totals.group(1)),
        duration_s=round(_milliseconds(totals.group(2), totals.group(3)) / 1000, 3),
        requests_per_s=float(rate.group(1)),
        latency_ms=latency,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(zip(kinds, map(int, errors.groups()), strict=True)) if errors else {},
    )


def _milliseconds(value: str, unit: str) -> float:
    if unit not in _UNIT_MS:
        raise BenchError(f"unknown wrk time unit {unit!r}")
    return round(float(value) * _UNIT_MS[unit], 4)
