"""Memory around work that allocates millions of objects: Python's cyclic garbage collector
paused while it runs, and what it freed handed back to the system afterwards."""

from __future__ import annotations

import ctypes
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["LARGE_DOCUMENT_BYTES", "collector_paused", "return_free_memory"]

#: A seed this large leaves tens of MiB freed behind: worth handing back (see
#: `return_free_memory`); a smaller one is not worth a thread.
LARGE_DOCUMENT_BYTES = 1024 * 1024


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a world or moving many runs on.

    Building 100,000 sequences allocates millions of objects, and every allocation threshold
    crossed runs a collection that walks all of them: a third of a large seed's time (and of a
    clock move that runs 500,000 steps), and none of these objects are cyclic garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def return_free_memory() -> None:
    """Hand the memory freed after a large seed back to the system, on a thread of its own.

    glibc keeps what a thread freed in that thread's arena: two 20 MB seeds built at once left
    the process 40 MiB larger for good, and more with every such round. `malloc_trim` gives it
    back; it takes tens of milliseconds, which the loop does not wait for (ctypes lets go of
    the GIL). One trim at a time, for the whole process (the allocator is the process's); where
    the C library is not glibc, nothing is done.
    """
    if _MALLOC_TRIM is None:
        return
    _AGAIN.set()  # a trim already running trims once more: this seed freed memory after it began
    if _TRIMMING.acquire(blocking=False):
        threading.Thread(target=_trim, name="mock-trim", daemon=True).start()


def _trim() -> None:
    while True:
        try:
            while _AGAIN.is_set():
                _AGAIN.clear()
                if _MALLOC_TRIM is not None:
                    _MALLOC_TRIM(0)
        finally:
            _TRIMMING.release()
        # Asked for between the last check and the release: this thread takes it, unless a new
        # one already did.
        if not _AGAIN.is_set() or not _TRIMMING.acquire(blocking=False):
            return


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None
    return trim


_MALLOC_TRIM = _malloc_trim()
#: Held while a trim runs, and set when one is asked for: the allocator, and so these, belong
#: to the whole process.
_TRIMMING = threading.Lock()
_AGAIN = threading.Event()
