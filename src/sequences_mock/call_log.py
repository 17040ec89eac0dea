"""The line `sequences-mock serve` prints per call: method, path, status, code, fault, duration."""

from __future__ import annotations

import asyncio
from typing import TextIO

from sequences_mock.state.journal import Entry

__all__ = ["CallLog", "call_line"]


def call_line(entry: Entry) -> str:
    """`#3 POST /v1/sequences/…/stop 409 invalid_state_transition 0.38ms`, with a newline."""
    return f"#{entry.seq} {_middle(entry)} {entry.duration_ms:.2f}ms\n"


def _middle(entry: Entry) -> str:
    """What a line says between its number and its duration."""
    target = entry.path
    if entry.query_string:
        target += "?" + entry.query_string.decode("latin-1")
    target = _printable(target)
    middle = f"{entry.method} {target} {entry.status}"
    if entry.code is not None:
        middle += " " + entry.code
    if entry.fault is not None:
        middle += f" fault={entry.fault}"
    if entry.network is not None:
        middle += f" network={entry.network}"
    if entry.contract_violation is not None:
        middle += " CONTRACT-VIOLATION"
    if entry.warnings:
        middle += " IGNORED-PARAMETERS=" + _printable(",".join(entry.warnings))
    return middle


def _printable(text: str) -> str:
    """A percent-decoded path or parameter name may hold a newline: one call stays one line."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class CallLog:
    """A journal listener writing a line per call to `stream`.

    A call after a quiet spell is written at once. Then, for `interval` seconds (one timer on
    the running loop), further lines wait and go out together when it ends, and so on while
    calls keep coming: a loaded server makes one write per interval, not two system calls per
    request. Without a running loop each line is written at once. When the stream breaks (a
    closed pipe), the log stops and the server goes on.
    """

    #: Distinct line middles remembered (most calls repeat one: same request, same answer).
    MIDDLES = 1024

    def __init__(self, stream: TextIO, interval: float = 0.1) -> None:
        self._stream: TextIO | None = stream
        self._interval = interval
        self._pending: list[str] = []
        self._middles: dict[tuple[object, ...], str] = {}
        #: Lines are being held until the interval's timer fires.
        self._batching = False

    def __call__(self, entry: Entry) -> None:
        if self._stream is None:
            return
        # What varies between two identical calls is their number and duration: the rest of the
        # line is formatted once (a third of the cost of a line).
        key = (
            entry.method,
            entry.path,
            entry.query_string,
            entry.status,
            entry.code,
            entry.fault,
            entry.network,
            entry.contract_violation is None,
        )
        middle = self._middles.get(key)
        if middle is None:
            if len(self._middles) >= self.MIDDLES:
                self._middles.clear()
            middle = self._middles[key] = _middle(entry)
        self._pending.append(f"#{entry.seq} {middle} {entry.duration_ms:.2f}ms\n")
        if not self._batching:
            self.flush()
            self._batch()

    def _batch(self) -> None:
        """Hold lines for one interval; go on holding while calls keep coming."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop to wake us: every line goes out at once
        self._batching = True
        loop.call_later(self._interval, self._end_of_interval)

    def _end_of_interval(self) -> None:
        self._batching = False
        if self._pending:
            self.flush()
            self._batch()

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
