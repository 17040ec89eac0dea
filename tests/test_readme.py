"""The README's curl examples, run in order against a live server: the README stays true."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from sequences_mock.server import MockServer

README = Path(__file__).parent.parent / "README.md"
EXAMPLE = re.compile(r"^# expect (\d{3}): .*\n(curl .*)$", re.MULTILINE)


def readme_examples() -> list[tuple[int, str]]:
    return [(int(status), command) for status, command in EXAMPLE.findall(README.read_text())]


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
    ):
        assert fragment in commands


def test_readme_curl_examples_answer_as_annotated():
    """Each example, run verbatim but for the port, returns the status its comment announces."""
    assert shutil.which("curl"), "the README examples need curl on PATH"
    examples = readme_examples()
    assert len(examples) >= 10
    with MockServer() as server:
        for expected, command in examples:
            live = command.replace("http://127.0.0.1:8080", server.url)
            result = subprocess.run(
                f"{live} -o /dev/null -w '%{{http_code}}'",
                shell=True,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert result.stdout == str(expected), command
