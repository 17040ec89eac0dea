"""Any ASGI app on uvicorn, on 127.0.0.1 and a free port, in a daemon thread; and a plain socket
to a served URL, for tests that write the bytes of HTTP themselves."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        """Signals belong to the main thread."""


@contextmanager
def served(app: Any, **options: Any) -> Iterator[str]:
    """`app` served until the block ends (`options` for uvicorn's config); yields its base URL."""
    settings: dict[str, Any] = {"log_level": "warning", "lifespan": "auto", **options}
    config = uvicorn.Config(app, host="127.0.0.1", port=0, **settings)
    server = _Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def open_socket(url: str, timeout: float = 5.0) -> socket.socket:
    """A TCP connection to the host and port of `url` (`http://127.0.0.1:8080`)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=timeout)
