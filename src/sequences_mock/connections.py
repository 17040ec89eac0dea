"""HTTP/1.1 connections with the bounds uvicorn's httptools protocol leaves open.

httptools takes headers of any size and number, and uvicorn waits forever for headers or a body
that never arrives, and, when asked to stop, for every request still open. A request's header
bytes and count are bounded (431), its headers and its body must arrive in time (408), bytes
that are not HTTP get a problem document too (400), and a stopping server gives open requests a
short grace, then closes their connections and cancels what they still run (quietly: nobody
is left to tell). A refused request's answer goes out after those of
the requests sent before it on the connection (pipelining), then the connection closes.

Timers are armed only for requests that do not arrive in one read, so the usual request costs
two counters and no timer; one under the `taskless` prefix that arrived whole runs at once, not
as a task, until it first waits (`app_calls`). Each request's scope carries the connection's
transport (see `TRANSPORT`), for the faults that reset or close it.

About 460 lines on purpose: every bound, the keep-alive timer and the start of each request
hook the same callbacks of one protocol class (see `BoundedProtocol`), and the limits, the
protocol and its problem answers read best side by side.
"""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from sequences_mock.app_calls import App, AppCalls, OneWrite, until_it_waits

__all__ = ["TRANSPORT", "ConnectionLimits", "protocol_with"]

#: The scope extension that holds the connection's transport (`http.network` reads it; a
#: protocol without it, such as uvicorn's h11 one, gets no faults that break connections).
TRANSPORT = "sequences_mock.transport"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The bounds of one server's connections; seconds are wall-clock time."""

    #: The request's target and headers together; past it, 431.
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    #: From a connection's first byte of a request (or its opening) to the end of its headers.
    header_timeout: float = 10.0
    #: From the end of a request's headers to the end of its body.
    body_timeout: float = 30.0
    #: How long a stopping server lets open requests finish before closing their connections.
    shutdown_grace: float = 3.0
    #: From an answer's writes first stalling (a client not reading) to its last byte taken;
    #: past it the connection is dropped with what it still held.
    send_timeout: float = 30.0
    #: Connections open at once; one more is answered 503 and closed.
    max_connections: int = 256


class _Open:
    """The connections one server holds open."""

    def __init__(self) -> None:
        self.count = 0


def protocol_with(
    limits: ConnectionLimits, *, taskless: str | None = None
) -> type[HttpToolsProtocol]:
    """The protocol class uvicorn builds for each connection (`uvicorn.Config(http=...)`).

    `taskless` is a path prefix under which the app never needs to run in a task of its own
    (it uses no anyio, which asks for the current task): see `BoundedProtocol._start`.
    """

    class Protocol(BoundedProtocol):
        LIMITS = limits
        OPEN = _Open()
        TASKLESS = taskless

    return Protocol


#: The parser callbacks, run for every request, call the base class by name: `super()` makes an
#: object per call.
_Base = HttpToolsProtocol


class BoundedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, bounded by `LIMITS`.

    Longer than a class should be: every bound hooks the same parser callbacks and shares the
    state of one connection (what arrived, what is answered), so splitting it would pass that
    state around rather than hold it.
    """

    LIMITS = ConnectionLimits()
    OPEN = _Open()
    TASKLESS: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The bounds' state in an object of its own: thirteen more attributes here would take the
        # instance past CPython's shared-key limit and slow every attribute uvicorn reads.
        self._bound = _Bound(self.app)
        self.app = self._bound.calls.run  # a bound method: cheaper to call than `__call__`

    # -- the connection ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._bound.extensions[TRANSPORT] = transport
        if self.OPEN.count >= self.LIMITS.max_connections:
            self._refuse(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "service_unavailable",
                f"the mock holds {self.LIMITS.max_connections} connections at most; "
                "close one or try again",
            )
            return
        self.OPEN.count += 1
        self._bound.counted = True
        self._arm(self.LIMITS.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._bound.stalled is not None:
            self._bound.stalled.cancel()
            self._bound.stalled = None
        if self._bound.counted:
            self.OPEN.count -= 1
            self._bound.counted = False
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        """The client takes the answer slower than it is written: it has `send_timeout`."""
        super().pause_writing()
        if self._bound.stalled is None:
            self._bound.stalled = self.loop.call_later(self.LIMITS.send_timeout, self._send_late)

    def _send_late(self) -> None:
        self._bound.stalled = None
        if self.transport.get_write_buffer_size() == 0:
            return  # taken in full since
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.abort()  # `close` would hold the unsent bytes until the client reads

    def data_received(self, data: bytes) -> None:
        bound = self._bound
        if bound.refused:
            return
        counting, done = bound.in_headers, bound.headers_done
        _Base.data_received(self, data)
        if bound.starting is not None:
            self._start(eager=True)
        if bound.refusal is not None or self.transport.is_closing():
            return
        if counting and bound.headers_done == done:  # all of this read was request head
            bound.head_read += len(data)
        limits = self.LIMITS
        # A field still arriving is in httptools' buffer, not yet in `_head_size`: the reads
        # bound it, to the limit and one read more.
        if bound.refused or bound.head_read > limits.max_header_bytes:
            self._refuse(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                "request_header_fields_too_large",
                f"the request line and headers may take {limits.max_header_bytes:,} bytes "
                f"in {limits.max_headers} fields at most",
            )
        elif bound.deadline is None and (bound.begun or not bound.in_headers):
            # Part of a request arrived and the rest did not: it has a while to arrive.
            self._arm(limits.header_timeout if bound.in_headers else limits.body_timeout)

    # -- parser callbacks (none runs once the connection is refused) -------------------------

    def on_message_begin(self) -> None:
        bound = self._bound
        if bound.stalled is not None and self.transport.get_write_buffer_size() == 0:
            bound.stalled.cancel()  # the last answer was taken: the next starts afresh
            bound.stalled = None
        if not bound.refused:
            bound.begun = True
            _Base.on_message_begin(self)
            self.scope["extensions"] = bound.extensions  # type: ignore[typeddict-item]

    # The target and the fields are measured once they are all parsed, not as each arrives: a
    # Python call per field costs more than the rest of the bounds together, and until the head
    # ends the reads already bound what it holds (`data_received`).

    def on_headers_complete(self) -> None:
        limits, headers, bound = self.LIMITS, self.headers, self._bound
        if len(headers) > limits.max_headers or _head_size(self.url, headers) > (
            limits.max_header_bytes
        ):
            bound.refused = True  # answered 431 once this read is parsed
        if bound.refused:
            return
        if bound.deadline is not None:  # armed only for a head that took several reads
            self._disarm()
        bound.in_headers = bound.begun = False
        bound.head_read = 0
        bound.headers_done += 1
        bound.previous = self.cycle
        _Base.on_headers_complete(self)

    def on_body(self, body: bytes) -> None:
        if not self._bound.refused:
            _Base.on_body(self, body)

    def on_message_complete(self) -> None:
        if self._bound.refused:
            return
        if self._bound.deadline is not None:  # armed only for a body that took several reads
            self._disarm()
        self._bound.in_headers = True
        _Base.on_message_complete(self)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes httptools cannot parse, here a problem document that
        waits for the answers of the requests parsed before them."""
        self._refuse(
            HTTPStatus.BAD_REQUEST,
            "malformed_request",
            "the connection sent bytes that are not an HTTP/1.1 request; what it sent before "
            "them was answered first, and the connection is closed",
        )

    def on_response_complete(self) -> None:
        # uvicorn's, but for the keep-alive timer (`_unset_keepalive_if_required`).
        self.server_state.total_requests += 1
        if not self.transport.is_closing():
            self.flow.resume_reading()
            if self.pipeline:
                self._start_asgi_task(*self.pipeline.pop())
                self._start(eager=False)
            else:
                self._idle()
        awaited = self._bound.awaited
        if self._bound.refusal is not None and (awaited is None or awaited.response_complete):
            self._unset_keepalive_if_required()
            self._answer_refusal()

    # -- keep-alive: an idle connection closes `timeout_keep_alive` seconds after its last answer

    # uvicorn cancels its timer as each request arrives and arms a new one after each answer, a
    # timer made and unmade per request; here a request only marks the connection busy, and
    # the timer, armed once, checks the connection's last answer when it fires.

    def _unset_keepalive_if_required(self) -> None:
        self._bound.idle_since = None

    def _idle(self) -> None:
        self._bound.idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self._kept_alive_too_long
            )

    def _kept_alive_too_long(self) -> None:
        self.timeout_keep_alive_task = None
        since = self._bound.idle_since
        if since is None:  # busy: armed again after its answer
            return
        left = since + self.timeout_keep_alive - self.loop.time()
        if left > 0:
            self.timeout_keep_alive_task = self.loop.call_later(left, self._kept_alive_too_long)
        else:
            self.timeout_keep_alive_handler()

    # -- running the app ----------------------------------------------------------------------

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        """uvicorn starts each request's app here; it is started once the read that held the
        request is parsed (or once the answer before it is done, when pipelined)."""
        self._bound.starting = (cycle, app)

    def _start(self, *, eager: bool) -> None:
        """Run the request's app in a context of its own, as a task would: as a task, or, for a
        request under `TASKLESS` whose body is all in, at once until it first waits (a task
        only from there).

        The usual request never waits, and a task for it (scheduled, registered, called back
        when done) cost more than the app behind it: a GET's whole cost fell by 5%.
        """
        cycle, app = self._bound.starting  # type: ignore[misc]
        self._bound.starting = None
        context = contextvars.copy_context()
        run = cycle.run_asgi(app)
        if (
            eager
            and not cycle.more_body
            and self.TASKLESS is not None
            and cycle.scope["path"].startswith(self.TASKLESS)
            and not self.config.reset_contextvars
        ):
            if cycle.scope["method"] == "HEAD":  # no body follows its head: nothing to join
                rest = until_it_waits(run, context, self.loop)
            else:
                writes = cycle.transport = OneWrite(self.transport)
                rest = until_it_waits(run, context, self.loop)
                writes.release()
                cycle.transport = self.transport
            if rest is None:
                return
            run = rest
        elif self.config.reset_contextvars:
            context = contextvars.Context()
        task = self.loop.create_task(run, context=context)
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)
        self._bound.calls.task = task

    # -- stopping ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Idle connections close now; a request still arriving is given up; one being
        answered has `shutdown_grace` seconds, then its connection is closed."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete or cycle.more_body:
            self._hang_up()
            return
        cycle.keep_alive = False
        self._disarm()
        self._bound.deadline = self.loop.call_later(self.LIMITS.shutdown_grace, self._give_up)

    def _give_up(self) -> None:
        """The stop's grace is over: the request's client is hung up on, and its work (a seed
        built on a worker thread, say) no longer awaited."""
        self._hang_up()
        self._bound.calls.abandon()

    # -- internals ---------------------------------------------------------------------------

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._bound.deadline = self.loop.call_later(seconds, self._late)

    def _disarm(self) -> None:
        if self._bound.deadline is not None:
            self._bound.deadline.cancel()
            self._bound.deadline = None

    def _late(self) -> None:
        self._bound.deadline = None
        if not self._bound.in_headers:
            detail = f"the request body did not arrive within {self.LIMITS.body_timeout:g} s"
        elif self._bound.begun:
            detail = f"the request headers did not arrive within {self.LIMITS.header_timeout:g} s"
        else:  # a connection that never sent anything
            self._hang_up()
            return
        self._refuse(HTTPStatus.REQUEST_TIMEOUT, "request_timeout", detail)

    def _refuse(self, status: HTTPStatus, code: str, detail: str) -> None:
        """Answer `status` with a problem document and close, once the requests parsed before
        the refused one are answered (pipelining); only close when the refused request's own
        answer already began."""
        self._bound.refused = True
        self._disarm()
        answer = _problem_bytes(status, code, detail)
        awaited: RequestResponseCycle | None = self.cycle  # the refused request has none yet
        if not self._bound.in_headers and awaited is not None:  # `cycle` is the refused request's
            refused, awaited = awaited, self._bound.previous
            queued = [entry for entry in self.pipeline if entry[0] is refused]
            for entry in queued:
                self.pipeline.remove(entry)  # never started: nobody else answers it
            if refused.response_started:
                answer = b""
        self._bound.refusal = answer
        self._bound.awaited = awaited
        if awaited is None or awaited.response_complete:
            self._answer_refusal()

    def _answer_refusal(self) -> None:
        if self._bound.refusal and not self.transport.is_closing():
            self.transport.write(self._bound.refusal)
        self._hang_up()

    def _hang_up(self) -> None:
        """Close the connection; a request being handled sees its client gone."""
        self._disarm()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if not self.transport.is_closing():
            self.transport.close()


class _Bound:
    """What `BoundedProtocol` keeps of one connection."""

    __slots__ = (
        "awaited",
        "begun",
        "calls",
        "counted",
        "deadline",
        "extensions",
        "head_read",
        "headers_done",
        "idle_since",
        "in_headers",
        "previous",
        "refusal",
        "refused",
        "stalled",
        "starting",
    )

    def __init__(self, app: App) -> None:
        self.counted = False
        #: Armed when an answer's writes first stall (see `ConnectionLimits.send_timeout`).
        self.stalled: asyncio.TimerHandle | None = None
        self.in_headers = True  # between requests counts: the next one's headers come next
        self.begun = False  # some of the next request arrived
        #: Bytes of reads that held only request head; requests whose head was parsed.
        self.head_read = self.headers_done = 0
        #: Nothing more is parsed: a request was refused (answered by `refusal`) or is about to
        #: be (431, once the read that holds it is parsed).
        self.refused = False
        #: A refusal's answer, waiting for the answers of the requests parsed before it.
        self.refusal: bytes | None = None
        #: The last of those; and, while a request's head is parsed, the one parsed before it.
        self.awaited: RequestResponseCycle | None = None
        self.previous: RequestResponseCycle | None = None
        self.deadline: asyncio.TimerHandle | None = None
        #: The loop's time at the last answer, while no request is read or answered since.
        self.idle_since: float | None = None
        #: Each request's scope extensions: the transport, for faults that break the connection.
        self.extensions: dict[str, object] = {}
        self.calls = AppCalls(app)
        #: The request uvicorn asked to start, until it is (see `BoundedProtocol._start`).
        self.starting: tuple[RequestResponseCycle, Any] | None = None


def _head_size(url: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """The request target's and header fields' bytes, each field with its ": " and CRLF."""
    size = len(url) + 4 * len(headers)
    for name, value in headers:  # a loop, not a generator: this runs for every request
        size += len(name) + len(value)
    return size


def _problem_bytes(status: HTTPStatus, code: str, detail: str) -> bytes:
    body = orjson.dumps(
        {
            "type": f"urn:sequences-mock:problem:{code}",
            "title": status.phrase,
            "status": int(status),
            "detail": detail,
            "code": code,
        }
    )
    head = (
        f"HTTP/1.1 {int(status)} {status.phrase}\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body
