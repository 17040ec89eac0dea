"""Schemathesis' CLI against the live mock started by our own CLI: the contract end to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from live_server import cli_server

ROOT = Path(__file__).parent.parent.parent
CONFIG = Path(__file__).parent / "schemathesis.toml"
REPORTS = ROOT / "reports"
MAX_EXAMPLES = os.environ.get("SEQUENCES_MOCK_MAX_EXAMPLES", "50")


def test_schemathesis_finds_no_failure_against_the_live_server():
    """Every check, every stateless phase, fixed seed: zero failures and zero server errors."""
    with cli_server("--log-level", "warning") as server:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(CONFIG),
                "--no-color",
                "run",
                str(ROOT / "openapi.yaml"),
                "--url",
                f"{server.url}/v1",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                MAX_EXAMPLES,
                "--seed",
                "1",
                "--report",
                "junit",
                "--report-dir",
                str(REPORTS),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "SEQUENCES_MOCK_API_KEY": "sk_test_acme_read_write"},
            cwd=ROOT,
        )

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    summary = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert summary, run.stdout[-3000:]
    assert int(summary.group(1)) > 300
    assert "failed" not in run.stdout.rsplit("SUMMARY", 1)[-1]
