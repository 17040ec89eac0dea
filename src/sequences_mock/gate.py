"""A mock's world held still between requests, for the thread that runs a test.

The pytest plugin ends every test the same way: count its calls for the suite's coverage, and
reset the world for the next. Through the control plane that is a call (on a socket-served
mock, a hop to the server's thread and back, which costs more than the work). While no request
is in the app, the test's thread can do the work itself: `RequestGate.quiet`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from sequences_mock.http.context import Context

__all__ = ["HeldWorld", "RequestGate"]


class HeldWorld:
    """The default world of an app no request is in, for the thread that holds it still."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def coverage(self) -> dict[str, Any]:
        """What `GET /__mock/coverage` would answer."""
        return self._context.coverage()

    def reset(self) -> None:
        """What `POST /__mock/reset` does."""
        self._context.runtime.reset()


class RequestGate:
    """An app as requests enter it (`app`, whose world is `context`'s), counted on the way in
    and out, so that a thread can act on the world while none is inside (`quiet`).

    A request waits to enter while a quiet block runs (an event loop stops for that long), so
    a block must be short, and must not wait for a request.
    """

    def __init__(self, app: ASGIApp, context: Context) -> None:
        self.app = app
        self._world = HeldWorld(context)
        # Reentrant: a request's exit run on the holder's thread (an abandoned call collected
        # during a block) must not wait for the block.
        self._lock = threading.RLock()
        self._inside = 0
        self._entered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with self._lock:
            self._inside += 1
            self._entered += 1
        try:
            await self.app(scope, receive, send)
        finally:
            with self._lock:
                self._inside -= 1

    @property
    def entered(self) -> int:
        """Requests that have entered the app so far; one waiting at the gate is not counted
        until the block it waits for is over."""
        return self._entered

    @contextmanager
    def quiet(self) -> Iterator[HeldWorld | None]:
        """The world while no request is in the app (they wait to enter meanwhile), or None."""
        with self._lock:
            yield None if self._inside else self._world
