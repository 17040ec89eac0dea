"""uvicorn's answer to a request, its header names and values each checked once.

uvicorn runs two regular expressions on every header of every answer (a third of a GET's cost
in uvicorn's `send`). Here a name or value found valid is remembered, and checked again only
once forgotten: the mock answers with a few names and values, over and over. `send` is
uvicorn's (0.55) otherwise, line for line, so the bytes written are the same. A function bound
to uvicorn's cycle, not a subclass: a cycle whose class is changed once made reads its
attributes several times slower.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    RequestResponseCycle,
)
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

__all__ = ["CheckedHeaders", "checked_send"]


class CheckedHeaders:
    """Header names and values found valid, one server's: bounded in count (forgotten all at
    once when full) and in size (longer values are checked every time)."""

    MAX_COUNT = 512
    MAX_VALUE_BYTES = 128

    def __init__(self) -> None:
        self.names: set[bytes] = set()
        self.values: set[bytes] = set()

    def check_name(self, name: bytes) -> None:
        if HEADER_RE.search(name):
            raise RuntimeError("Invalid HTTP header name.")
        self._remember(self.names, name)

    def check_value(self, value: bytes) -> None:
        if HEADER_VALUE_RE.search(value):
            raise RuntimeError("Invalid HTTP header value.")
        if len(value) <= self.MAX_VALUE_BYTES:
            self._remember(self.values, value)

    def _remember(self, found: set[bytes], item: bytes) -> None:
        if len(found) >= self.MAX_COUNT:
            found.clear()
        found.add(item)


def checked_send(checked: CheckedHeaders) -> Callable[[RequestResponseCycle, Any], Awaitable[None]]:
    """uvicorn's `RequestResponseCycle.send`, its answer's headers checked by `checked`: a
    function of the cycle, bound to each request's (`types.MethodType`)."""

    async def send(self: RequestResponseCycle, message: Any) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()

        if self.disconnected:
            return

        if not self.response_started:
            # Sending response status line and headers
            if message["type"] != "http.response.start":
                raise RuntimeError(
                    f"Expected ASGI message 'http.response.start', but got '{message['type']}'."
                )

            self.response_started = True
            self.waiting_for_100_continue = False

            status_code = message["status"]
            headers = self.default_headers + list(message.get("headers", []))

            if self.access_log:
                self.access_logger.info(
                    '%s - "%s %s HTTP/%s" %d',
                    get_client_addr(self.scope),
                    self.scope["method"],
                    get_path_with_query_string(self.scope),
                    self.scope["http_version"],
                    status_code,
                )

            # Write response status line and headers
            content = [STATUS_LINE[status_code]]
            has_connection_close = False

            for name, value in headers:
                if name not in checked.names:
                    checked.check_name(name)
                if value not in checked.values:
                    checked.check_value(value)

                name = name.lower()
                if name == b"content-length" and self.chunked_encoding is None:
                    self.expected_content_length = int(value.decode())
                    self.chunked_encoding = False
                elif name == b"transfer-encoding" and value.lower() == b"chunked":
                    self.expected_content_length = 0
                    self.chunked_encoding = True
                elif name == b"connection":
                    connection = [token.lower().strip() for token in value.split(b",")]
                    if b"close" in connection:
                        self.keep_alive = False
                        has_connection_close = True
                content.extend([name, b": ", value, b"\r\n"])

            if not self.keep_alive and not has_connection_close:
                content.append(b"connection: close\r\n")

            if (
                self.chunked_encoding is None
                and self.scope["method"] != "HEAD"
                and status_code not in (204, 304)
            ):
                # Neither content-length nor transfer-encoding specified
                self.chunked_encoding = True
                content.append(b"transfer-encoding: chunked\r\n")

            content.append(b"\r\n")
            self.transport.write(b"".join(content))

        elif not self.response_complete:
            # Sending response body
            if message["type"] != "http.response.body":
                raise RuntimeError(
                    f"Expected ASGI message 'http.response.body', but got '{message['type']}'."
                )

            body = message.get("body", b"")
            more_body = message.get("more_body", False)

            # Write response body
            if self.scope["method"] == "HEAD":
                self.expected_content_length = 0
            elif self.chunked_encoding:
                content = [b"%x\r\n" % len(body), body, b"\r\n"] if body else []
                if not more_body:
                    content.append(b"0\r\n\r\n")
                self.transport.write(b"".join(content))
            else:
                num_bytes = len(body)
                if num_bytes > self.expected_content_length:
                    raise RuntimeError("Response content longer than Content-Length")
                self.expected_content_length -= num_bytes
                self.transport.write(body)

            # Handle response completion
            if not more_body:
                if self.expected_content_length != 0:
                    raise RuntimeError("Response content shorter than Content-Length")
                self.response_complete = True
                self.message_event.set()
                if not self.keep_alive:
                    self.transport.close()
                self.on_response()

        else:
            # Response already sent
            raise RuntimeError(
                f"Unexpected ASGI message '{message['type']}' sent, "
                "after response already completed."
            )

    return send
