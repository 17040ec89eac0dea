"""How the clients reach a mock over HTTP.

`KeptAliveTransport` carries an `httpx.Client`'s calls to a plain-HTTP mock over sockets kept
alive between calls, reading answers with httptools' response parser (the C parser uvicorn
reads requests with). A test calls the mock once or more per test; on the loopback httpx's own
transport (httpcore and h11, pure Python) costs some 200 us a call more than this one, and the
standard library's `http.client` some 100 us more. What it raises is what httpx's default
transport raises for the same failure (the network faults' table holds for it: a reset is a
`ReadError`, an empty or cut answer a `RemoteProtocolError`, with the same messages).
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httptools
import httpx

__all__ = ["KeptAliveTransport", "tls_for"]

#: Connections open at once, and kept open between calls, at most (httpx's defaults).
MAX_CONNECTIONS = 100
MAX_KEPT_ALIVE = 20
#: The most bytes one read takes from the socket.
READ_SIZE = 65536


def tls_for(url: str) -> bool:
    """httpx's `verify` for a client of the mock at `url`: False for plain HTTP, where no TLS
    context is needed; building httpx's default one loads the CA bundle, 35-60 ms a client."""
    return not url.startswith("http://")


class KeptAliveTransport(httpx.BaseTransport):
    """HTTP/1.1 to one plain-HTTP host and port, on connections kept alive between calls.

    Thread-safe: each call takes a connection of its own (an idle one the server has not
    closed, or a new one), at most `MAX_CONNECTIONS` at once (a call waits its pool timeout
    for one, then `PoolTimeout`); at most `MAX_KEPT_ALIVE` are kept idle.
    """

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._idle: list[socket.socket] = []
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
            sock = self._connection(timeouts, request)
            try:
                answer = _exchange(sock, request, timeouts)
            except BaseException:
                sock.close()
                raise
            if answer.keep_alive:
                self._keep(sock)
            else:
                sock.close()
        finally:
            self._slots.release()
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx.ByteStream(b"".join(answer.body)),
            extensions={"http_version": b"HTTP/1.1"},
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()

    def _connection(self, timeouts: dict[str, Any], request: httpx.Request) -> socket.socket:
        with self._lock:
            while self._idle:
                sock = self._idle.pop()
                if not _readable(sock):
                    return sock
                sock.close()  # closed by the server (or it sent what nobody asked for)
        with _mapped(request, httpx.ConnectTimeout, httpx.ConnectError):
            sock = socket.create_connection(self._address, _seconds(timeouts.get("connect")))
        # One request is one write: no waiting for an acknowledgement of the last.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _keep(self, sock: socket.socket) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < MAX_KEPT_ALIVE:
                self._idle.append(sock)
                return
        sock.close()


class _Answer:
    """What httptools' parser reads of one response (its callbacks)."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.received = 0
        self.head_done = self.complete = self.keep_alive = False
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.head_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.received += len(body)

    def on_message_complete(self) -> None:
        self.complete = True
        # Asked here: once the message is complete the parser readies for the next one.
        self.keep_alive = self.parser.should_keep_alive()

    def expected(self) -> int | None:
        for name, value in self.headers:
            if name.lower() == b"content-length" and value.strip().isdigit():
                return int(value)
        return None


def _exchange(sock: socket.socket, request: httpx.Request, timeouts: dict[str, Any]) -> _Answer:
    """Send `request` and read its answer whole."""
    target = request.url.raw_path
    head = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), target)]
    head += [b"%s: %s\r\n" % pair for pair in request.headers.raw]
    body = request.read()
    if any(name.lower() == b"transfer-encoding" for name, _ in request.headers.raw):
        # httpx says chunked for a body of unknown length: read now, it goes as one chunk.
        body = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    with _mapped(request, httpx.WriteTimeout, httpx.WriteError):
        sock.settimeout(_seconds(timeouts.get("write")))
        sock.sendall(b"".join(head) + b"\r\n" + body)
    answer = _Answer()
    parser = answer.parser
    with _mapped(request, httpx.ReadTimeout, httpx.ReadError):
        sock.settimeout(_seconds(timeouts.get("read")))
        while not answer.complete:
            data = sock.recv(READ_SIZE)
            if not data:
                _ended_early(answer, request)
                break
            try:
                parser.feed_data(data)
            except httptools.HttpParserError as error:
                raise httpx.RemoteProtocolError(str(error), request=request) from error
            if request.method == "HEAD" and answer.head_done:
                answer.complete = True  # no body follows, whatever its headers say
                answer.keep_alive = parser.should_keep_alive()
                break
    answer.status = parser.get_status_code()
    return answer


def _ended_early(answer: _Answer, request: httpx.Request) -> None:
    """The server closed the connection before the answer was whole: what httpx raises, unless
    the answer is one that ends with its connection (no length, not chunked)."""
    if not answer.head_done:
        message = "Server disconnected without sending a response."
        raise httpx.RemoteProtocolError(message, request=request)
    expected = answer.expected()
    chunked = any(
        name.lower() == b"transfer-encoding" and b"chunked" in value.lower()
        for name, value in answer.headers
    )
    if expected is None and not chunked:
        answer.complete = True  # its body was all that came before the close
        return
    detail = (
        f"(received {answer.received} bytes, expected {expected})"
        if expected is not None
        else "(incomplete chunked read)"
    )
    message = f"peer closed connection without sending complete message body {detail}"
    raise httpx.RemoteProtocolError(message, request=request)


def _readable(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: the server closed it, or broke it."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _seconds(timeout: Any) -> float | None:
    return None if timeout is None else float(timeout)


@contextmanager
def _mapped(
    request: httpx.Request,
    timed_out: type[httpx.TimeoutException],
    failed: type[httpx.TransportError],
) -> Iterator[None]:
    """A socket's failures as the httpx exceptions httpcore raises for them."""
    try:
        yield
    except TimeoutError as error:
        raise timed_out(str(error) or "timed out", request=request) from error
    except OSError as error:
        raise failed(str(error), request=request) from error
