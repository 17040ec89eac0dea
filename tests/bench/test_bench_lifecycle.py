"""The lifecycle benchmark's harness, on a small world: it measures what it says it does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_SOURCE = Path(__file__).resolve().parents[2] / "bench" / "lifecycle.py"
# The scenario imports the bench's shared modules (its world generator) as the bench runs it.
sys.path.insert(0, str(_SOURCE.parent))
_SPEC = importlib.util.spec_from_file_location("lifecycle_bench", _SOURCE)
assert _SPEC is not None
assert _SPEC.loader is not None
lifecycle_bench = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(lifecycle_bench)


def test_a_small_run_executes_every_step_and_reports_each_figure() -> None:
    result = lifecycle_bench.measure(300)

    assert result["runs"] == 300
    # Five steps each, and the run's end: six events per run, all SUCCEEDED.
    assert result["events"] == 6 * 300
    assert result["statuses_after"] == {
        "ACTIVE": 0,
        "SUCCEEDED": 300,
        "COMPLETED": 0,
        "FAILED": 0,
        "WAITING_FOR_USER": 0,
    }
    assert result["advance_30_days_s"] > 0
    assert 0 < result["list_after_ms"]["p50"] <= result["list_after_ms"]["p99"]
    assert result["schedule_bytes_per_run"] > 0
    assert set(result["nothing_due_before"]) == {"catch_up_us", "get_us"}
