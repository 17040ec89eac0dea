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
    declared = content_length or ""
    if declared.isascii() and declared.isdigit():
        size = int(declared) if len(declared) < 19 else _long_size(declared)
        if size > limit:
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


def _long_size(digits: str) -> int:
    """A decimal length of 19 digits or more: exact if they are leading zeros, else at least
    10**18 (Python refuses to convert past 4,300 digits, and no limit comes near)."""
    return int(digits.lstrip("0")[:19] or "0")
