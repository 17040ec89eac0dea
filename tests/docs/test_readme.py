"""The curl examples of the README and the docs, run in order against a live server: they stay
true."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from readme_blocks import Block, blocks
from sequences_mock.server import MockServer

#: `# expect 200: why` or `# expect 200 (status ACTIVE): why`, then the command on the next line.
EXAMPLE = re.compile(r"^# expect (\d{3})(?: \(status (\w+)\))?: .*\n(curl .*)$", re.MULTILINE)


def examples(block: Block) -> list[tuple[int, str, str]]:
    """(status, run status or "", command) for each example of the block."""
    return [
        (int(status), run_status, command)
        for status, run_status, command in EXAMPLE.findall(block.text)
    ]


def test_the_examples_show_every_operation():
    """The walkthrough shows each of the six operations and the control plane."""
    commands = "\n".join(command for block in blocks("curl") for _, _, command in examples(block))

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


@pytest.mark.parametrize("block", blocks("curl"), ids=str)
def test_the_curl_examples_answer_as_annotated(block: Block):
    """Each example, run verbatim but for the port, returns the status its comment announces; a
    block starts on a fresh server, as a reader's `make run` does."""
    assert shutil.which("curl"), "the examples need curl on PATH"
    found = examples(block)
    assert len(found) >= 3
    assert len(found) == block.text.count("\ncurl ") + block.text.startswith("curl "), (
        "every curl line has its # expect comment"
    )
    with MockServer() as server:
        for expected, run_status, command in found:
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
