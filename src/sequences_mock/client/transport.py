"""How the clients reach a mock over HTTP.

`KeptAliveTransport` carries an `httpx.Client`'s calls to a plain-HTTP mock over the standard
library's `http.client`, on connections kept alive between calls. A test calls the mock once
or more per test, and httpx's default transport (httpcore and h11) costs some 120 us a call
more than this one on the loopback: a fifth of what a call costs there. What it raises is what
httpx's default transport raises for the same failure (the network faults' table holds for
it: a reset is a `ReadError`, an empty or cut answer a `RemoteProtocolError`).
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

__all__ = ["KeptAliveTransport", "tls_for"]

#: Connections open at once, and kept open between calls, at most (httpx's defaults).
MAX_CONNECTIONS = 100
MAX_KEPT_ALIVE = 20


def tls_for(url: str) -> bool:
    """httpx's `verify` for a client of the mock at `url`: False for plain HTTP, where no TLS
    context is needed; building httpx's default one loads the CA bundle, 35-60 ms a client."""
    return not url.startswith("http://")


class KeptAliveTransport(httpx.BaseTransport):
    """HTTP/1.1 to one plain-HTTP host and port, over kept-alive `http.client` connections.

    Thread-safe: each call takes a connection of its own (an idle one, or a new one), at most
    `MAX_CONNECTIONS` at once (a call waits its pool timeout for one, then `PoolTimeout`).
    """

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._closed = False

    @classmethod
    def for_url(cls, url: str) -> KeptAliveTransport:
        """For the host and port of a plain-HTTP URL (`http://127.0.0.1:8080/...`)."""
        parsed = httpx.URL(url)
        if parsed.scheme != "http":
            raise ValueError(f"{url} is not a plain-HTTP URL")
        return cls(parsed.host, parsed.port or 80)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        if not self._slots.acquire(timeout=_seconds(timeouts.get("pool"))):
            raise httpx.PoolTimeout("no connection came free in time", request=request)
        try:
            connection = self._connection(timeouts, request)
            try:
                response, body = self._exchange(connection, request, timeouts)
            except BaseException:
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                self._keep(connection)
        finally:
            self._slots.release()
        reason = response.reason.encode("ascii", "replace")
        return httpx.Response(
            response.status,
            headers=response.getheaders(),
            stream=httpx.ByteStream(body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _connection(
        self, timeouts: dict[str, Any], request: httpx.Request
    ) -> http.client.HTTPConnection:
        """An idle connection the server has not closed, or a new one."""
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if connection.sock is not None and not _readable(connection.sock):
                    return connection
                connection.close()  # closed by the server (or it sent what nobody asked for)
        connection = http.client.HTTPConnection(
            self._host, self._port, timeout=_seconds(timeouts.get("connect"))
        )
        with _mapped(request, httpx.ConnectTimeout, httpx.ConnectError):
            connection.connect()
        return connection

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        request: httpx.Request,
        timeouts: dict[str, Any],
    ) -> tuple[http.client.HTTPResponse, bytes]:
        assert connection.sock is not None
        body = request.read()
        with _mapped(request, httpx.WriteTimeout, httpx.WriteError):
            connection.sock.settimeout(_seconds(timeouts.get("write")))
            connection.putrequest(
                request.method, request.url.raw_path.decode("ascii"),
                skip_host=True, skip_accept_encoding=True,
            )  # fmt: skip
            for name, value in request.headers.raw:
                connection.putheader(name, value)
            connection.endheaders(body or None)
        with _mapped(request, httpx.ReadTimeout, httpx.ReadError):
            connection.sock.settimeout(_seconds(timeouts.get("read")))
            response = connection.getresponse()
            return response, response.read()

    def _keep(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < MAX_KEPT_ALIVE:
                self._idle.append(connection)
                return
        connection.close()


def _readable(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: the server closed it, or broke it."""
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _seconds(timeout: Any) -> float | None:
    return None if timeout is None else float(timeout)


@contextmanager
def _mapped(
    request: httpx.Request,
    timed_out: type[httpx.TimeoutException],
    failed: type[httpx.TransportError],
) -> Iterator[None]:
    """The standard library's failures as the httpx exceptions httpcore raises for them."""
    try:
        yield
    except TimeoutError as error:
        raise timed_out(str(error) or "timed out", request=request) from error
    except http.client.RemoteDisconnected as error:
        message = "Server disconnected without sending a response."
        raise httpx.RemoteProtocolError(message, request=request) from error
    except http.client.IncompleteRead as error:
        received = len(error.partial)  # `expected` counts the bytes still missing
        total = received + error.expected if error.expected is not None else "more"
        message = (
            "peer closed connection without sending complete message body "
            f"(received {received} bytes, expected {total})"
        )
        raise httpx.RemoteProtocolError(message, request=request) from error
    except http.client.HTTPException as error:
        raise httpx.RemoteProtocolError(str(error), request=request) from error
    except OSError as error:
        raise failed(str(error), request=request) from error
