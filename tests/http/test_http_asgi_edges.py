"""The API endpoint at the ASGI level: bodies in pieces, clients that leave, repeated headers.

These drive the app with hand-made ASGI messages, the way uvicorn delivers a request whose body
arrives in several reads, and over a real socket where uvicorn itself is part of the behaviour.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterable
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from default_world import AMELIE_RUN, READ_ONLY, READ_WRITE, bearer
from http_helpers import asgi_scope, state_of
from sequences_mock.server import MockServer
from sequences_mock.state.runtime import Runtime

Message = dict[str, Any]

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def call(
    app: Starlette,
    method: str,
    path: str,
    messages: Iterable[Message],
    headers: Iterable[tuple[bytes, bytes]] = (),
    query: bytes = b"",
) -> list[Message]:
    """Send one request as `messages` (what `receive` returns, in order); what came back."""
    incoming = iter(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return next(incoming)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = asgi_scope(method, path, headers, query)
    await app(scope, receive, send)
    return sent


def answer(sent: list[Message]) -> tuple[int, dict[bytes, bytes], Any]:
    start, body = sent
    return start["status"], dict(start["headers"]), orjson.loads(body["body"])


JSON_WRITE = [(b"authorization", b"Bearer " + READ_WRITE.encode())]
JSON_WRITE.append((b"content-type", b"application/json"))


def pieces(data: bytes, size: int) -> list[Message]:
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    return [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]


async def test_a_body_arriving_in_pieces_is_read_whole(app: Starlette, runtime: Runtime):
    """uvicorn hands a body over as it arrives: the update sees all of it, not the first read."""
    body = orjson.dumps({"variables": {"cta": "Coffee?", "note": "n" * 300}})
    sent = await call(app, "PATCH", f"/v1/sequences/{AMELIE_RUN}", pieces(body, 7), JSON_WRITE)
    status, headers, document = answer(sent)
    assert status == 200
    assert document["variables"]["note"] == "n" * 300
    assert headers[b"content-length"] == str(len(sent[1]["body"])).encode()
    assert headers[b"content-type"] == b"application/json"


async def test_a_body_over_the_limit_in_pieces_is_413_without_a_length(
    app: Starlette, runtime: Runtime, client: httpx.Client
):
    """No Content-Length to refuse early: the count of bytes read stops it, and nothing changes."""
    before = state_of(client, AMELIE_RUN)
    limit = app.state.context.settings.max_body_bytes
    body = b'{"variables": {"a": "' + b"x" * limit + b'"}}'
    sent = await call(
        app, "PATCH", f"/v1/sequences/{AMELIE_RUN}", pieces(body, 64 * 1024), JSON_WRITE
    )
    status, headers, document = answer(sent)
    assert (status, document["code"]) == (413, "content_too_large")
    assert headers[b"content-type"] == b"application/problem+json"
    assert state_of(client, AMELIE_RUN) == before


async def test_a_client_leaving_mid_body_gets_nothing_and_changes_nothing(
    app: Starlette, runtime: Runtime, client: httpx.Client
):
    """A disconnect before the body is complete: no answer is sent, no 500 is journaled."""
    before = state_of(client, AMELIE_RUN)
    messages = [
        {"type": "http.request", "body": b'{"variables": {"cta"', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = await call(app, "PATCH", f"/v1/sequences/{AMELIE_RUN}", messages, JSON_WRITE)
    assert sent == []
    assert state_of(client, AMELIE_RUN) == before
    assert [entry.status for entry in runtime.journal.entries()] == []


@pytest.mark.parametrize("refusal", ["unknown key", "fault"])
async def test_a_client_leaving_mid_body_is_not_journaled_even_when_refused(
    app: Starlette, runtime: Runtime, client: httpx.Client, refusal: str
):
    """The body is read before any check: a client gone by then was never answered, so the
    journal (answered calls only) does not show it, whatever the answer would have been."""
    headers = [(b"authorization", b"Bearer sk_test_nobody_at_all")]
    if refusal == "fault":
        client.post("/__mock/faults", json={"operation": "updateSequence", "status": 503})
        headers = JSON_WRITE
    messages = [
        {"type": "http.request", "body": b'{"variables": {"cta"', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = await call(app, "PATCH", f"/v1/sequences/{AMELIE_RUN}", messages, headers)
    assert sent == []
    assert runtime.journal.entries() == []


async def test_the_first_of_two_authorization_headers_counts(app: Starlette, runtime: Runtime):
    """As HTTP frameworks read a repeated header: the first value, whatever follows it."""
    read_only = (b"authorization", b"Bearer " + READ_ONLY.encode())
    unknown = (b"authorization", b"Bearer sk_test_nobody_at_all")
    path = f"/v1/sequences/{AMELIE_RUN}"
    first_valid = answer(await call(app, "GET", path, [], [read_only, unknown]))
    first_unknown = answer(await call(app, "GET", path, [], [unknown, read_only]))
    assert first_valid[0] == 200
    assert (first_unknown[0], first_unknown[2]["code"]) == (401, "unauthenticated")


async def test_a_query_on_an_operation_without_query_parameters_is_ignored(
    app: Starlette, runtime: Runtime
):
    """Undeclared query parameters are ignored everywhere, malformed encoding included."""
    auth = [(b"authorization", b"Bearer " + READ_WRITE.encode())]
    path = f"/v1/sequences/{AMELIE_RUN}"
    status, _, document = answer(await call(app, "GET", path, [], auth, query=b"x=%zz&y"))
    assert (status, document["id"]) == (200, AMELIE_RUN)
    assert runtime.journal.entries()[-1].query_string == b"x=%zz&y"


def test_head_answers_the_headers_of_get_without_a_body_over_a_socket():
    """HEAD is GET without the body: same status and Content-Length, zero bytes after them."""
    with MockServer() as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            path = f"/v1/sequences/{AMELIE_RUN}"
            connection.request("GET", path, headers=bearer(READ_WRITE))
            got = connection.getresponse()
            get_body = got.read()
            connection.request("HEAD", path, headers=bearer(READ_WRITE))
            head = connection.getresponse()
            head_body = head.read()
        finally:
            connection.close()
    assert (got.status, head.status) == (200, 200)
    assert head.getheader("content-length") == str(len(get_body))
    assert head.getheader("content-type") == "application/json"
    assert head_body == b""


def test_a_body_sent_in_two_writes_over_a_socket_is_read_whole():
    """Over TCP the body can reach uvicorn in several reads; the update sees all of it."""
    body = orjson.dumps({"variables": {"cta": "split", "tail": "t" * 5000}})
    with MockServer() as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.putrequest("PATCH", f"/v1/sequences/{AMELIE_RUN}")
            connection.putheader("Authorization", f"Bearer {READ_WRITE}")
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders()
            connection.send(body[:10])
            connection.send(body[10:])
            response = connection.getresponse()
            document = orjson.loads(response.read())
        finally:
            connection.close()
    assert response.status == 200
    assert document["variables"]["tail"] == "t" * 5000
