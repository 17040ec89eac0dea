"""Ctrl-C while a seed is built on a worker thread: `serve` stops within its grace, exit 0,
with no traceback and no fatal error, however long the build would still take."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time

#: `serve`, with every seed held in a busy Python loop while it is parsed, until the process
#: ends: a seed whose check outlasts the stop, whatever the machine's speed (a real one of
#: 100 MB takes seconds). The hold is this test's, not the product's.
SERVE_WITH_ENDLESS_BUILDS = textwrap.dedent(
    """
    import sys
    from sequences_mock import cli, fixtures

    def endless(data, *, as_json):
        sys.stderr.write("building\\n")
        while True:
            sum(range(1000))

    fixtures.parse_seed = endless
    sys.exit(cli.main(["serve", "--port", "0", "--quiet"]))
    """
)


def test_ctrl_c_while_a_seed_is_built_exits_cleanly_within_the_grace():
    """It logged a CancelledError traceback once uvicorn gave up on the seed's request."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_WITH_ENDLESS_BUILDS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        match = re.search(r"serving http://(\S+):(\d+)/v1", process.stdout.readline())
        assert match
        with socket.create_connection((match.group(1), int(match.group(2))), timeout=5) as sock:
            body = b'{"sequences": []}'
            sock.sendall(
                b"POST /__mock/seed HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            while (line := process.stderr.readline()) not in ("building\n", ""):
                pass  # uvicorn's start lines
            assert line == "building\n"
            started = time.monotonic()
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=20)
            stopped_in = time.monotonic() - started
            assert sock.recv(1024) == b""  # hung up, with nothing to say
    finally:
        process.kill()  # a test that failed before the stop leaves no server behind
        process.communicate()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "Fatal Python error" not in stderr
    assert "Cancel" not in stderr  # uvicorn's "Cancel 1 running task(s)" when it gave up
    assert stopped_in < 10  # the 3 s grace for requests being answered, and some slack
