"""`MockServer`: the real app on uvicorn in a daemon thread, for tests that want a socket."""

from __future__ import annotations

import asyncio
import math
import signal
import socket
import threading
import time
from contextlib import AbstractContextManager
from types import FrameType, TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from sequences_mock.app import create_app
from sequences_mock.connections import ConnectionLimits, protocol_with
from sequences_mock.gate import HeldWorld, RequestGate
from sequences_mock.settings import Settings

__all__ = ["MockServer", "StoppableServer", "api_prefix", "bind_socket", "uvicorn_config"]


def uvicorn_config(
    app: Starlette,
    log_level: str,
    limits: ConnectionLimits | None = None,
    *,
    entry: ASGIApp | None = None,
    taskless: str | None = None,
) -> uvicorn.Config:
    """How the mock runs on uvicorn, whether from the command line or in a test's thread.

    No access log (the journal records every call), no lifespan, no `Server` header, and no
    proxy-header rewriting: the mock reads neither the client address nor the scheme. Each
    connection is bounded (`connections`); a stop waits for open requests a short grace only,
    and cancels what still runs a little after. `entry` is what uvicorn calls, when it is not
    `app` itself but a wrapper around it. Requests under the path prefix `taskless` are run
    without a task of their own while they do not wait (`connections.BoundedProtocol._start`):
    the mock's public API, not the proxy's, whose client needs one.
    """
    limits = limits or ConnectionLimits()
    # Served over a socket, whoever starts it: the network faults have a connection to break.
    app.state.context.on_socket = True
    return uvicorn.Config(
        entry or app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ws="none",
        server_header=False,
        proxy_headers=False,
        http=protocol_with(limits, taskless=taskless),
        timeout_graceful_shutdown=math.ceil(limits.shutdown_grace) + 1,
    )


def api_prefix(app: Starlette) -> str:
    """The path prefix of a mock app's public API (`/v1/`): what it answers without a task."""
    base_path: str = app.state.context.contract.base_path
    return base_path.rstrip("/") + "/"


class StoppableServer(uvicorn.Server):
    """uvicorn's server; a second SIGTERM, like a second Ctrl-C, stops it at once."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGTERM:
            self.force_exit = True
        super().handle_exit(sig, frame)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; port 0 picks a free one. Raises `OSError` when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


class _ThreadServer(StoppableServer):
    """uvicorn in a helper thread, which `MockServer.stop()` stops at once.

    uvicorn notices `should_exit` at its next tick (every 0.1 s), then grants open connections
    another 0.1 s: a test session waited up to 0.2 s for that at its end. `stop()` wakes the
    loop instead, and a server with no connection or task left has nothing to wait for.
    """

    _stopping: asyncio.Event | None = None

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        #: Set once the socket is served: a starter waits on it, not in steps of a poll.
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self.ready.set()

    def install_signal_handlers(self) -> None:
        """Signals belong to the main thread's owner, not to a server in a helper thread."""

    async def main_loop(self) -> None:
        self._stopping = asyncio.Event()
        ticking = asyncio.ensure_future(super().main_loop())
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({ticking, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (ticking, stopping):
            task.cancel()
        await asyncio.gather(ticking, stopping, return_exceptions=True)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()

    def wake(self, loop: asyncio.AbstractEventLoop) -> None:
        """From another thread: stop now, not at the next tick (`should_exit` is set first)."""
        stopping = self._stopping
        if stopping is not None:
            loop.call_soon_threadsafe(stopping.set)


class MockServer:
    """A mock listening on a real socket until `stop()` (or the end of a `with` block)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
        limits: ConnectionLimits | None = None,
    ) -> None:
        self.settings = settings or Settings()
        #: The app; requests that `quiet` must see go in by `entry`, as the socket's do.
        self.app: Starlette = create_app(self.settings)
        self._gate = RequestGate(self.app, self.app.state.context)
        self._host, self._port = host, port
        self._startup_timeout = startup_timeout
        self._limits = limits
        self._server: _ThreadServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> MockServer:
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        sock = bind_socket(self._host, self._port)
        host, port = sock.getsockname()[:2]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        config = uvicorn_config(
            self.app, "warning", self._limits, entry=self._gate, taskless=api_prefix(self.app)
        )
        self._server = _ThreadServer(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sequences-mock", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._server.ready.wait(0.005):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the mock did not start on {self.url}")
        return self

    @property
    def entry(self) -> ASGIApp:
        """The app as requests over the socket enter it: calls on `loop` go in by it too."""
        return self._gate

    def quiet(self) -> AbstractContextManager[HeldWorld | None]:
        """In a `with` block: the default world while no request is in the app (requests that
        come meanwhile wait for the block's end), or None when one is. A test's end reads the
        world's coverage and resets it this way, without waiting for the server's thread."""
        return self._gate.quiet()

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop serving requests while the server runs (to run calls on, in order)."""
        if self._server is None or not self._server.servers:
            return None
        return self._server.servers[0].get_loop()

    @property
    def thread_id(self) -> int | None:
        """The native id of the thread serving requests while it runs (None once it ended)."""
        thread = self._thread
        return thread.native_id if thread is not None and thread.is_alive() else None

    @property
    def requests_served(self) -> int:
        """Requests that have entered the app so far, over the socket or by `entry`."""
        return self._gate.entered

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the server to finish, wait at most `timeout`, then force it."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        loop = self.loop
        if loop is not None and not loop.is_closed():
            server.wake(loop)
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        self._server = self._thread = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread is not None else "stopped"
        return f"MockServer({self.url or 'unbound'}, {state})"
