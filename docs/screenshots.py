"""Regenerate the console's screenshots in docs/img/ (1280x800), one per view: `make screenshots`.

Starts a mock on the default world, gives it some history through the control plane and the
API (a run enrolled, paused, moved through its steps and a task; calls, a fault, a failure),
then photographs each view in headless Chromium (see tests/chromium.py for which one).
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from chromium import CHROMIUM_ENV, chromium_path, launched  # noqa: E402
from console_page import console_on  # noqa: E402
from sequences_mock.server import MockServer  # noqa: E402

IMAGES = ROOT / "docs" / "img"
ACME = "424b1fee-9709-4315-85d9-5954058b4714"
KEY = {"Authorization": "Bearer sk_test_acme_read_write"}
COLD_OUTREACH = "5d91017f-b1a4-421b-ba3c-57bacddf6042"
OLIVIA = "8d2b3b1d-d2c7-49c7-af39-0b80b81a4d09"
DAY = 86400


def give_history(mock: httpx.Client) -> str:
    """A run with a past (steps run, a pause, a task done) and a future; a few calls."""
    run = mock.post(
        "/__mock/enrollments", json={"template_id": COLD_OUTREACH, "contact_id": OLIVIA}
    ).json()["id"]
    mock.post("/__mock/clock", json={"advance_seconds": DAY}).raise_for_status()
    mock.post(
        f"/v1/sequences/{run}/pause", json={"paused_until": "2026-03-05T09:00:00Z"}, headers=KEY
    ).raise_for_status()
    mock.post("/__mock/clock", json={"advance_seconds": 7 * DAY}).raise_for_status()
    mock.post(f"/__mock/sequences/{run}/task", json={"outcome": "done"}).raise_for_status()
    mock.post("/__mock/clock", json={"advance_seconds": DAY}).raise_for_status()
    mock.get("/v1/sequences", params={"status": "ACTIVE", "size": 5}, headers=KEY)
    mock.get(f"/v1/sequences/{run}", headers=KEY)
    mock.post("/__mock/faults", json={"operation": "listSequences", "status": 503})
    mock.get("/v1/sequences", headers=KEY)
    mock.get("/v1/sequences/00000000-0000-4000-8000-000000000000", headers=KEY)
    mock.get("/v1/sequences", params={"statuses": "ACTIVE"}, headers=KEY)
    mock.post("/__mock/faults", json={"operation": "stopSequence", "status": 429, "times": 2})
    return run


def main() -> None:
    executable = chromium_path()
    if executable is None:
        sys.exit(f"no Chromium found: apt-get install chromium, or name one in {CHROMIUM_ENV}")
    IMAGES.mkdir(parents=True, exist_ok=True)
    with MockServer() as server, launched(executable) as browser:
        with httpx.Client(base_url=server.url) as mock:
            run = give_history(mock)
        views = {
            "world": "world",
            "runs": f"runs?workspace={ACME}",
            "run": f"run/{run}",
            "activity": "activity",
            "coverage": "coverage",
            "faults": "faults",
            "choices": "choices",
        }
        with console_on(browser, server) as console:
            for name, view in views.items():
                console.open(view)
                path = IMAGES / f"console-{name}.png"
                console.page.screenshot(path=path)
                print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
