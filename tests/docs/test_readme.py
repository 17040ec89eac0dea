"""The README's curl examples, run in order against a live server: the README stays true."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from sequences_mock.server import MockServer

README = Path(__file__).parents[2] / "README.md"
#: `# expect 200: why` or `# expect 200 (status ACTIVE): why`, then the command on the next line.
EXAMPLE = re.compile(r"^# expect (\d{3})(?: \(status (\w+)\))?: .*\n(curl .*)$", re.MULTILINE)


def readme_examples() -> list[tuple[int, str]]:
    return [(int(status), command) for status, _, command in EXAMPLE.findall(README.read_text())]


def run_statuses() -> list[str]:
    """The run status each example announces, or "" where it announces none."""
    return [run_status for _, run_status, _ in EXAMPLE.findall(README.read_text())]


def test_readme_has_examples_for_every_operation():
    """The walkthrough shows each of the six operations and the control plane."""
    commands = "\n".join(command for _, command in readme_examples())

    for fragment in (
        "/v1/sequences?",
        "-X PATCH",
        "/pause",
        "/resume",
        "/stop",
        "/__mock/clock",
        "/__mock/state",
        "/__mock/reset",
        "/__mock/enrollments",
        "/task",
        "/history",
    ):
        assert fragment in commands


def test_readme_curl_examples_answer_as_annotated():
    """Each example, run verbatim but for the port, returns the status its comment announces."""
    assert shutil.which("curl"), "the README examples need curl on PATH"
    examples = readme_examples()
    assert len(examples) >= 10
    with MockServer() as server:
        for (expected, command), run_status in zip(examples, run_statuses(), strict=True):
            live = command.replace("http://127.0.0.1:8080", server.url)
            result = subprocess.run(
                f"{live} -w '\\n%{{http_code}}'",
                shell=True,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            body, _, status = result.stdout.rpartition("\n")
            assert status == str(expected), command
            if run_status:
                assert json.loads(body)["status"] == run_status, command
