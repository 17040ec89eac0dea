"""`--peers`: Prism and WireMock (see `peers.py`) under the scenarios' loads, one at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import peers
from common import AUTH, BENCH_DIR, log, measure, summary
from options import Options
from servers import BenchError, Server, free_port, http_call, running
from throughput import Scenario

__all__ = ["peers_benchmark"]

OPENAPI = BENCH_DIR.parent / "openapi.yaml"


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
            log(f"  {scenario.name:8} {peer.key:8} {summary(result)}")
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
