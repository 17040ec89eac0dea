"""The lifecycle at scale: N ACTIVE runs of 5-step templates, one clock move that runs them all.

Seeds the world through `POST /__mock/seed` on a real socket, moves the clock 30 days with one
`POST /__mock/clock` (every run executes its five steps: at least 5 N events), then times list
queries one at a time, and in process what a clock move and a read cost when nothing is due.
Prints one JSON document; `python bench/lifecycle.py [N]` (default 100,000).
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import world

from sequences_mock.server import MockServer
from sequences_mock.settings import Settings

__all__ = ["measure"]

#: Five steps, all automatic and reachable: each run ends SUCCEEDED within 30 days.
STEPS = [
    {"type": "email", "wait": "PT0S"},
    {"type": "email", "wait": "P3D"},
    {"type": "linkedin", "wait": "P2D"},
    {"type": "email", "wait": "P2D"},
    {"type": "email", "wait": "P3D"},
]
THIRTY_DAYS = 30 * 86400


def _median_us(action: Callable[[], object], rounds: int = 20_000) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(n: int) -> dict[str, Any]:
    document = world.generate(n, cadence=STEPS)
    workspace_id, run_id = document["workspaces"][0]["id"], document["sequences"][0]["id"]
    body = json.dumps(document).encode()
    del document
    headers = {"Authorization": f"Bearer {world.API_KEY}"}
    with MockServer(Settings()) as server, httpx.Client(base_url=server.url, timeout=120) as http:
        started = time.perf_counter()
        seeded = http.post(
            "/__mock/seed", content=body, headers={"Content-Type": "application/json"}
        )
        seed_s = time.perf_counter() - started
        seeded.raise_for_status()
        runtime = server.app.state.runtime
        store = runtime.store
        nothing_due = {
            "catch_up_us": _median_us(store.catch_up),
            "get_us": _median_us(lambda: store.get_sequence(workspace_id, run_id)),
        }
        schedule_bytes = store.stats().schedule_bytes
        peak_before = _rss_mib()
        started = time.perf_counter()
        moved = http.post("/__mock/clock", json={"advance_seconds": THIRTY_DAYS})
        advance_s = time.perf_counter() - started
        moved.raise_for_status()
        counts = _status_counts(http, headers)
        latencies = []
        for page in range(1, 201):
            params: dict[str, str | int] = {
                "status": "SUCCEEDED",
                "size": 100,
                "page": page % 50 + 1,
            }
            if page % 2:
                params["sort_by"] = "updated_at"
            started = time.perf_counter()
            http.get("/v1/sequences", params=params, headers=headers).raise_for_status()
            latencies.append(time.perf_counter() - started)
        latencies.sort()
        return {
            "runs": n,
            "seed_s": round(seed_s, 3),
            "advance_30_days_s": round(advance_s, 3),
            "events": store.stats().history_events,
            "statuses_after": counts,
            "list_after_ms": {
                "p50": round(latencies[len(latencies) // 2] * 1e3, 3),
                "p99": round(latencies[int(len(latencies) * 0.99)] * 1e3, 3),
            },
            "nothing_due_before": {k: round(v, 3) for k, v in nothing_due.items()},
            "schedule_bytes_per_run": round(schedule_bytes / n, 1),
            "peak_rss_mib": {
                "before_advance": round(peak_before, 1),
                "after": round(_rss_mib(), 1),
            },
        }


def _status_counts(http: httpx.Client, headers: dict[str, str]) -> dict[str, int]:
    counts = {}
    for status in ("ACTIVE", "SUCCEEDED", "COMPLETED", "FAILED", "WAITING_FOR_USER"):
        page = http.get("/v1/sequences", params={"status": status, "size": 1}, headers=headers)
        counts[status] = page.json()["total"]
    return counts


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
