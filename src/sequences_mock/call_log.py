"""The line `sequences-mock serve` prints per call: method, path, status, code, fault, duration."""

from __future__ import annotations

import asyncio
from typing import TextIO

from sequences_mock.state.journal import Entry

__all__ = ["CallLog", "call_line"]


def call_line(entry: Entry) -> str:
    """`#3 POST /v1/sequences/…/stop 409 invalid_state_transition 0.38ms`, with a newline."""
    target = entry.path
    if entry.query_string:
        target += "?" + entry.query_string.decode("latin-1")
    if not target.isprintable():
        # A percent-decoded path may hold a newline: one call stays one line.
        target = target.encode("unicode_escape").decode("ascii")
    line = f"#{entry.seq} {entry.method} {target} {entry.status}"
    if entry.code is not None:
        line += " " + entry.code
    if entry.fault is not None:
        line += f" fault={entry.fault}"
    if entry.contract_violation is not None:
        line += " CONTRACT-VIOLATION"
    return f"{line} {entry.duration_ms:.2f}ms\n"


class CallLog:
    """A journal listener writing a line per call to `stream`, in batches.

    A write and a flush per call would be two system calls on the server's only thread for
    every request; instead lines wait at most `interval` seconds (one timer on the running
    loop) and go out together. Without a running loop each line is written at once. When the
    stream breaks (a closed pipe), the log stops and the server goes on.
    """

    def __init__(self, stream: TextIO, interval: float = 0.1) -> None:
        self._stream: TextIO | None = stream
        self._interval = interval
        self._pending: list[str] = []

    def __call__(self, entry: Entry) -> None:
        if self._stream is None:
            return
        self._pending.append(call_line(entry))
        if len(self._pending) > 1:
            return  # a flush is already scheduled
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
        else:
            loop.call_later(self._interval, self.flush)

    def flush(self) -> None:
        """Write out the waiting lines now."""
        lines, self._pending = self._pending, []
        if not lines or self._stream is None:
            return
        try:
            self._stream.write("".join(lines))
            self._stream.flush()
        except (OSError, ValueError):
            self._stream = None  # closed or gone: nobody is reading
