"""One clock move that runs hundreds of thousands of steps is applied a slice at a time: the
server answers meanwhile, and calls that read runs wait for the move's end and see it whole."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from world import API_KEY, generate

from sequences_mock.app import create_app
from sequences_mock.server import MockServer
from sequences_mock.settings import Settings

RUNS = 3000
#: 100 steps of an hour each: the move runs 300,000 steps.
STEPS = [{"type": "email", "wait": "PT1H"}] * 100


@pytest.fixture
def server() -> Iterator[MockServer]:
    world: dict[str, Any] = generate(RUNS, cadence=STEPS)
    with MockServer() as running:
        with httpx.Client(base_url=running.url, timeout=60) as client:
            assert client.post("/__mock/seed", json=world).status_code == 200
        yield running


def test_a_long_clock_move_lets_the_server_answer_meanwhile(server: MockServer) -> None:
    """Once one move blocked every call until its last step ran (14.8 s for 10M events)."""
    moved = threading.Event()
    answers: list[httpx.Response] = []

    def move() -> None:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            answers.append(client.post("/__mock/clock", json={"advance_seconds": 200 * 86400}))
        moved.set()

    runtime = server.app.state.runtime
    mover = threading.Thread(target=move)
    mover.start()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            begun = time.monotonic() + 60
            while not runtime.moving and not moved.is_set() and time.monotonic() < begun:
                time.sleep(0.005)
            healthy_during_the_move = 0
            while runtime.moving:
                health = client.get("/__mock/health")
                assert health.status_code == 200
                # Counted only when the move was still going once the answer was back.
                healthy_during_the_move += runtime.moving
            page = client.get(
                "/v1/sequences",
                params={"status": "ACTIVE"},
                headers={"Authorization": f"Bearer {API_KEY}"},
            )
    finally:
        mover.join(120)

    assert healthy_during_the_move >= 1
    assert answers[0].status_code == 200
    assert page.status_code == 200
    assert page.json()["total"] == 0  # read after the move: every run ran its 100 steps


@pytest.mark.anyio
async def test_a_call_on_a_ticking_clock_catches_up_a_slice_at_a_time() -> None:
    """Nobody called while a ticking clock made 300,000 steps due: the first read applies them,
    yet health answers meanwhile (it once waited for all of them on the loop)."""
    ticks = [0.0]
    app = create_app(Settings(monotonic=lambda: ticks[0]))
    world: dict[str, Any] = generate(RUNS, cadence=STEPS)
    world["clock"]["frozen"] = False
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        assert (await client.post("/__mock/seed", json=world)).status_code == 200
        ticks[0] += 200 * 86400  # two hundred days pass without a call
        read_done = asyncio.Event()
        healthy_during_the_read = 0

        async def read() -> httpx.Response:
            try:
                return await client.get(
                    "/v1/sequences",
                    params={"status": "ACTIVE"},
                    headers={"Authorization": f"Bearer {API_KEY}"},
                )
            finally:
                read_done.set()

        async def poll_health() -> None:
            nonlocal healthy_during_the_read
            while not read_done.is_set():
                assert (await client.get("/__mock/health")).status_code == 200
                healthy_during_the_read += not read_done.is_set()
                await asyncio.sleep(0)

        page, _ = await asyncio.gather(read(), poll_health())

    assert page.status_code == 200
    assert page.json()["total"] == 0  # every run ran its 100 steps before the answer
    assert healthy_during_the_read >= 1
