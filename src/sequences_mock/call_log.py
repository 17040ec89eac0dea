"""The line `sequences-mock serve` prints per call: method, path, status, code, fault, duration."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import threading
from collections import deque
from operator import itemgetter
from typing import TextIO

from sequences_mock.state.journal import Entry

__all__ = ["OUTPUT_BUDGET", "CallLog", "call_line"]

#: Characters of call lines waiting for a slow output at most; past it lines are dropped.
OUTPUT_BUDGET = 1024 * 1024


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
    if entry.violations:
        middle += " UPSTREAM-VIOLATES " + "; ".join(entry.violations)
    if entry.warnings:
        middle += " IGNORED-PARAMETERS=" + _printable(",".join(entry.warnings))
    return middle


#: What `_middle` reads of an entry, at once (the key it is remembered by).
_middle_fields = itemgetter(
    *(
        Entry._fields.index(name)
        for name in (
            "method",
            "path",
            "query_string",
            "status",
            "code",
            "fault",
            "network",
            "contract_violation",
            "violations",
            "warnings",
        )
    )
)


def _printable(text: str) -> str:
    """A percent-decoded path or parameter name may hold a newline: one call stays one line."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class CallLog:
    """A journal listener writing a line per call to `stream`.

    A call after a quiet spell is written at once. Then, for `interval` seconds (one timer on
    the running loop), further lines wait and go out together when it ends, and so on while
    calls keep coming: a loaded server makes one write per interval, not two system calls per
    request. Without a running loop each line is handed over at once. A thread of its own writes
    them (see `_Writer`): an output that takes nothing drops lines, never stalls serving.
    """

    #: Distinct line middles remembered (most calls repeat one: same request, same answer).
    MIDDLES = 1024

    def __init__(self, stream: TextIO, interval: float = 0.1, budget: int = OUTPUT_BUDGET) -> None:
        self._writer = _Writer(stream, budget)
        self._interval = interval
        self._pending: list[str] = []
        self._middles: dict[tuple[object, ...], str] = {}
        #: Lines are being held until the interval's timer fires.
        self._batching = False

    def __call__(self, entry: Entry) -> None:
        if self._writer.broken:
            return
        # What varies between two identical calls is their number and duration: the rest of the
        # line is formatted once (a third of the cost of a line).
        key = _middle_fields(entry)
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
        """Hand the waiting lines to the writer now."""
        lines, self._pending = self._pending, []
        if lines:
            self._writer.put(lines)

    def close(self, timeout: float = 1.0) -> None:
        """Write out what is held, waiting at most `timeout` seconds for a stalled output."""
        self.flush()
        self.drain(timeout)

    def drain(self, timeout: float = 1.0) -> None:
        """Wait until the lines handed over are written (at most `timeout` seconds)."""
        self._writer.drain(timeout)

    @property
    def dropped(self) -> int:
        """Lines dropped because the output was not taking them."""
        return self._writer.dropped


class _Writer:
    """Writes text to a stream on a thread of its own, so that an output nobody reads (a full
    pipe, a terminal paused with Ctrl-S) never stalls the event loop; a regular file, which
    cannot stall so, is written at once.

    At most `budget` characters wait; lines past that are dropped and counted, and a line saying
    how many goes out once the output takes text again. When the stream breaks (a closed pipe),
    writing stops and the server goes on.
    """

    def __init__(self, stream: TextIO, budget: int) -> None:
        self._stream = stream
        self._budget = budget
        self._queue: deque[str] = deque()
        self._held = 0
        self._unreported = 0
        self.dropped = 0
        self.broken = False
        self._changed = threading.Condition()
        #: Output to a regular file is written at once, on the caller's thread.
        self._direct = _is_regular_file(stream)
        self._thread = threading.Thread(target=self._run, name="call-log", daemon=True)
        self._thread.start()

    def put(self, lines: list[str]) -> None:
        text = "".join(lines)
        if self._direct and not self._queue and not self.broken:
            self._write_now(text)  # a file never stalls: each line is there once answered
            return
        with self._changed:
            if self.broken:
                return
            if self._held + len(text) > self._budget:
                self.dropped += len(lines)
                self._unreported += len(lines)
                return
            if self._unreported:
                text = f"# {self._unreported} call lines dropped: the output was full\n" + text
                self._unreported = 0
            self._queue.append(text)
            self._held += len(text)
            self._changed.notify()

    def _write_now(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            self.broken = True  # a full disk, a closed file: the log stops, serving goes on

    def drain(self, timeout: float) -> None:
        """Wait until every held line is written, the stream broke, or `timeout` passed."""
        with self._changed:
            self._changed.wait_for(lambda: self._held == 0 or self.broken, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._queue))
                text = self._queue[0]
            try:
                self._stream.write(text)
                self._stream.flush()
            except (OSError, ValueError):
                with self._changed:
                    self.broken = True  # closed or gone: nobody is reading
                    self._queue.clear()
                    self._held = 0
                    self._changed.notify_all()
                return
            with self._changed:
                self._queue.popleft()
                self._held -= len(text)
                self._changed.notify_all()


def _is_regular_file(stream: TextIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False  # no descriptor (a StringIO): written by the thread like a pipe
