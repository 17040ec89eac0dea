"""Two threads that take turns, on one CPU for as long as a call between them lasts.

A test's thread calls a mock served by a thread of the same process and waits for the answer:
the two never run at once. Left to the scheduler they run on two CPUs, and every call wakes
the idle one and moves the interpreter's shared state (the GIL, the reference counts of the
objects both threads touch) from one CPU's caches to the other's and back. On a two-vCPU VM a
GET from the test's thread took 380-510 us that way, 270-330 us with both threads on one CPU.

`SharedCpu.run` runs one call with the caller's thread and the server's on the caller's CPU,
and gives both their CPUs back after it: nothing else the test starts (its threads, its
subprocesses) inherits a narrowed set. Linux only; elsewhere, or if the system refuses, calls
run as they would without it.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from typing import TypeVar

import httpx

__all__ = ["SharedCpu", "SharedCpuTransport"]

T = TypeVar("T")


def _current_cpu() -> Callable[[], int] | None:
    """The C library's `sched_getcpu` (the CPU the calling thread runs on), where there is one."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    try:
        function = ctypes.CDLL(None).sched_getcpu
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_int
    function.argtypes = []
    current: Callable[[], int] = function
    return current


class SharedCpu:
    """Runs calls with the thread `partner` (a native thread id, `threading.get_native_id()`)
    on the calling thread's CPU, each thread back on its own CPUs after the call."""

    def __init__(self, partner: int, *, enabled: bool = True) -> None:
        self.partner = partner
        self._current_cpu = _current_cpu() if enabled else None
        self._partner_cpus: set[int] | None = None
        if self._current_cpu is not None:
            try:
                self._partner_cpus = os.sched_getaffinity(partner)
            except OSError:
                self._current_cpu = None

    @property
    def active(self) -> bool:
        """Whether calls run on one CPU: False where the system has no way, or refused one."""
        return self._current_cpu is not None

    def run(self, call: Callable[[], T]) -> T:
        """`call()`, with the partner on this thread's CPU while it runs."""
        current_cpu = self._current_cpu
        if current_cpu is None or self._partner_cpus is None:
            return call()
        cpu = current_cpu()
        try:
            own_cpus = os.sched_getaffinity(0)
        except OSError:
            own_cpus = None
        if cpu < 0 or own_cpus is None:
            return call()
        try:
            os.sched_setaffinity(0, (cpu,))
            os.sched_setaffinity(self.partner, (cpu,))
        except OSError:
            # A CPU taken offline, a cpuset that changed, a partner gone: turns go on as the
            # scheduler places them, for this call and every one after it.
            self._current_cpu = None
            self._give_back(own_cpus)
            return call()
        try:
            return call()
        finally:
            self._give_back(own_cpus)

    def _give_back(self, own_cpus: set[int]) -> None:
        """Both threads back on the CPUs they had (the partner's as it was made with)."""
        assert self._partner_cpus is not None
        for thread, cpus in ((0, own_cpus), (self.partner, self._partner_cpus)):
            try:
                os.sched_setaffinity(thread, cpus)
            except OSError:
                self._current_cpu = None


class SharedCpuTransport(httpx.BaseTransport):
    """A transport whose calls run with the server's thread on the caller's CPU (`SharedCpu`)."""

    def __init__(self, transport: httpx.BaseTransport, shared: SharedCpu) -> None:
        self._transport = transport
        self._shared = shared

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._shared.run(lambda: self._transport.handle_request(request))

    def close(self) -> None:
        self._transport.close()
