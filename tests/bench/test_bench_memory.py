"""The memory replays run without wrk against a real mock, and report RSS before and after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "memory_replay.py"


def test_a_replay_runs_on_its_own_mock_and_reports_its_rss() -> None:
    """`--only seed_reset`: 600 seed/list/reset rounds (about two seconds); exit 0 means flat."""
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "seed_reset"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=SCRIPT.parent,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "seed_reset" in completed.stdout.splitlines()[1]
    result = json.loads(completed.stdout[completed.stdout.index("{") :])
    (replay,) = result["replays"].values()
    assert replay["requests"] == 1800
    assert replay["rss_before_kib"] > 0
    assert replay["rss_after_kib"] > 0
    assert replay["flat"] is True
