"""Schemathesis' CLI against the live mock: the contract end to end, as a user's CI runs it.

The test runs the recipe of the README and the docs (`<!-- runs: schemathesis -->`) with the
package installed from a wheel in a fresh virtualenv, in an empty folder outside the repository:
the hooks and config it uses are the ones the package ships (`sequences_mock.schemathesis_hooks`,
`sequences-mock schemathesis-config`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from collections import Counter
from pathlib import Path

import pytest

from installed_wheel import ROOT, Installed, clean_env, install, run
from readme_blocks import block

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


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Installed:
    return install(tmp_path_factory, worker_id)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_schemathesis_finds_no_failure_against_the_live_server(
    installed: Installed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every check, all four phases, fixed seed: zero failures and zero server errors.

    The README's commands as written, but for a free port, an ndjson report besides the JUnit
    one, the example count (`SEQUENCES_MOCK_MAX_EXAMPLES`, default the README's 50), and a look
    at the mock's journal before it is stopped. The hooks reset the mock before each stateful
    scenario, so every scenario starts from the default world, and the links take it through
    successful pauses and resumes. The summary (cases, responses by status, scenarios, links)
    is printed and written to reports/, with the JUnit and ndjson reports.
    """
    recipe = block("schemathesis")
    port = free_port()
    for documented in (
        "--report junit",
        "--max-examples 50",
        "kill $server",
        "8080",
        "> sequences-mock.log 2>&1 &",
    ):
        assert documented in recipe
    journal_url = f"http://127.0.0.1:{port}/__mock/requests?limit=0"
    script = (
        recipe.replace("8080", str(port))
        .replace("--report junit", "--report junit,ndjson")
        .replace("--max-examples 50", f"--max-examples {MAX_EXAMPLES}")
        .replace(
            "kill $server",
            "python -c 'import sys, urllib.request; "
            f'sys.stdout.write(urllib.request.urlopen("{journal_url}").read().decode())\' '
            "> journal.json\nkill $server",
        )
    )
    # Should a step fail (`bash -e`), the server must not outlive the script: it holds the
    # output pipe open, and the run would wait for it until its timeout.
    script = "trap 'kill $(jobs -p) 2>/dev/null' EXIT\n" + script
    project = tmp_path / "ci"
    project.mkdir()

    result = run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=project, env=clean_env(installed.bin)
    )

    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-4000:]
    REPORTS.mkdir(exist_ok=True)
    (junit,) = (project / "schemathesis-report").glob("junit*.xml")
    (events,) = (project / "schemathesis-report").glob("*.ndjson")
    shutil.copyfile(junit, JUNIT)
    shutil.copyfile(events, EVENTS)
    statuses, stateful_writes = _statuses_by_phase()
    summary = _summary(result.stdout, statuses)
    SUMMARY.write_text(summary)
    with capsys.disabled():
        print(f"\n{summary}", end="")

    # The journal starts again at each reset: what it recorded is the last scenario alone.
    journal = json.loads((project / "journal.json").read_text())
    assert 0 < journal["recorded"] <= MAX_STEPS
    assert "No issues found" in result.stdout, result.stdout[-4000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated, result.stdout[-3000:]
    assert int(generated.group(1)) > 300
    assert "failed" not in result.stdout.rsplit("SUMMARY", 1)[-1]
    assert set(statuses) == set(PHASES)
    # Links took the stateful phase to real sequences: writes that succeeded, refused transitions.
    links = re.search(r"API Links:\s+(\d+) covered", result.stdout)
    assert links, result.stdout[-3000:]
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
