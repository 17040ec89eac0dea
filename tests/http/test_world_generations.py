"""A request belongs to the world it arrived in: a reset or seed that replaces that world before
the request is applied leaves it changing nothing, answered `503 world_replaced` and journaled in
neither world; and a client that hangs up during a fault's delay is not journaled as answered.

The requests here are driven message by message at the ASGI level, so that a reset or seed can
land between a request's headers and its body, as it can over a socket.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from default_world import AMELIE_RUN, CLOCK_START, INITECH, READ_WRITE, bearer
from http_helpers import asgi_scope
from sequences_mock.core.errors import WorldReplaced
from sequences_mock.server import MockServer
from sequences_mock.state.runtime import Runtime

Message = dict[str, Any]

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class SlowRequest:
    """A request whose headers are in, and whose body arrives when `arrive()` says so (or
    whose client hangs up instead, with `hang_up()`)."""

    def __init__(self, app: Starlette, method: str, path: str, body: bytes = b"") -> None:
        self.sent: list[Message] = []
        self._messages: asyncio.Queue[Message] = asyncio.Queue()
        self._body = body
        headers = [
            (b"authorization", f"Bearer {READ_WRITE}".encode()),
            (b"content-type", b"application/json"),
        ]
        scope = asgi_scope(method, path, headers)
        self.task = asyncio.ensure_future(app(scope, self._messages.get, self._send))

    async def _send(self, message: Message) -> None:
        self.sent.append(message)

    def arrive(self) -> None:
        self._messages.put_nowait({"type": "http.request", "body": self._body})

    def hang_up(self) -> None:
        self._messages.put_nowait({"type": "http.disconnect"})

    async def answer(self) -> tuple[int, dict[bytes, bytes], Any]:
        await asyncio.wait_for(self.task, 5)
        start, body = self.sent
        return start["status"], dict(start["headers"]), orjson.loads(body["body"])


@pytest.fixture
async def control(app: Starlette, runtime: Runtime) -> Any:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


async def started(request: SlowRequest) -> SlowRequest:
    """Let the request run up to where it waits for its body."""
    for _ in range(5):
        await asyncio.sleep(0)
    assert not request.task.done()
    return request


def assert_world_replaced(status: int, headers: dict[bytes, bytes], document: Any) -> None:
    assert (status, document["code"]) == (503, "world_replaced")
    assert headers[b"retry-after"] == b"0"
    assert headers[b"content-type"] == b"application/problem+json"


async def test_a_write_whose_key_a_seed_removed_meanwhile_changes_nothing(
    app: Starlette, runtime: Runtime, control: httpx.AsyncClient
) -> None:
    body = orjson.dumps({"variables": {"cta": "written after the seed"}})
    patch = await started(SlowRequest(app, "PATCH", f"/v1/sequences/{AMELIE_RUN}", body))
    world = (await control.get("/__mock/state")).json()
    world["api_keys"] = [key for key in world["api_keys"] if key["key"] != READ_WRITE]
    assert (await control.post("/__mock/seed", json=world)).status_code == 200

    patch.arrive()

    assert_world_replaced(*await patch.answer())
    after = {run["id"]: run for run in (await control.get("/__mock/state")).json()["sequences"]}
    assert "cta" not in after[AMELIE_RUN]["variables"]
    assert (await control.get("/__mock/requests")).json()["recorded"] == 0


async def test_a_pause_sent_before_its_key_became_read_only_is_not_applied(
    app: Starlette, runtime: Runtime, control: httpx.AsyncClient
) -> None:
    body = orjson.dumps({"paused_until": "2026-03-09T09:00:00Z"})
    pause = await started(SlowRequest(app, "POST", f"/v1/sequences/{AMELIE_RUN}/pause", body))
    world = (await control.get("/__mock/state")).json()
    for key in world["api_keys"]:
        if key["key"] == READ_WRITE:
            key["scopes"] = ["sequences:read"]
    assert (await control.post("/__mock/seed", json=world)).status_code == 200

    pause.arrive()

    assert_world_replaced(*await pause.answer())
    assert runtime.store.get_sequence(world["workspaces"][0]["id"], AMELIE_RUN).status == "ACTIVE"


async def test_a_company_stop_sent_across_a_reset_does_not_land_in_the_new_world(
    app: Starlette, runtime: Runtime, control: httpx.AsyncClient
) -> None:
    before = await initech_statuses(control)
    body = orjson.dumps({"reason": "WIN", "scope": "COMPANY"})
    stop = await started(SlowRequest(app, "POST", f"/v1/sequences/{AMELIE_RUN}/stop", body))
    assert (await control.post("/__mock/reset")).status_code == 200

    stop.arrive()

    assert_world_replaced(*await stop.answer())
    assert await initech_statuses(control) == before
    assert (await control.get("/__mock/requests")).json()["requests"] == []


async def initech_statuses(control: httpx.AsyncClient) -> dict[str, str]:
    state = (await control.get("/__mock/state")).json()
    initech = {contact["id"] for contact in state["contacts"] if contact["company_id"] == INITECH}
    return {run["id"]: run["status"] for run in state["sequences"] if run["contact_id"] in initech}


async def delayed_get(app: Starlette, control: httpx.AsyncClient, delay_ms: int) -> SlowRequest:
    """A GET whose fault keeps it waiting `delay_ms`, under way."""
    fault = {"operation": "getSequence", "delay_ms": delay_ms}
    assert (await control.post("/__mock/faults", json=fault)).status_code == 201
    get = await started(SlowRequest(app, "GET", f"/v1/sequences/{AMELIE_RUN}"))
    get.arrive()
    return await started(get)


async def test_a_call_delayed_across_a_reset_is_answered_but_not_journaled(
    app: Starlette, runtime: Runtime, control: httpx.AsyncClient
) -> None:
    get = await delayed_get(app, control, 300)
    assert (await control.post("/__mock/reset")).status_code == 200

    assert_world_replaced(*await get.answer())
    assert (await control.get("/__mock/requests")).json()["recorded"] == 0


async def test_a_client_that_hangs_up_during_a_delay_is_not_journaled(
    app: Starlette, runtime: Runtime, control: httpx.AsyncClient
) -> None:
    get = await delayed_get(app, control, 60_000)

    get.hang_up()

    await asyncio.wait_for(get.task, 2)  # at once, not after the minute the fault asked for
    assert get.sent == []
    assert (await control.get("/__mock/requests")).json()["recorded"] == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/__mock/clock", {"advance_seconds": 86400}),
        ("/__mock/faults", {"operation": "*", "status": 503}),
    ],
)
async def test_a_control_change_whose_body_came_after_a_reset_is_refused(
    app: Starlette, runtime: Runtime, control: httpx.AsyncClient, path: str, body: Any
) -> None:
    change = await started(SlowRequest(app, "POST", path, orjson.dumps(body)))
    assert (await control.post("/__mock/reset")).status_code == 200

    change.arrive()

    assert_world_replaced(*await change.answer())
    assert (await control.get("/__mock/clock")).json()["now"] == CLOCK_START
    assert (await control.get("/__mock/faults")).json()["faults"] == []


async def test_a_seed_whose_body_came_after_a_reset_is_refused(
    app: Starlette, runtime: Runtime, control: httpx.AsyncClient
) -> None:
    seed = await started(SlowRequest(app, "POST", "/__mock/seed", b'{"workspaces": []}'))
    assert (await control.post("/__mock/reset")).status_code == 200

    seed.arrive()

    assert_world_replaced(*await seed.answer())
    assert (await control.get("/__mock/state")).json()["workspaces"]


def test_a_world_built_for_a_generation_a_reset_ended_is_not_installed() -> None:
    runtime = Runtime.from_fixtures()
    basis = runtime.seed_basis(merge=False)
    prepared = runtime.prepare(basis, lambda: {"workspaces": []})
    runtime.reset()

    with pytest.raises(WorldReplaced):
        runtime.install(prepared)
    assert runtime.store.counts()["workspaces"] == 2


def test_a_seed_whose_world_ended_before_its_build_is_not_even_parsed() -> None:
    runtime = Runtime.from_fixtures()
    basis = runtime.seed_basis(merge=True)
    runtime.reset()

    def parse() -> Any:
        raise AssertionError("a seed of an ended world was parsed")

    with pytest.raises(WorldReplaced):
        runtime.prepare(basis, parse)


def test_a_client_that_timed_out_on_a_delay_is_not_journaled_after_the_next_reset() -> None:
    """The plugin's case: a test times out on a delayed call; the next test resets, calls once,
    and must see one call."""
    with MockServer() as server, httpx.Client(base_url=server.url, timeout=5) as control:
        fault = {"operation": "getSequence", "delay_ms": 1500}
        assert control.post("/__mock/faults", json=fault).status_code == 201
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(
                f"{server.url}/v1/sequences/{AMELIE_RUN}", headers=bearer(READ_WRITE), timeout=0.2
            )
        control.post("/__mock/reset").raise_for_status()
        response = control.get(f"/v1/sequences/{AMELIE_RUN}", headers=bearer(READ_WRITE))
        assert response.status_code == 200
        time.sleep(1.6)  # past the delay the timed-out call asked for

        calls = control.get("/__mock/requests", params={"operation": "getSequence"}).json()
        assert [call["status"] for call in calls["requests"]] == [200]
