"""`SyncASGITransport`: an httpx transport that drives an ASGI app from synchronous code."""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Any

import httpx

__all__ = ["SyncASGITransport"]


class SyncASGITransport(httpx.BaseTransport):
    """Drives an ASGI app from synchronous code, on one event loop kept for its lifetime.

    Inside a running event loop (an async test), the request runs on a helper thread, so a
    synchronous handle works from async tests too. `close()` (or closing the client that owns
    it) closes the loop; a transport that is never closed closes it when it is collected.
    """

    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app=app)
        # A loop of its own: creating one per request costs more than the request itself, and
        # `loop_factory` keeps it out of the thread's event-loop policy (pytest-asyncio's).
        self._runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, self._runner.close)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._exchange(request)
        # This thread's loop is busy running the caller; the exchange needs a thread of its own.
        result: list[httpx.Response] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                result.append(self._exchange(request))
            except BaseException as error:  # handed to the caller's thread below
                failure.append(error)

        thread = threading.Thread(target=run, name="sequences-mock-asgi")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]
        return result[0]

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        async def exchange() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        with self._lock:
            return self._runner.run(exchange())

    def close(self) -> None:
        with self._lock:
            self._finalizer()


class SharedTransport(httpx.BaseTransport):
    """A transport lent to short-lived clients: closing one of them leaves it open."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._transport.handle_request(request)

    def close(self) -> None:
        """The owner closes the underlying transport, not a borrower."""
