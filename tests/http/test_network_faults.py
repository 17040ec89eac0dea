"""Network faults at /__mock/faults: over a real socket, a call's connection is reset, closed
without an answer, cut short or dribbled, as gateways and networks do to clients."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest

from asgi_server import open_socket
from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock import connections
from sequences_mock.http import network
from sequences_mock.server import MockServer

RW = bearer(READ_WRITE)
RUN_PATH = f"/v1/sequences/{AMELIE_RUN}"


def queue(client: httpx.Client, **fault: Any) -> dict[str, Any]:
    response = client.post("/__mock/faults", json=fault)
    assert response.status_code == 201, response.text
    return dict(response.json())


def refused(client: httpx.Client, **fault: Any) -> str:
    """POST a fault that must be refused with a 422; its message."""
    response = client.post("/__mock/faults", json=fault)
    assert response.status_code == 422, response.text
    assert client.get("/__mock/faults").json()["faults"] == []
    return str(response.json()["detail"])


def get_run(server: MockServer) -> httpx.Response:
    """GET Amélie's run on a fresh connection (no pooled one to retry on)."""
    with httpx.Client(base_url=server.url, timeout=5) as client:
        return client.get(RUN_PATH, headers=RW)


def raw_get(server: MockServer) -> bytes:
    """GET Amélie's run on a plain socket: what arrives until the server closes it."""
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    request = (
        f"GET {RUN_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: {RW['Authorization']}\r\nConnection: close\r\n\r\n"
    )
    received = b""
    with open_socket(server.url) as sock:
        sock.sendall(request.encode())
        while chunk := sock.recv(65536):
            received += chunk
    return received


def last_call(client: httpx.Client) -> dict[str, Any]:
    return dict(client.get("/__mock/requests").json()["requests"][-1])


def test_the_protocol_and_the_endpoint_name_the_same_extension() -> None:
    assert connections.TRANSPORT == network.TRANSPORT


# -- reset ---------------------------------------------------------------------------------------


def test_a_reset_fails_the_call_with_a_connection_error(server, control):
    fault = queue(control, operation="getSequence", network="reset")

    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError)):
        get_run(server)

    call = last_call(control)
    assert (call["operation"], call["fault"], call["network"]) == (
        "getSequence",
        fault["id"],
        "reset",
    )
    assert get_run(server).status_code == 200  # spent: the next call is answered
    assert control.get("/__mock/faults").json()["faults"] == []


def test_a_reset_is_a_tcp_reset_not_a_close(server, control):
    queue(control, operation="getSequence", network="reset")

    with pytest.raises(ConnectionResetError):
        raw_get(server)


def test_a_reset_write_is_applied_before_its_answer_is_lost(server, control):
    """The call is handled as usual: its change stands, as when a gateway loses the answer."""
    queue(control, operation="pauseSequence", network="reset")
    with (
        httpx.Client(base_url=server.url, timeout=5) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.post(f"{RUN_PATH}/pause", json={"paused_until": "2026-03-09T09:00:00Z"}, headers=RW)

    assert (last_call(control)["status"], last_call(control)["network"]) == (200, "reset")
    assert get_run(server).json()["status"] == "WAITING_FOR_LEAD"  # as a paused run shows


def test_a_reset_waits_its_delay_first_and_counts_its_times(server, control):
    queue(control, operation="*", network="reset", times=2, delay_ms=200)

    for _ in range(2):
        started = time.monotonic()
        with pytest.raises(httpx.TransportError):
            get_run(server)
        assert time.monotonic() - started >= 0.18

    assert get_run(server).status_code == 200


# -- empty ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "message"),
    [("empty", "without sending a response"), ("truncated", "complete message body")],
)
def test_an_empty_or_truncated_answer_is_a_protocol_error(server, control, kind, message):
    queue(control, operation="getSequence", network=kind)

    with pytest.raises(httpx.RemoteProtocolError, match=message):
        get_run(server)

    assert last_call(control)["network"] == kind


def test_an_empty_answer_is_a_close_with_nothing_sent(server, control):
    queue(control, operation="getSequence", network="empty")

    received = raw_get(server)

    assert received == b""


# -- truncated -----------------------------------------------------------------------------------


def test_a_truncated_answer_sends_the_full_length_and_half_the_body(server, control):
    whole = get_run(server).content
    queue(control, operation="getSequence", network="truncated")

    received = raw_get(server)

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert f"content-length: {len(whole)}".encode() in head.lower()
    assert body == whole[: len(whole) // 2]


def test_a_truncated_fault_cuts_its_status_answer(server, control):
    queue(control, operation="getSequence", status=503, retry_after=1, network="truncated")

    received = raw_get(server)

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"retry-after: 1" in head.lower()
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    assert 0 < len(body) < length
    assert (last_call(control)["status"], last_call(control)["network"]) == (503, "truncated")


# -- dribble -------------------------------------------------------------------------------------


def test_a_dribbled_body_arrives_whole_and_late(server, control):
    whole = get_run(server).content
    queue(control, operation="getSequence", network="dribble", delay_ms=400)

    started = time.monotonic()
    with (
        httpx.Client(base_url=server.url, timeout=5) as client,
        client.stream("GET", RUN_PATH, headers=RW) as response,
    ):
        pieces = list(response.iter_raw())
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert b"".join(pieces) == whole
    assert orjson.loads(whole)["id"] == AMELIE_RUN
    assert len(pieces) > 1
    assert elapsed >= 0.36
    assert last_call(control)["network"] == "dribble"


def test_a_dribble_without_a_delay_is_refused(control):
    assert "delay_ms" in refused(control, operation="getSequence", network="dribble")


# -- what is refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["reset", "empty"])
def test_a_status_with_no_answer_is_refused(control, kind: str):
    assert "no status" in refused(control, operation="getSequence", network=kind, status=503)


def test_an_unknown_network_fault_is_refused(control):
    refused(control, operation="getSequence", network="slow")


@pytest.mark.parametrize("kind", ["reset", "empty", "truncated"])
def test_in_process_faults_that_need_a_socket_are_refused(client: httpx.Client, kind: str):
    """httpx's ASGI transport has no connection to break: the fault is refused when queued."""
    assert "needs the mock on a socket" in refused(client, operation="getSequence", network=kind)


def test_a_dribble_works_in_process(client: httpx.Client):
    whole = client.get(RUN_PATH, headers=RW).content
    queue(client, operation="getSequence", network="dribble", delay_ms=100)

    started = time.monotonic()
    response = client.get(RUN_PATH, headers=RW)

    assert (response.status_code, response.content) == (200, whole)
    assert time.monotonic() - started >= 0.09


def test_a_socket_fault_met_without_a_socket_sends_the_answer_whole() -> None:
    """Queued over a socket, met by an in-process call of the same app: nothing to break."""
    assert network.applicable("reset", {"type": "http"}) is None
    assert network.applicable("dribble", {"type": "http"}) == "dribble"
    assert network.applicable("reset", {"extensions": {network.TRANSPORT: object()}}) == "reset"
