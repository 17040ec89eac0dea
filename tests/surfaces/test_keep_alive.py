"""An idle kept-alive connection closes `timeout_keep_alive` seconds after its last answer, as
under uvicorn's own protocol; one in use is not closed early."""

from __future__ import annotations

import socket
import time
from typing import Any

from asgi_server import open_socket, served
from sequences_mock.connections import ConnectionLimits, protocol_with

KEEP_ALIVE = 1.0  # seconds; each step below leaves it a margin of 0.4 s or more
REQUEST = b"GET /quick/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def ask(sock: socket.socket) -> bytes:
    sock.sendall(REQUEST)
    return sock.recv(65536)


def closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False


def test_an_idle_connection_closes_its_keep_alive_after_the_last_answer():
    protocol = protocol_with(ConnectionLimits(), taskless="/quick/")
    options = {"http": protocol, "lifespan": "off", "timeout_keep_alive": KEEP_ALIVE}
    with served(app, **options) as url, open_socket(url) as sock:
        answers = [ask(sock)]
        for _ in range(3):  # each answer starts the keep-alive afresh
            time.sleep(KEEP_ALIVE * 0.6)
            answers.append(ask(sock))
        still_open = not closed_within(sock, KEEP_ALIVE * 0.4)
        closed = closed_within(sock, KEEP_ALIVE * 3)

    assert all(answer.startswith(b"HTTP/1.1 200 OK") for answer in answers), answers
    assert (still_open, closed) == (True, True)
