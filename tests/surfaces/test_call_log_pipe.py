"""`serve` with its standard output a pipe nobody reads (the usual `Popen(stdout=PIPE)` harness,
or a terminal paused with Ctrl-S): serving goes on, the call lines are dropped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx

from default_world import READ_ONLY, bearer

#: Calls whose lines fill a 64 KiB pipe many times over (a 1.5 KB query each).
CALLS = 400
QUERY = "size=1&" + "&".join(f"x{n}=1" for n in range(300))


def test_a_pipe_nobody_reads_never_stalls_serving() -> None:
    """Once 570 calls filled the pipe, every request stopped, health included."""
    command = [sys.executable, "-m", "sequences_mock", "serve", "--port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    ) as process:
        assert process.stdout is not None
        match = re.search(rb"serving (http://\S+)/v1", process.stdout.readline())
        assert match
        url = match.group(1).decode()
        try:
            with httpx.Client(base_url=url, headers=bearer(READ_ONLY), timeout=5) as client:
                statuses = {client.get(f"/v1/sequences?{QUERY}").status_code for _ in range(CALLS)}
                health = client.get("/__mock/health").status_code
        finally:
            process.send_signal(signal.SIGINT)
            stopped = process.wait(timeout=15)
        # only now is the pipe read: the lines that fit, then the end
        output = process.stdout.read()

    assert statuses == {200}
    assert health == 200
    assert stopped == 0
    assert output.count(b"\n") < CALLS
