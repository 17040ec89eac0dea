"""How the plugin's handles reach a mock without HTTP, and how promptly a test server stops.

`SyncASGITransport` drives an in-process app from synchronous code; `LoopTransport` runs a call on
the event loop of a server in this process, in turn with the requests arriving over its socket.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx
import pytest

from sequences_mock.server import MockServer
from sequences_mock.testing import SyncASGITransport
from sequences_mock.testing.transport import LoopTransport

AUTH = {"Authorization": "Bearer sk_test_acme_read_write"}


async def crashing_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    raise RuntimeError("a bug in the app")


def test_the_sync_transport_carries_query_headers_and_body_both_ways() -> None:
    from sequences_mock.app import create_app

    transport = SyncASGITransport(create_app())
    with httpx.Client(transport=transport, base_url="http://mock") as client:
        page = client.get("/v1/sequences", params={"status": "ACTIVE", "size": 2}, headers=AUTH)
        refused = client.post("/__mock/seed", content=b"{", headers={"Content-Type": "text/csv"})

    assert page.status_code == 200
    assert page.headers["content-type"] == "application/json"
    assert len(page.json()["items"]) == 2
    assert {item["status"] for item in page.json()["items"]} == {"ACTIVE"}
    assert (refused.status_code, refused.json()["code"]) == (415, "unsupported_media_type")
    assert transport._loop.is_closed()


def test_an_app_exception_reaches_the_caller() -> None:
    with (
        httpx.Client(transport=SyncASGITransport(crashing_app)) as client,
        pytest.raises(RuntimeError, match="a bug in the app"),
    ):
        client.get("http://mock/")


def test_the_loop_transport_runs_calls_on_the_server_loop_in_turn() -> None:
    with MockServer() as server:
        assert server.loop is not None
        transport = LoopTransport(server.app, server.loop)
        seeded = transport.handle_request(
            httpx.Request("POST", f"{server.url}/__mock/clock", json={"advance_seconds": 60})
        )
        # The socket sees what the loop's call did.
        clock = httpx.get(f"{server.url}/__mock/clock", timeout=10).json()

        async def from_the_loop_itself() -> None:
            transport.handle_request(httpx.Request("GET", f"{server.url}/__mock/health"))

        refused = asyncio.run_coroutine_threadsafe(from_the_loop_itself(), server.loop)
        with pytest.raises(RuntimeError, match="would wait for itself"):
            refused.result(10)

    assert seeded.status_code == 200
    assert clock["now"] == "2026-03-02T09:01:00Z"
    assert server.loop is None


def test_a_server_without_open_connections_stops_at_once() -> None:
    """uvicorn alone takes 0.1-0.2 s (a polling tick, then a fixed grace for connections)."""
    durations = []
    for _ in range(3):
        server = MockServer().start()
        httpx.get(f"{server.url}/__mock/health", timeout=10)  # its connection is closed again
        started = time.perf_counter()
        server.stop()
        durations.append(time.perf_counter() - started)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/__mock/health", timeout=2)

    assert statistics.median(durations) < 0.1, durations


def test_a_server_with_an_open_connection_still_stops() -> None:
    server = MockServer().start()
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{server.url}/__mock/health").status_code == 200
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get(f"{server.url}/__mock/health")
