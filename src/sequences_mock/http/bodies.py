"""Reading request bodies without ever holding more than a limit."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive

from sequences_mock.core.errors import ContentTooLarge

__all__ = ["read_body", "receive_body"]


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body of `request`; see `receive_body`."""
    return await receive_body(request.receive, request.headers.get("content-length"), limit)


async def receive_body(receive: Receive, content_length: str | None, limit: int) -> bytes:
    """The whole body from ASGI `receive`, or `ContentTooLarge` once it (or its declared length,
    the `Content-Length` header) passes `limit`; `ClientDisconnect` if the client goes away."""
    declared = (content_length or "").lstrip("0")
    if declared.isascii() and declared.isdigit() and _exceeds(declared, limit):
        raise ContentTooLarge(f"the declared Content-Length is over the limit of {limit} bytes")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ContentTooLarge(f"the request body is over the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _exceeds(digits: str, limit: int) -> bool:
    """Whether a decimal length beats `limit`, without converting a length of 5,000 digits
    (Python refuses past 4,300)."""
    bound = str(limit)
    return len(digits) > len(bound) or (len(digits) == len(bound) and digits > bound)
