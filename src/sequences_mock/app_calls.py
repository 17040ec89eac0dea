"""How one connection calls the app: a call the server gives up on is cancelled quietly, and a
call can run at once, without a task, until it first waits (`until_it_waits`), its answer's
head and body written together (`OneWrite`).

A task per call is scheduled, registered, called back when done and collected: for a request
the app answers without waiting, that cost more than the app's own work.
"""

from __future__ import annotations

import asyncio
import contextvars
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

__all__ = ["App", "AppCalls", "OneWrite", "until_it_waits"]

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


class OneWrite:
    """A connection's transport as an answer run at once writes to it: the first write (the
    answer's head) is held and goes out with the next (its body), one system call and one
    wake-up of the client where uvicorn makes two. What is still held when the run stops
    (it waits, or ends without a body to write) goes out then (`release`), and before a close.
    """

    __slots__ = ("_held", "_passing", "transport")

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self._held: bytes | None = None
        self._passing = False

    def write(self, data: bytes) -> None:
        if self._passing:
            self.transport.write(data)
        elif self._held is None:
            self._held = data
        else:
            self._passing = True
            self.transport.write(self._held + data)
            self._held = None

    def is_closing(self) -> bool:
        return bool(self.transport.is_closing())

    def close(self) -> None:
        self.release()
        self.transport.close()

    def release(self) -> None:
        """Write what is held, and pass every later write on at once."""
        self._passing = True
        if self._held is not None:
            held, self._held = self._held, None
            self.transport.write(held)
