"""Transports that reach a mock's ASGI app without HTTP, from synchronous code.

`SyncASGITransport` drives an in-process app on an event loop of its own; `LoopTransport` runs
the exchanges on the event loop of a server in this process. Both can also run several calls
as one step (`run`), which the pytest plugin uses to finish a test in a single round.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from sequences_mock.testing.cpu import SharedCpu

__all__ = [
    "LentTransport",
    "LoopTransport",
    "SyncASGITransport",
    "call_app",
    "exchange",
    "scope_of",
]

T = TypeVar("T")

#: The client address the app sees, as httpx's own ASGI transport gives it.
CLIENT = ("127.0.0.1", 123)


class SyncASGITransport(httpx.BaseTransport):
    """Drives an ASGI app from synchronous code, on one event loop kept for its lifetime.

    Inside a running event loop (an async test), the request runs on a helper thread, so a
    synchronous handle works from async tests too. `close()` (or closing the client that owns
    it) closes the loop; a transport that is never closed closes it when it is collected.

    The exchange is httpx's `ASGITransport`'s, without what a synchronous caller on asyncio
    does not need (its check for trio imports a module that is usually missing, which Python
    does not cache: a tenth of a millisecond on every request).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        # A loop of its own: creating one per request costs more than the request itself. It
        # is never set as the thread's event loop (that is pytest-asyncio's, or anyio's), and
        # `run_until_complete` is a third of what `asyncio.Runner.run` costs.
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_loop, self._loop)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.run(lambda: exchange(self.app, request))

    def run(self, steps: Callable[[], Awaitable[T]]) -> T:
        """Await `steps()` on this transport's loop, and return what it returns."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._run(steps)
        # This thread's loop is busy running the caller; the steps need a thread of their own.
        result: list[T] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                result.append(self._run(steps))
            except BaseException as error:  # handed to the caller's thread below
                failure.append(error)

        thread = threading.Thread(target=run, name="sequences-mock-asgi")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]
        return result[0]

    def _run(self, steps: Callable[[], Awaitable[T]]) -> T:
        async def main() -> T:
            return await steps()

        with self._lock:
            return self._loop.run_until_complete(main())

    def close(self) -> None:
        with self._lock:
            self._finalizer()


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    if not loop.is_closed():
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


class LoopTransport(httpx.BaseTransport):
    """Runs an ASGI app's exchanges on the event loop that serves it in another thread.

    For a mock served on a socket in this process: a call takes its turn with the requests
    arriving over the socket, as one sent over it would, without the HTTP in between. With
    `shared`, the server's thread runs it on the caller's CPU.
    """

    def __init__(
        self,
        app: Any,
        loop: asyncio.AbstractEventLoop,
        timeout: float = 30.0,
        *,
        shared: SharedCpu | None = None,
    ) -> None:
        self.app = app
        self._loop = loop
        self._timeout = timeout
        self._shared = shared

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.run(lambda: exchange(self.app, request))

    def run(self, steps: Callable[[], Awaitable[T]]) -> T:
        """Await `steps()` on the server's loop, and return what it returns."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            raise RuntimeError("a call from the mock's own event loop would wait for itself")

        async def main() -> T:
            return await steps()

        def call() -> T:
            return asyncio.run_coroutine_threadsafe(main(), self._loop).result(self._timeout)

        return call() if self._shared is None else self._shared.run(call)


class LentTransport(httpx.BaseTransport):
    """A transport lent to clients: closing one of them leaves it open (its owner closes it)."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._transport.handle_request(request)

    def close(self) -> None:
        """A borrower does not close what it borrowed."""


async def exchange(app: Any, request: httpx.Request) -> httpx.Response:
    """One request through an ASGI app, read whole; the app's exceptions propagate."""
    status, headers, body = await call_app(app, scope_of(request), request.read())
    return httpx.Response(status, headers=headers, content=body, request=request)


def scope_of(request: httpx.Request) -> dict[str, Any]:
    """The ASGI scope of `request` (a call takes a copy: the app adds to it)."""
    url = request.url
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "server": (url.host, url.port),
        "client": CLIENT,
        "root_path": "",
    }


async def call_app(
    app: Any, scope: dict[str, Any], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The status, headers and body `app` answers to `scope` and `body`."""
    body_sent = False
    response_complete = asyncio.Event()
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    parts: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if body_sent:
            await response_complete.wait()
            return {"type": "http.disconnect"}
        body_sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                response_complete.set()

    try:
        await app(dict(scope), receive, send)
    finally:
        response_complete.set()
    return status, headers, b"".join(parts)
