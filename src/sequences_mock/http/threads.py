"""Long work off the event loop, so that the mock keeps answering while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["in_daemon_thread", "workers_running"]

T = TypeVar("T")


class _Worker(threading.Thread):
    """A thread `in_daemon_thread` started (what `workers_running` counts)."""


def workers_running() -> int:
    """How many worker threads still run: work that a stopped server may no longer await."""
    return sum(1 for thread in threading.enumerate() if isinstance(thread, _Worker))


async def in_daemon_thread(work: Callable[[], T], *, name: str) -> T:
    """`work()`, run on a thread of its own while the loop goes on serving.

    A daemon thread rather than the loop's default executor: the interpreter's exit waits for
    executor threads, and a server that stops must not wait for a seed nobody awaits any more.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = work(), None
        except BaseException as failure:  # handed to the awaiting task
            result, error = None, failure
        # The loop is closed when the server stopped meanwhile: nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    _Worker(target=run, name=name, daemon=True).start()
    return await future
