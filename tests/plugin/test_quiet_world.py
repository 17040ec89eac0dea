"""A test's end without a call: the world held still between requests (`RequestGate.quiet`).

The plugin counts a test's calls and resets the mock from the test's own thread while no
request is in the app; with one inside, it goes through the control plane as before.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx

from sequences_mock.app import create_app
from sequences_mock.gate import RequestGate
from sequences_mock.server import MockServer
from sequences_mock.testing import SuiteCoverage
from sequences_mock.testing.control import Connection
from sequences_mock.testing.transport import LoopTransport

AUTH = {"Authorization": "Bearer sk_test_acme_read_write"}
RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"
PATCH = {"variables": {"first_name": "Zoé"}}


def test_a_quiet_world_counts_and_resets_as_the_control_plane_does() -> None:
    gate = RequestGate(create_app())
    transport = httpx.ASGITransport(app=gate)

    async def scenario() -> tuple[Any, ...]:
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            await client.get(f"/v1/sequences/{RUN}", headers=AUTH)
            await client.patch(f"/v1/sequences/{RUN}", json=PATCH, headers=AUTH)
            await client.get("/v1/sequences/not-a-run", headers=AUTH)
            answered = (await client.get("/__mock/coverage")).json()
            with gate.quiet() as world:
                assert world is not None
                read = world.coverage()
                world.reset()
            after = (await client.get(f"/v1/sequences/{RUN}", headers=AUTH)).json()
            counted = (await client.get("/__mock/coverage")).json()["summary"]
            return answered, read, after, counted

    answered, read, after, counted = asyncio.run(scenario())

    assert read == answered
    assert read["summary"]["operations_called"] == 2
    assert after["variables"] == {"first_name": "Amélie"}  # the patch is gone
    assert counted["operations_called"] == 1  # only the GET after the reset


def test_the_world_is_not_quiet_while_a_request_is_in_the_app() -> None:
    gate = RequestGate(create_app())

    async def scenario() -> tuple[bool, bool]:
        transport = httpx.ASGITransport(app=gate)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            fault = {"operation": "getSequence", "delay_ms": 300}
            assert (await client.post("/__mock/faults", json=fault)).status_code == 201
            slow = asyncio.create_task(client.get(f"/v1/sequences/{RUN}", headers=AUTH))
            held_while_inside = True
            for _ in range(200):
                await asyncio.sleep(0.005)
                with gate.quiet() as world:
                    if world is None:
                        held_while_inside = False
                        break
            assert (await slow).status_code == 200
            with gate.quiet() as world:
                quiet_after = world is not None
            return held_while_inside, quiet_after

    held_while_inside, quiet_after = asyncio.run(scenario())

    assert not held_while_inside, "the gate offered the world while a request was inside"
    assert quiet_after


def test_a_request_waits_for_the_end_of_a_quiet_block() -> None:
    with MockServer() as server:
        answers: list[int] = []

        def call() -> None:
            answers.append(httpx.get(f"{server.url}/v1/sequences/{RUN}", headers=AUTH).status_code)

        with server.quiet() as world:
            assert world is not None
            caller = threading.Thread(target=call)
            caller.start()
            caller.join(0.3)
            during = list(answers)
        caller.join(10)

    assert during == []  # it could not enter while the world was held
    assert answers == [200]


def test_a_test_that_leaves_a_request_running_still_ends_counted_and_reset() -> None:
    with MockServer() as server:
        assert server.loop is not None
        coverage = SuiteCoverage()
        connection = Connection(
            server.url,
            None,
            coverage,
            transport=LoopTransport(server.entry, server.loop),
            served=lambda: server.requests_served,
            quiet=server.quiet,
        )
        with httpx.Client(base_url=f"{server.url}/v1", headers=AUTH, timeout=10) as client:
            connection.start_test()
            client.patch(f"/sequences/{RUN}", json=PATCH)
            fault = {"operation": "getSequence", "delay_ms": 400}
            connection.call("POST", "/__mock/faults", json=fault)
            slow = threading.Thread(target=client.get, args=(f"/sequences/{RUN}",))
            slow.start()
            for _ in range(2000):  # till the slow GET is in the app
                if not _quiet(server):
                    break
                slow.join(0.005)
            connection.finish_test(find_incidents=True)
            slow.join(10)
            after = client.get(f"/sequences/{RUN}").json()

    assert coverage.tallies["updateSequence"] == {"200": 1}
    assert after["variables"] == {"first_name": "Amélie"}


def _quiet(server: MockServer) -> bool:
    with server.quiet() as world:
        return world is not None
