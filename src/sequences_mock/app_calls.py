"""How one connection calls the app: a call the server gives up on is cancelled quietly, and a
call can run at once, without a task, until it first waits (`until_it_waits`).

A task per call is scheduled, registered, called back when done and collected: for a request
the app answers without waiting, that cost more than the app's own work.
"""

from __future__ import annotations

import asyncio
import contextvars
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

__all__ = ["App", "AppCalls", "until_it_waits"]

#: An ASGI app (its scope, receive and send are uvicorn's to type).
App = Callable[[Any, Any, Any], Awaitable[None]]


class AppCalls:
    """The app, as one connection calls it: a call the server gives up on is cancelled, and
    ends without an error (uvicorn would log the cancellation as the app's failure)."""

    __slots__ = ("_abandoned", "_app", "task")

    def __init__(self, app: App) -> None:
        # Its bound `__call__` (the app is an object, Starlette's): calling the object takes the
        # slow path for a Python-level `__call__`.
        self._app: App = app.__call__  # type: ignore[operator]  # (mypy: a Callable's __call__)
        #: The task a call runs in, once it waits (set by the protocol that starts it).
        self.task: asyncio.Task[Any] | None = None
        self._abandoned = False

    async def run(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self._app(scope, receive, send)
        except asyncio.CancelledError:
            if not self._abandoned:
                raise
        finally:
            self.task = None

    def abandon(self) -> None:
        self._abandoned = True
        if self.task is not None:
            self.task.cancel()


def until_it_waits(
    call: Coroutine[Any, Any, None], context: contextvars.Context, loop: asyncio.AbstractEventLoop
) -> Awaitable[None] | None:
    """Run `call` in `context` until it first waits: None when that was all of it, else the
    rest of it, for a task to run (in `context` too)."""
    try:
        awaited = context.run(call.send, None)
    except StopIteration:
        return None
    except Exception as error:  # a task would have held it, and reported it unread
        loop.call_exception_handler({"message": "Exception in an ASGI call", "exception": error})
        return None
    return _resumed(call, awaited)


@types.coroutine
def _resumed(coroutine: Coroutine[Any, Any, None], awaited: Any) -> Generator[Any, Any, None]:
    """The rest of a coroutine whose first step yielded `awaited`, for a task to run: what the
    task sends or throws in goes on to the coroutine."""
    while True:
        try:
            sent = yield awaited
        except BaseException as error:  # a cancellation, say
            try:
                awaited = coroutine.throw(error)
            except StopIteration:
                return
            continue
        try:
            awaited = coroutine.send(sent)
        except StopIteration:
            return
