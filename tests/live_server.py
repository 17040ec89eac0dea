"""`sequences-mock serve` as a real subprocess, for tests of the command and of the contract."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO


@dataclass
class LiveServer:
    url: str
    banner: list[str]
    stderr: list[str] = field(default_factory=list)


@contextmanager
def cli_server(*args: str, env: Mapping[str, str] | None = None) -> Iterator[LiveServer]:
    """Run `python -m sequences_mock serve --port 0 ARGS` (`env` added to the environment);
    on exit stop it with Ctrl-C.

    Both output streams are drained in the background, so a chatty server never blocks on a
    full pipe. Leaving the block checks that Ctrl-C ends the server cleanly: exit 0, no traceback.
    """
    command = [sys.executable, "-m", "sequences_mock", "serve", "--port", "0", *args]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        match = re.search(r"serving (http://\S+)/v1", first)
        assert match, first + process.stderr.read()
        server = LiveServer(match.group(1), [first])
        drains = [
            _drain(process.stdout, server.banner),
            _drain(process.stderr, server.stderr),
        ]
        try:
            yield server
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
            for drain in drains:
                drain.join(timeout=5)
    assert process.returncode == 0, server.stderr
    assert not any("Traceback" in line for line in server.stderr), server.stderr


def _drain(stream: IO[str], lines: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: lines.extend(stream), daemon=True)
    thread.start()
    return thread
