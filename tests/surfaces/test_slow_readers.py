"""Clients that never read a large answer, and more connections than the mock holds: an answer
stalled past the send timeout is dropped with its bytes, and one connection too many is 503."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from asgi_server import open_socket
from sequences_mock.connections import ConnectionLimits
from sequences_mock.server import MockServer

LIMITS = ConnectionLimits(send_timeout=0.5, max_connections=4)
#: Runs of 100 variables of 10,000 characters: a state dump of about 30 MB, more than the
#: socket buffers of both ends hold.
RUNS = 30


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(limits=LIMITS) as running:
        with httpx.Client(base_url=running.url, timeout=30) as client:
            world = client.get("/__mock/state").json()
            template = world["sequences"][0]
            variables = {f"v{n}": "x" * 10_000 for n in range(100)}
            world["sequences"] += [
                {**template, "id": f"00000000-0000-4000-8000-{n:012d}", "variables": variables}
                for n in range(RUNS)
            ]
            assert client.post("/__mock/seed", json=world).status_code == 200
        yield running


def connect(server: MockServer) -> socket.socket:
    return open_socket(server.url)


def test_an_answer_nobody_reads_is_dropped_after_the_send_timeout(server: MockServer) -> None:
    """30 clients that never read a 55 MB page once pinned 1.5 GB for as long as they lived."""
    with connect(server) as reader:
        reader.sendall(b"GET /__mock/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        time.sleep(LIMITS.send_timeout + 1.5)  # not reading: the server's writes stall
        received = 0
        try:
            while chunk := reader.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            pass

    assert 0 < received < RUNS * 1_000_000


def test_one_connection_too_many_is_answered_503_and_closed(server: MockServer) -> None:
    held = [connect(server) for _ in range(LIMITS.max_connections)]
    try:
        time.sleep(0.2)
        with connect(server) as extra:
            answer = b""
            while chunk := extra.recv(65536):
                answer += chunk
        for sock in held:
            sock.close()
        time.sleep(0.2)
        after = httpx.get(f"{server.url}/__mock/health", timeout=5)
    finally:
        for sock in held:
            sock.close()

    assert answer.startswith(b"HTTP/1.1 503 "), answer[:200]
    assert b'"code":"service_unavailable"' in answer
    assert after.status_code == 200
