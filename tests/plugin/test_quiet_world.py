"""A test's end without a call: the world held still between requests (`RequestGate.quiet`).

The plugin counts a test's calls and resets the mock from the test's own thread while no
request is in the app; with one inside, it goes through the control plane as before.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from sequences_mock.app import create_app
from sequences_mock.gate import HeldWorld, RequestGate
from sequences_mock.server import MockServer
from sequences_mock.testing import SuiteCoverage, SyncASGITransport
from sequences_mock.testing.control import Connection
from sequences_mock.testing.transport import LentTransport, LoopTransport

AUTH = {"Authorization": "Bearer sk_test_acme_read_write"}
RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"
PATCH = {"variables": {"first_name": "Zoé"}}


def test_a_quiet_world_counts_and_resets_as_the_control_plane_does() -> None:
    gate = _gate()
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
    gate = _gate()

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


def test_a_test_that_leaves_a_request_running_ends_through_the_control_plane() -> None:
    with MockServer() as server:
        assert server.loop is not None
        handed: list[HeldWorld | None] = []

        @contextmanager
        def quiet() -> Iterator[HeldWorld | None]:
            with server.quiet() as world:
                handed.append(world)
                yield world

        coverage = SuiteCoverage()
        connection = Connection(
            server.url,
            None,
            coverage,
            transport=LoopTransport(server.entry, server.loop),
            served=lambda: server.requests_served,
            quiet=quiet,
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
            assert not _quiet(server), "the slow GET never got into the app"
            connection.finish_test(find_incidents=True)
            slow.join(10)
            after = client.get(f"/sequences/{RUN}").json()

    assert handed == [None]  # not quiet: the end went through the control plane
    assert coverage.tallies["updateSequence"] == {"200": 1}
    assert after["variables"] == {"first_name": "Amélie"}


def test_a_call_that_waited_through_a_tests_end_is_reset_before_the_next_test() -> None:
    """A call from another thread arriving while a test ends waits at the gate, and counts as
    served only once it is in: the next test's start sees it and resets."""
    gate = _gate()
    transport = SyncASGITransport(gate)

    @contextmanager
    def quiet_while_a_call_arrives() -> Iterator[HeldWorld | None]:
        with gate.quiet() as world:
            late.start()
            late.join(0.2)  # it waits at the gate meanwhile
            yield world

    def late_patch() -> None:
        with httpx.Client(transport=LentTransport(transport), base_url="http://mock") as client:
            client.patch(f"/v1/sequences/{RUN}", json=PATCH, headers=AUTH)

    late = threading.Thread(target=late_patch)
    connection = Connection(
        "http://mock",
        transport=transport,
        served=lambda: gate.entered,
        quiet=quiet_while_a_call_arrives,
    )
    connection.finish_test(find_incidents=True)
    late.join(10)
    connection.start_test()
    with httpx.Client(transport=LentTransport(transport), base_url="http://mock") as client:
        after = client.get(f"/v1/sequences/{RUN}", headers=AUTH).json()
    transport.close()

    assert after["variables"] == {"first_name": "Amélie"}


def _gate() -> RequestGate:
    app = create_app()
    return RequestGate(app, app.state.context)


def _quiet(server: MockServer) -> bool:
    with server.quiet() as world:
        return world is not None
