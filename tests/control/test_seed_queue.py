"""Concurrent seeds: one is built and one waits, each holding its body; any more are refused
before their body is read (16 seeds of 113 MB once held 2.1 GB together)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx

from asgi_server import open_socket
from sequences_mock.server import MockServer

JSON = {"Content-Type": "application/json"}


class SlowBody:
    """A seed body that starts, then holds back its end until `finish` is set."""

    def __init__(self) -> None:
        self.finish = threading.Event()
        self.started = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"workspaces": ['
        self.started.set()
        self.finish.wait(30)
        yield b"]}"


def test_a_third_seed_is_refused_before_its_body_is_read() -> None:
    with MockServer() as server:
        bodies = [SlowBody(), SlowBody()]
        answers: list[httpx.Response] = []

        def seed(body: SlowBody) -> None:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                answers.append(client.post("/__mock/seed", content=body, headers=JSON))

        seeding = [threading.Thread(target=seed, args=(body,)) for body in bodies]
        for thread in seeding:
            thread.start()
        for body in bodies:
            assert body.started.wait(10)
        try:
            third = _headers_only(server.url, 113_000_000)
        finally:
            for body in bodies:
                body.finish.set()
            for thread in seeding:
                thread.join(30)

    assert third.startswith(b"HTTP/1.1 503 "), third[:300]
    assert b'"code":"seed_queue_full"' in third
    assert b"retry-after: 1\r\n" in third.lower()
    # the first built wins; the second, arrived in the same world, is then told so
    assert sorted(answer.status_code for answer in answers)[0] == 200
    assert {answer.status_code for answer in answers} <= {200, 503}


def _headers_only(url: str, length: int) -> bytes:
    """Send a seed's headers announcing `length` bytes, none of them, and read the answer."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with open_socket(url, timeout=10) as connection:
        connection.sendall(
            b"POST /__mock/seed HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (f"{host}:{port}".encode(), length)
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer
