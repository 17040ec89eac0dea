"""The bounded protocol checks each header of an answer as uvicorn does (a name or value found
valid is remembered, not trusted blindly): a bad one is never written, however often sent."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest

from asgi_server import served
from sequences_mock.checked_send import CheckedHeaders
from sequences_mock.connections import ConnectionLimits, protocol_with


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the header `x-echo` set to the query string, percent-decoded."""
    value = unquote_to_bytes(scope["query_string"])
    headers = [(b"content-length", b"2"), (b"x-echo", value)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def answer_to(url: str, query: str) -> bytes:
    """All the connection sent back before it closed."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"GET /?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_a_bad_header_value_is_never_written_valid_ones_always_are():
    protocol = protocol_with(ConnectionLimits(), taskless="/")
    with served(app, http=protocol, lifespan="off") as url:
        answers = [answer_to(url, query) for query in ("fine", "fine", "bad%01", "bad%01")]

    assert [b"x-echo: fine\r\n" in answer for answer in answers[:2]] == [True, True]
    assert answers[2:] == [b"", b""]  # closed, nothing written (a refused value is not remembered)


def test_checked_headers_are_bounded():
    checked = CheckedHeaders()
    for number in range(CheckedHeaders.MAX_COUNT + 1):
        checked.check_value(b"%d" % number)
    checked.check_value(b"x" * (CheckedHeaders.MAX_VALUE_BYTES + 1))

    assert checked.values == {b"%d" % CheckedHeaders.MAX_COUNT}
    with pytest.raises(RuntimeError):
        checked.check_name(b"bad name")
    assert checked.names == set()
