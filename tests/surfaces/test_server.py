"""MockServer: the real app on uvicorn, over a real socket."""

from __future__ import annotations

import socket

import httpx
import pytest

from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock.server import MockServer


def test_serves_the_api_over_a_real_socket_on_a_free_port():
    """Port 0 gets a real port; health, the public API and the contract answer over TCP."""
    with MockServer() as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert not server.url.endswith(":0")
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/__mock/health").status_code == 200
            run = client.get(f"/v1/sequences/{AMELIE_RUN}", headers=bearer(READ_WRITE))
            assert (run.status_code, run.json()["status"]) == (200, "ACTIVE")
            stopped = client.post(
                f"/v1/sequences/{AMELIE_RUN}/stop",
                json={"reason": "WIN"},
                headers=bearer(READ_WRITE),
            )
            assert stopped.json()["status"] == "STOPPED_EARLY"
            too_large = client.patch(
                f"/v1/sequences/{AMELIE_RUN}",
                content=b'{"variables": {"a": "' + b"x" * (1024 * 1024) + b'"}}',
                headers={**bearer(READ_WRITE), "Content-Type": "application/json"},
            )
            assert too_large.status_code == 413
            assert too_large.headers["content-type"] == "application/problem+json"
            # As `sequences-mock serve` answers: no Server header naming the stack.
            assert "server" not in run.headers


def test_stop_closes_the_socket():
    """After stop() nothing listens on the port any more."""
    server = MockServer().start()
    port = int(server.url.rsplit(":", 1)[1])

    server.stop()

    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=1),
    ):
        pass


def test_two_servers_run_side_by_side_with_their_own_state():
    """Two servers in one process: a write to one is invisible to the other."""
    with MockServer() as first, MockServer() as second:
        assert first.url != second.url
        httpx.post(
            f"{first.url}/v1/sequences/{AMELIE_RUN}/stop",
            json={"reason": "LOSE"},
            headers=bearer(READ_WRITE),
        )
        status = httpx.get(f"{second.url}/v1/sequences/{AMELIE_RUN}", headers=bearer(READ_WRITE))
        assert status.json()["status"] == "ACTIVE"


def test_starting_twice_is_refused():
    """A running server cannot be started again."""
    with MockServer() as server, pytest.raises(RuntimeError, match="already running"):
        server.start()
