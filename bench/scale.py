"""Step 4: fresh mocks seeded with generated worlds (`world.py`) of two sizes, and the same
three queries timed on each, one connection at a time."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

import world
from common import get_json, log, measure, start_mock, summary
from options import Options
from servers import BenchError, Server, http_call
from wrk import Load

__all__ = ["scale_benchmark"]

#: The deep-page query asks for this page, or for the last one when there are fewer.
DEEP_PAGE = 500
#: Scale runs are short: at most this many seconds each, after at most 1 s of warm-up.
SCALE_SECONDS = 5


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
    document = world.generate(n)
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
            log(f"  {name:10} @{n:<7} {summary(result)}")
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
