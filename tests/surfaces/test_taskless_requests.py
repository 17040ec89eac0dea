"""Requests under the protocol's `taskless` path prefix run at once, not as a task, until they
first wait. To the app that is no different from a task: a context of its own for each
request, a task from its first wait on (which a stop can cancel), answers in order."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import httpx
import orjson

from asgi_server import served
from sequences_mock.connections import ConnectionLimits, protocol_with

PROTOCOL = protocol_with(ConnectionLimits(), taskless="/quick/")

#: What an earlier request set; a request that sees it saw another's context.
SET_BEFORE: contextvars.ContextVar[str | None] = contextvars.ContextVar("set_before", default=None)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers what it saw of its context and task: before and after an `?wait`."""
    seen = {"before": SET_BEFORE.get(), "task_at_first": asyncio.current_task() is not None}
    SET_BEFORE.set(scope["path"])
    if scope["query_string"] == b"wait":
        await asyncio.sleep(0.01)
        seen |= {"kept": SET_BEFORE.get(), "task_after_wait": asyncio.current_task() is not None}
    body = orjson.dumps(seen)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def test_each_taskless_request_has_a_context_of_its_own():
    with served(app, http=PROTOCOL, lifespan="off") as url, httpx.Client(base_url=url) as client:
        answers = [client.get(path).json() for path in ("/quick/a", "/quick/b", "/quick/c")]

    assert [answer["before"] for answer in answers] == [None, None, None]


def test_a_taskless_request_that_waits_goes_on_as_a_task_in_its_context():
    with served(app, http=PROTOCOL, lifespan="off") as url, httpx.Client(base_url=url) as client:
        waited = client.get("/quick/slow?wait").json()
        after = client.get("/quick/next").json()

    assert waited["kept"] == "/quick/slow"
    assert waited["task_after_wait"] is True
    assert after["before"] is None


def test_other_requests_run_as_a_task_from_the_start():
    with served(app, http=PROTOCOL, lifespan="off") as url, httpx.Client(base_url=url) as client:
        answer = client.get("/elsewhere").json()

    assert answer["task_at_first"] is True
    assert answer["before"] is None
