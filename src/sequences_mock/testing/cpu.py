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

import contextlib
import ctypes
import sys
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

import httpx

__all__ = ["SharedCpu", "SharedCpuTransport"]

T = TypeVar("T")

if sys.platform == "linux":
    from os import sched_getaffinity as _cpus_of
    from os import sched_setaffinity as _set_cpus
else:  # never called there: `_current_cpu` finds no way, and calls run as they are

    def _cpus_of(thread: int) -> set[int]:
        raise OSError("CPU affinity is Linux's")

    def _set_cpus(thread: int, cpus: Iterable[int]) -> None:
        raise OSError("CPU affinity is Linux's")


def _current_cpu() -> Callable[[], int] | None:
    """The C library's `sched_getcpu` (the CPU the calling thread runs on), where there is one."""
    if sys.platform != "linux":
        return None
    try:
        # PyDLL: the call keeps the GIL, a vDSO read needs no hand-over to the other thread.
        function = ctypes.PyDLL(None).sched_getcpu
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_int
    function.argtypes = []
    current: Callable[[], int] = function
    return current


class SharedCpu:
    """Runs calls with the thread `partner` (a native thread id, `threading.get_native_id()`)
    on the calling thread's CPU, each thread back on its own CPUs after the call.

    `alive` says whether the partner still runs: a thread id that ended may be another's later.
    A thread the partner starts during a call would inherit its one CPU; any thread that came
    to be during the call is given the partner's CPUs after it.
    """

    def __init__(
        self, partner: int, *, enabled: bool = True, alive: Callable[[], bool] = lambda: True
    ) -> None:
        self.partner = partner
        self._alive = alive
        self._current_cpu = _current_cpu() if enabled else None
        self._partner_cpus: set[int] = set()
        if self._current_cpu is not None:
            try:
                self._partner_cpus = _cpus_of(partner)
            except OSError:
                self._current_cpu = None

    @property
    def active(self) -> bool:
        """Whether calls run on one CPU: False when switched off, where the system has no way,
        or once it refused one."""
        return self._current_cpu is not None

    def run(self, call: Callable[[], T]) -> T:
        """`call()`, with the partner on this thread's CPU while it runs."""
        current_cpu = self._current_cpu
        if current_cpu is None or not self._alive():
            return call()
        cpu = current_cpu()
        if cpu < 0:
            return call()
        try:
            own_cpus = _cpus_of(0)
        except OSError:
            return call()
        threads_before = _thread_ids()
        try:
            try:
                _set_cpus(0, (cpu,))
                _set_cpus(self.partner, (cpu,))
            except OSError:
                # A CPU taken offline, a cpuset that changed, a partner gone: turns go on as
                # the scheduler places them, for this call and every one after it.
                self._current_cpu = None
            return call()
        finally:
            self._give_back(own_cpus, threads_before)

    def _give_back(self, own_cpus: set[int], threads_before: set[int]) -> None:
        """Both threads back on the CPUs they had (the partner's as it was made with), and the
        threads started meanwhile on the partner's."""
        started = _thread_ids() - threads_before
        for thread, cpus in ((0, own_cpus), (self.partner, self._partner_cpus)):
            try:
                _set_cpus(thread, cpus)
            except OSError:
                self._current_cpu = None
        for thread in started:
            with contextlib.suppress(OSError):  # it has ended
                _set_cpus(thread, self._partner_cpus)


def _thread_ids() -> set[int]:
    """The native ids of this process's Python threads."""
    return {thread.native_id for thread in threading.enumerate() if thread.native_id is not None}


class SharedCpuTransport(httpx.BaseTransport):
    """A transport whose calls run with the server's thread on the caller's CPU (`SharedCpu`)."""

    def __init__(self, transport: httpx.BaseTransport, shared: SharedCpu) -> None:
        self._transport = transport
        self._shared = shared

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._shared.run(lambda: self._transport.handle_request(request))

    def close(self) -> None:
        self._transport.close()
