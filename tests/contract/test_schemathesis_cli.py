"""Schemathesis' CLI against the live mock started by our own CLI: the contract end to end.

With the hooks and config the package ships (`sequences_mock.schemathesis_hooks`,
`sequences-mock schemathesis-config`), as the README's recipe for a user's own CI runs them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

from live_server import cli_server

ROOT = Path(__file__).parent.parent.parent
HOOKS = "sequences_mock.schemathesis_hooks"
REPORTS = ROOT / "reports"
JUNIT = REPORTS / "schemathesis-junit.xml"
EVENTS = REPORTS / "schemathesis-events.ndjson"
SUMMARY = REPORTS / "schemathesis-summary.txt"
MAX_EXAMPLES = os.environ.get("SEQUENCES_MOCK_MAX_EXAMPLES", "50")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: Of the 40 links schemathesis selects (35 in openapi.yaml, 5 it infers), at least this many.
MIN_LINKS = 30
#: The shipped config's `max-steps` for a stateful scenario.
MAX_STEPS = 15


@pytest.mark.slow
def test_schemathesis_finds_no_failure_against_the_live_server(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every check, all four phases, fixed seed: zero failures and zero server errors.

    The hooks reset the mock before each stateful scenario, so every scenario starts from the
    default world, and the links take it through successful pauses and resumes. The summary
    (cases, responses by status, scenarios, links) is printed and written to
    reports/schemathesis-summary.txt. It runs in an empty folder: schemathesis and Hypothesis
    keep caches in the current one, which would make one run depend on the last.
    """
    REPORTS.mkdir(exist_ok=True)
    config = tmp_path / "schemathesis.toml"
    written = subprocess.run(
        [sys.executable, "-m", "sequences_mock", "schemathesis-config", "--output", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    with cli_server("--log-level", "warning") as server:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(config),
                "--no-color",
                "run",
                str(ROOT / "openapi.yaml"),
                "--url",
                f"{server.url}/v1",
                "--checks",
                "all",
                "--phases",
                ",".join(PHASES),
                "--max-examples",
                MAX_EXAMPLES,
                "--seed",
                "1",
                "--report",
                "junit,ndjson",
                "--report-junit-path",
                str(JUNIT),
                "--report-ndjson-path",
                str(EVENTS),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={
                **os.environ,
                "SEQUENCES_MOCK_API_KEY": "sk_test_acme_read_write",
                "SCHEMATHESIS_HOOKS": HOOKS,
            },
            cwd=tmp_path,
        )
        # The journal starts again at each reset: what it recorded is the last scenario alone.
        journal = httpx.get(f"{server.url}/__mock/requests?limit=0", timeout=10).json()

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert 0 < journal["recorded"] <= MAX_STEPS
    statuses, stateful_writes = _statuses_by_phase()
    summary = _summary(run.stdout, statuses)
    SUMMARY.write_text(summary)
    with capsys.disabled():
        print(f"\n{summary}", end="")

    generated = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert generated, run.stdout[-3000:]
    assert int(generated.group(1)) > 300
    assert "failed" not in run.stdout.rsplit("SUMMARY", 1)[-1]
    assert set(statuses) == set(PHASES)
    # Links took the stateful phase to real sequences: writes that succeeded, refused transitions.
    links = re.search(r"API Links:\s+(\d+) covered", run.stdout)
    assert links, run.stdout[-3000:]
    assert int(links.group(1)) >= MIN_LINKS, summary
    assert statuses["stateful"][200] > 0
    assert statuses["stateful"][409] > 0
    assert stateful_writes["pause"][200] > 0, stateful_writes
    assert stateful_writes["resume"][200] > 0, stateful_writes


def _statuses_by_phase() -> tuple[dict[str, Counter[int]], dict[str, Counter[int]]]:
    """Response status codes per phase, and of the stateful phase's pauses, resumes and stops,
    from the NDJSON event stream."""
    statuses: dict[str, Counter[int]] = {}
    writes: dict[str, Counter[int]] = {name: Counter() for name in ("pause", "resume", "stop")}
    for line in EVENTS.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if event is None:
            continue
        counter = statuses.setdefault(event["phase"], Counter())
        for interaction in (event["recorder"] or {}).get("interactions", {}).values():
            if interaction.get("response") is None:
                continue
            status = interaction["response"]["status_code"]
            counter[status] += 1
            action = interaction["request"]["uri"].rsplit("/", 1)[-1]
            if event["phase"] == "stateful" and action in writes:
                writes[action][status] += 1
    return statuses, writes


def _summary(stdout: str, statuses: dict[str, Counter[int]]) -> str:
    """Cases generated, responses by status (all phases and per phase), scenarios and links."""

    def line_after(pattern: str) -> str:
        match = re.search(rf"^\s*{pattern}\s*(.+)$", stdout, re.MULTILINE)
        return match.group(1).strip() if match else "?"

    total = sum(statuses.values(), Counter[int]())
    cases = line_after(r"(?=\d+ generated)")
    lines = [
        f"test cases: {cases}",
        f"responses by status: {_counts(total)} (total {total.total()})",
        *(f"  {phase}: {_counts(statuses[phase])}" for phase in PHASES if phase in statuses),
        f"stateful scenarios: {line_after('Scenarios:')}",
        f"stateful links covered: {line_after('API Links:')}",
    ]
    return "\n".join(lines) + "\n"


def _counts(counter: Counter[int]) -> str:
    return ", ".join(f"{status}: {count}" for status, count in sorted(counter.items()))
