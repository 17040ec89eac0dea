"""The console's first view, on the default world and on a generated large one, in headless
Chromium: `python bench/console.py [--runs 100000]` (needs Chromium, see tests/chromium.py).

For each view, the page is opened afresh `--repeat` times; "first view" is the page's own
`console:first-view` mark (from the start of navigation to the view drawn with its data; the
median, and the slowest, which is the first opening and builds the mock's index for a filter),
and "load" the median time from `goto` until the page says it is ready, as a user waits.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx
import world as generated

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from chromium import chromium_path, launched
from console_page import console_on
from sequences_mock.server import MockServer
from sequences_mock.settings import Settings

FIRST_VIEW = "performance.getEntriesByName('console:first-view')[0].startTime"


def measure(server: MockServer, views: dict[str, str], repeat: int) -> dict[str, dict[str, float]]:
    executable = chromium_path()
    if executable is None:
        sys.exit("no Chromium found: apt-get install chromium")
    results: dict[str, dict[str, float]] = {}
    with launched(executable) as browser, console_on(browser, server) as console:
        for name, view in views.items():
            first, load = [], []
            for _ in range(repeat):
                console.page.goto("about:blank")
                started = time.perf_counter()
                console.open(view)
                load.append((time.perf_counter() - started) * 1000)
                first.append(console.page.evaluate(FIRST_VIEW))
            results[name] = {
                "first_view_ms": statistics.median(first),
                "first_view_max_ms": max(first),
                "load_ms": statistics.median(load),
            }
    return results


def world_views(server: MockServer) -> dict[str, str]:
    with httpx.Client(base_url=server.url, timeout=60) as mock:
        workspace = mock.get("/__mock/workspaces").json()["workspaces"][0]["id"]
        page = mock.get("/__mock/sequences", params={"workspace_id": workspace, "size": 1}).json()
    return {
        "world": "world",
        "runs": f"runs?workspace={workspace}",
        "runs ACTIVE": f"runs?workspace={workspace}&status=ACTIVE",
        "runs page 2000": f"runs?workspace={workspace}&page=2000",
        "one run": f"run/{page['runs'][0]['id']}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs in the large world")
    parser.add_argument("--repeat", type=int, default=3, help="openings of each view")
    options = parser.parse_args()
    rows = []
    with MockServer() as server:
        rows += [
            ("default", k, v)
            for k, v in measure(server, world_views(server), options.repeat).items()
        ]
    with MockServer(Settings(max_seed_bytes=512 * 1024 * 1024)) as server:
        started = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=600) as mock:
            mock.post("/__mock/seed", json=generated.generate(options.runs)).raise_for_status()
        print(f"seeded {options.runs:,} runs in {time.perf_counter() - started:.1f} s")
        views = world_views(server)
        rows += [
            (f"{options.runs:,} runs", k, v)
            for k, v in measure(server, views, options.repeat).items()
        ]
    print(f"{'world':>14}  {'view':<16}{'first view ms':>14}{'(max)':>7}{'load ms':>10}")
    for world, view, figures in rows:
        print(
            f"{world:>14}  {view:<16}{figures['first_view_ms']:>14.0f}"
            f"{figures['first_view_max_ms']:>7.0f}{figures['load_ms']:>10.0f}"
        )


if __name__ == "__main__":
    main()
