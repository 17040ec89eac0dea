"""`KeptAliveTransport`, under the handle's pooled API client: the calls of httpx's own
transport, failures raised as the same httpx exceptions, connections kept and renewed."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock.client.transport import KeptAliveTransport
from sequences_mock.server import MockServer

RW = bearer(READ_WRITE)
RUN_PATH = f"/v1/sequences/{AMELIE_RUN}"


def kept_alive(url: str, **options: Any) -> httpx.Client:
    return httpx.Client(
        base_url=url, transport=KeptAliveTransport.for_url(url), timeout=5, **options
    )


def outcome(call: Callable[[], httpx.Response]) -> tuple[str, str]:
    """What a call came to: its status and body, or the exception's class and message."""
    try:
        response = call()
    except httpx.HTTPError as error:
        return type(error).__name__, str(error)
    return str(response.status_code), response.text


@pytest.mark.parametrize("network", ["reset", "empty", "truncated"])
def test_a_network_fault_raises_what_httpx_raises(
    server: MockServer, control: httpx.Client, network: str
) -> None:
    outcomes = []
    for make in (
        lambda: httpx.Client(base_url=server.url, timeout=5),
        lambda: kept_alive(server.url),
    ):
        control.post("/__mock/faults", json={"operation": "getSequence", "network": network})
        with make() as client:
            outcomes.append(outcome(lambda: client.get(RUN_PATH, headers=RW)))
            assert client.get(RUN_PATH, headers=RW).status_code == 200  # a new connection
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] in ("ReadError", "RemoteProtocolError")


def test_answers_are_httpx_answers(server: MockServer, control: httpx.Client) -> None:
    with httpx.Client(base_url=server.url, timeout=5) as plain, kept_alive(server.url) as kept:
        for client in (plain, kept):
            control.post("/__mock/reset")
            paused = client.post(
                f"{RUN_PATH}/pause", json={"paused_until": "2026-03-09T09:00:00Z"}, headers=RW
            )
            missing = client.get("/v1/sequences/not-a-uuid", headers=RW)
            head = client.head(RUN_PATH, headers=RW)
            assert (paused.status_code, missing.status_code, head.status_code) == (200, 404, 200)
            assert paused.json()["status"] == "WAITING_FOR_LEAD"
            assert paused.headers["content-type"] == "application/json"
            assert missing.headers["content-type"] == "application/problem+json"
            assert head.content == b""
            assert paused.http_version == "HTTP/1.1"
        journal = control.get("/__mock/requests").json()["requests"]
        assert journal[-3]["body"] == {"paused_until": "2026-03-09T09:00:00Z"}


class CountingServer:
    """A plain HTTP/1.1 server answering `200 ok` to each request, counting connections; it
    closes each connection after `answers_per_connection` answers, and can stay silent."""

    def __init__(self, answers_per_connection: int = 1000, silent: bool = False) -> None:
        self.connections = 0
        #: Released once for each connection the server has closed.
        self.closed = threading.Semaphore(0)
        self._answers, self._silent = answers_per_connection, silent
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        with contextlib.ExitStack() as stack:
            stack.callback(self.closed.release)
            stack.enter_context(sock)
            self._answer(sock)

    def _answer(self, sock: socket.socket) -> None:
        for _ in range(self._answers):
            if not _read_request(sock):
                return
            if self._silent:
                sock.recv(1)  # holds the connection, answering nothing, until the client goes
                return
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def close(self) -> None:
        self._listener.close()


def _read_request(sock: socket.socket) -> bool:
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        received += chunk
    return True


@pytest.fixture
def counting() -> Iterator[Callable[..., CountingServer]]:
    servers: list[CountingServer] = []

    def start(**options: Any) -> CountingServer:
        servers.append(CountingServer(**options))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_calls_share_one_kept_connection(counting: Callable[..., CountingServer]) -> None:
    server = counting()
    with kept_alive(server.url) as client:
        assert [client.get("/").text for _ in range(5)] == ["ok"] * 5
    assert server.connections == 1


def test_a_connection_the_server_closed_is_replaced(
    counting: Callable[..., CountingServer],
) -> None:
    server = counting(answers_per_connection=1)
    with kept_alive(server.url) as client:
        for _ in range(3):
            assert client.get("/").text == "ok"
            assert server.closed.acquire(timeout=10)  # closed before the next call is sent
    assert server.connections == 3


def test_a_silent_server_is_a_read_timeout(counting: Callable[..., CountingServer]) -> None:
    server = counting(silent=True)
    with kept_alive(server.url) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/", timeout=0.2)


def test_nobody_listening_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with kept_alive(url) as client, pytest.raises(httpx.ConnectError):
        client.get("/")


def test_threads_each_take_a_connection(server: MockServer, control: httpx.Client) -> None:
    with kept_alive(server.url) as client, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: client.get(RUN_PATH, headers=RW).status_code, range(80)))
    assert statuses == [200] * 80


def test_only_plain_http_urls() -> None:
    with pytest.raises(ValueError, match="plain-HTTP"):
        KeptAliveTransport.for_url("https://mock.example")


def test_a_body_of_unknown_length_goes_chunked(server: MockServer, control: httpx.Client) -> None:
    body = iter([b'{"variables": ', b'{"cta": "chunked"}}'])
    with kept_alive(server.url) as client:
        response = client.patch(
            RUN_PATH, content=body, headers={**RW, "Content-Type": "application/json"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["variables"]["cta"] == "chunked"
        assert client.get(RUN_PATH, headers=RW).status_code == 200  # the connection goes on
