"""Network faults on the wire: a connection reset or closed before any answer, an answer cut
short, a body dribbled out; and waiting that ends early when the client hangs up.

ASGI gives an app no connection: `connections.BoundedProtocol` puts its transport in the scope's
extensions under `TRANSPORT`. Without it (in-process, or another protocol) there is no
connection to break, and the control plane refuses the faults that need one.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from sequences_mock.state.faults import NEEDS_SOCKET, NetworkFault

__all__ = [
    "DRIBBLE_PIECES",
    "TRANSPORT",
    "applicable",
    "deliver",
    "hung_up_within",
    "transport_of",
]

#: The scope extension holding the connection's `asyncio.Transport` (set by `connections`).
TRANSPORT = "sequences_mock.transport"
#: How many pieces a dribbled body is sent in (fewer for a shorter body).
DRIBBLE_PIECES = 10
#: SO_LINGER on, for 0 seconds: closing the socket then sends a reset, not a FIN.
_LINGER_ZERO = struct.pack("ii", 1, 0)


def transport_of(scope: Scope) -> Any:
    """The connection's transport, or None when the app is called without one."""
    extensions = scope.get("extensions")
    return extensions.get(TRANSPORT) if extensions else None


def applicable(network: NetworkFault | None, scope: Scope) -> NetworkFault | None:
    """`network`, or None when it needs a connection and this call has none (queued over a
    socket, met by an in-process call of the same app): the answer then goes out whole."""
    if network in NEEDS_SOCKET and transport_of(scope) is None:
        return None
    return network


async def deliver(
    network: NetworkFault,
    transport: Any,
    receive: Receive,
    send: Send,
    start: Message,
    body: bytes,
    seconds: float,
) -> None:
    """Send the answer (`start`, then `body`) as the network fault `network` says; `transport`
    may be None for `dribble` only. Returns once the client is gone or has it all."""
    if network is NetworkFault.RESET:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
        transport.abort()
    elif network is NetworkFault.EMPTY:
        transport.close()
    elif network is NetworkFault.TRUNCATED:
        await send(start)
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        transport.close()  # what was written is flushed first, then FIN
    else:
        await _dribble(receive, send, start, body, seconds)
        return
    # The server learns of the closed connection from its own loop; the app returns after it,
    # so that the server does not answer for an app that sent nothing.
    await _disconnect(receive)


async def _dribble(
    receive: Receive, send: Send, start: Message, body: bytes, seconds: float
) -> None:
    await send(start)
    size = max(1, -(-len(body) // DRIBBLE_PIECES))
    pieces = [body[at : at + size] for at in range(0, len(body), size)] or [b""]
    pause = seconds / len(pieces)
    for number, piece in enumerate(pieces, 1):
        if await hung_up_within(receive, pause):
            return
        more = number < len(pieces)
        await send({"type": "http.response.body", "body": piece, "more_body": more})


async def hung_up_within(receive: Receive, seconds: float) -> bool:
    """Wait `seconds`, or less when the client hangs up meanwhile (then True)."""
    gone = asyncio.ensure_future(_disconnect(receive))
    try:
        done, _ = await asyncio.wait((gone,), timeout=seconds)
    finally:
        gone.cancel()
    return bool(done)


async def _disconnect(receive: Receive) -> None:
    """Return when the client is gone (the request's body, if unread, is dropped)."""
    while (await receive())["type"] != "http.disconnect":
        pass
