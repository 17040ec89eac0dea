"""Pausing Python's cyclic garbage collector around work that allocates millions of objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


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
