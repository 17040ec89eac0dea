"""Health while a large world is seeded: the world is built on a worker thread, so the old one
keeps answering until the swap; this times how long `/__mock/health` waits meanwhile.

Seeds a generated world (`world.py`) of N runs through `POST /__mock/seed` on a real socket,
asking `/__mock/health` every 20 ms until the seed answers. Prints one JSON document;
`python bench/seed_stall.py [N]` (default 60,000). A wait over a second means the seed blocked
the event loop (the figure moves with the machine's load: it is a benchmark, not a test).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

import httpx
import orjson
import world

from sequences_mock.server import MockServer

__all__ = ["STALL_LIMIT_S", "measure"]

#: What a health check may wait at most while a seed is built.
STALL_LIMIT_S = 1.0


def measure(runs: int) -> dict[str, Any]:
    with MockServer() as server, httpx.Client(base_url=server.url, timeout=120) as client:
        body = orjson.dumps(world.generate(runs))
        seeded: list[httpx.Response] = []

        def seed() -> None:
            headers = {"Content-Type": "application/json"}
            seeded.append(client.post("/__mock/seed", content=body, headers=headers))

        seeding = threading.Thread(target=seed)
        waits: list[float] = []
        started = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=30) as health:
            seeding.start()
            while seeding.is_alive():
                asked = time.perf_counter()
                health.get("/__mock/health").raise_for_status()
                waits.append(time.perf_counter() - asked)
                time.sleep(0.02)
        seeding.join()
        seed_s = time.perf_counter() - started
        seeded[0].raise_for_status()
    waits.sort()
    return {
        "runs": runs,
        "seed_s": round(seed_s, 3),
        "health_checks": len(waits),
        "health_wait_ms": {
            "p50": round(waits[len(waits) // 2] * 1e3, 2) if waits else None,
            "max": round(waits[-1] * 1e3, 2) if waits else None,
        },
        "within_limit": bool(waits) and waits[-1] < STALL_LIMIT_S,
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 60_000), indent=2))
