"""`until_it_waits`: a call run at once until it first waits, then as a task, is still the same
call to whoever cancels or closes that task."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from typing import Any

from sequences_mock.app_calls import OneWrite, until_it_waits


async def started(call: Coroutine[Any, Any, None]) -> asyncio.Task[Any]:
    """`call` as the protocol starts it: at once until it waits, then the rest as a task, which
    has taken its first step when this returns."""
    rest = until_it_waits(call, contextvars.copy_context(), asyncio.get_running_loop())
    assert rest is not None
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    return task


def test_a_call_that_never_waits_is_done_at_once() -> None:
    ran: list[str] = []

    async def call() -> None:
        ran.append("all")

    loop = asyncio.new_event_loop()
    try:
        assert until_it_waits(call(), contextvars.copy_context(), loop) is None
    finally:
        loop.close()
    assert ran == ["all"]


def test_cancelling_the_task_of_a_call_that_waits_cancels_the_call() -> None:
    seen: list[str] = []

    async def call() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def main() -> Any:
        task = await started(call())
        task.cancel()
        return await asyncio.gather(task, return_exceptions=True)

    [outcome] = asyncio.run(main())
    assert isinstance(outcome, asyncio.CancelledError)
    assert seen == ["cancelled"]


def test_closing_a_call_left_waiting_runs_its_cleanup() -> None:
    cleaned: list[bool] = []

    async def call() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append(True)

    loop = asyncio.new_event_loop()
    try:
        task = loop.run_until_complete(started(call()))
        task.get_coro().close()  # what a loop shut down with the task pending does to it
    finally:
        loop.close()
    assert cleaned == [True]


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def test_an_answers_head_and_body_go_out_in_one_write() -> None:
    transport = RecordingTransport()
    writes = OneWrite(transport)

    writes.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert transport.writes == []
    writes.write(b"{}")
    writes.write(b"more")
    writes.release()

    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}", b"more"]


def test_a_head_left_held_goes_out_when_released_or_before_a_close() -> None:
    released, closed = RecordingTransport(), RecordingTransport()
    first, second = OneWrite(released), OneWrite(closed)

    first.write(b"head")
    first.release()
    first.write(b"body")
    second.write(b"head")
    second.close()

    assert released.writes == [b"head", b"body"]
    assert closed.writes == [b"head"]
    assert closed.closed
