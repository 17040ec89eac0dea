"""Connections over a real socket: bounded headers, requests that must arrive in time, and a
stop that neither hangs on open requests nor reports itself as a death by signal."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from asgi_server import open_socket
from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock.connections import ConnectionLimits
from sequences_mock.server import MockServer

QUICK = ConnectionLimits(header_timeout=0.5, body_timeout=0.5, shutdown_grace=0.5)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(limits=QUICK) as running:
        yield running


def connect(server: MockServer) -> socket.socket:
    return open_socket(server.url)


def head(path: str = f"/v1/sequences/{AMELIE_RUN}", *extra: str, method: str = "GET") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {READ_WRITE}",
        *extra,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(sock: socket.socket) -> tuple[int, bytes]:
    """The status and the rest of what the server sent until it closed the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    match = re.match(rb"HTTP/1.1 (\d{3}) ", received)
    assert match, received[:200]
    return int(match.group(1)), received


def problem_of(received: bytes) -> dict[str, object]:
    document = orjson.loads(received.split(b"\r\n\r\n", 1)[1])
    assert isinstance(document, dict)
    return document


def test_headers_over_the_size_limit_are_refused(server: MockServer):
    with connect(server) as sock:
        sock.sendall(head("/v1/sequences", "X-Big: " + "a" * 70_000))
        status, received = read_answer(sock)

    assert status == 431
    assert problem_of(received)["code"] == "request_header_fields_too_large"


def test_a_huge_header_is_cut_off_at_once_and_others_are_served(server: MockServer):
    """A 64 MB header was read whole (200) and stalled other clients for seconds."""
    with connect(server) as sock:
        sock.sendall(b"GET /v1/sequences HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        started = time.monotonic()
        sent = send_until_hung_up(sock, b"a" * 1024 * 1024, times=64, server=server)
    assert sent < 64
    assert time.monotonic() - started < 5


def send_until_hung_up(sock: socket.socket, data: bytes, times: int, server: MockServer) -> int:
    """Send `data` up to `times` times, checking between sends that the mock answers another
    client at once; how many were sent before the mock hung up."""
    for sent in range(times):
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return sent
        response = httpx.get(f"{server.url}/v1/sequences/{AMELIE_RUN}", headers=bearer(READ_WRITE))
        assert response.status_code == 200
    return times


def test_too_many_headers_are_refused(server: MockServer):
    with connect(server) as sock:
        sock.sendall(head("/v1/sequences", *(f"X-H{i}: {i}" for i in range(1_000))))
        status, received = read_answer(sock)

    assert status == 431
    assert b"100 fields" in received


def test_headers_up_to_the_limits_are_fine(server: MockServer, control: httpx.Client):
    headers = {f"X-H{i}": "v" * 500 for i in range(90)}

    response = control.get(f"/v1/sequences/{AMELIE_RUN}", headers=headers | bearer(READ_WRITE))

    assert response.status_code == 200


def test_headers_that_do_not_arrive_in_time_are_answered_408(server: MockServer):
    with connect(server) as sock:
        sock.sendall(b"GET /v1/sequences HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        status, received = read_answer(sock)

    assert status == 408
    assert problem_of(received)["code"] == "request_timeout"
    assert time.monotonic() - started < 3


def test_a_body_that_does_not_arrive_in_time_is_answered_408_and_not_journaled(
    server: MockServer, control: httpx.Client
):
    with connect(server) as sock:
        path = f"/v1/sequences/{AMELIE_RUN}"
        extra = ("Content-Type: application/json", "Content-Length: 100")
        sock.sendall(head(path, *extra, method="PATCH") + b'{"variables"')
        status, received = read_answer(sock)

    assert status == 408
    assert b"request body did not arrive" in received
    assert control.get("/__mock/requests").json()["recorded"] == 0


def test_a_connection_that_sends_nothing_is_closed(server: MockServer):
    with connect(server) as sock:
        started = time.monotonic()
        assert sock.recv(1024) == b""
    assert time.monotonic() - started < 3


def test_kept_alive_requests_with_large_bodies_are_not_taken_for_headers(
    server: MockServer, control: httpx.Client
):
    """Each of these requests arrives in one read; none of it counts as the next one's head."""
    body = b'{"variables": {"cta": "Coffee?"}}' + b" " * 100_000
    with httpx.Client(base_url=server.url, headers=bearer(READ_WRITE)) as client:
        for _ in range(5):
            response = client.patch(
                f"/v1/sequences/{AMELIE_RUN}",
                content=body,
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 200


def test_a_stop_does_not_wait_for_a_body_that_never_comes():
    with MockServer(limits=QUICK) as server, connect(server) as sock:
        sock.sendall(head("/__mock/seed", "Content-Length: 1000", method="POST") + b"{")
        time.sleep(0.1)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2


def test_a_stop_does_not_wait_out_a_delay_fault():
    with MockServer(limits=QUICK) as server:
        fault = {"operation": "getSequence", "delay_ms": 60_000}
        httpx.post(f"{server.url}/__mock/faults", json=fault).raise_for_status()
        with connect(server) as sock:
            sock.sendall(head())
            time.sleep(0.2)
            started = time.monotonic()
            server.stop()
            assert time.monotonic() - started < 3


def serve_in_a_subprocess() -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "sequences_mock", "serve", "--port", "0"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    match = re.search(r"serving (http://\S+)/v1", process.stdout.readline())
    assert match
    return process, match.group(1)


def test_sigterm_right_after_the_banner_is_a_clean_stop():
    """A supervisor may stop the server as soon as it says where it serves, while it still
    compiles its schemas and settles its heap: exit 0, no traceback."""
    process, _ = serve_in_a_subprocess()
    with process:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_sigterm_stops_serve_cleanly_even_with_a_request_half_sent():
    """It never exited while a client held a partial body, and exited 143 otherwise."""
    process, url = serve_in_a_subprocess()
    with process:
        with open_socket(url) as sock:
            sock.sendall(head("/__mock/seed", "Content-Length: 1000", method="POST") + b"{")
            time.sleep(0.2)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=10)
        assert time.monotonic() - started < 5
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def answers(received: bytes) -> list[tuple[int, bytes, bytes]]:
    """Each answer in `received`: its status, head and body (read by its Content-Length)."""
    found = []
    while received:
        head_bytes, rest = received.split(b"\r\n\r\n", 1)
        length = re.search(rb"content-length: (\d+)", head_bytes, re.IGNORECASE)
        assert length, head_bytes
        size = int(length.group(1))
        found.append((int(head_bytes[9:12]), head_bytes, rest[:size]))
        received = rest[size:]
    return found


def patch_request(cta: str) -> bytes:
    body = orjson.dumps({"variables": {"cta": cta}})
    extra = ("Content-Type: application/json", f"Content-Length: {len(body)}")
    return head(f"/v1/sequences/{AMELIE_RUN}", *extra, method="PATCH") + body


def test_requests_pipelined_before_bytes_that_are_not_http_are_answered_first_in_order(
    server: MockServer, control: httpx.Client
):
    """The write was applied, yet its client only saw uvicorn's plain-text 400."""
    fault = {"operation": "getSequence", "delay_ms": 300}
    control.post("/__mock/faults", json=fault).raise_for_status()
    with connect(server) as sock:
        sock.sendall(head() + patch_request("Pipelined") + b"\x00 not HTTP at all\r\n\r\n")
        received = read_answer(sock)[1]

    (got, _, _), (patched, _, written), (refused, refusal, problem) = answers(received)
    assert (got, patched, refused) == (200, 200, 400)
    assert orjson.loads(written)["variables"]["cta"] == "Pipelined"
    assert b"application/problem+json" in refusal
    assert b"connection: close" in refusal
    assert orjson.loads(problem)["code"] == "malformed_request"


def test_bytes_that_are_not_http_get_a_problem_document(server: MockServer):
    with connect(server) as sock:
        sock.sendall(b"\x16\x03\x01 a TLS hello, say\r\n\r\n")
        status, received = read_answer(sock)

    assert status == 400
    assert problem_of(received)["code"] == "malformed_request"


def test_a_pipelined_body_that_does_not_arrive_in_time_is_refused_after_the_answer_before_it(
    server: MockServer, control: httpx.Client
):
    fault = {"operation": "getSequence", "delay_ms": 800}  # past QUICK's body timeout
    control.post("/__mock/faults", json=fault).raise_for_status()
    with connect(server) as sock:
        extra = ("Content-Type: application/json", "Content-Length: 100")
        path = f"/v1/sequences/{AMELIE_RUN}"
        sock.sendall(head() + head(path, *extra, method="PATCH") + b'{"variables"')
        received = read_answer(sock)[1]

    (got, _, _), (refused, _, problem) = answers(received)
    assert (got, refused) == (200, 408)
    assert orjson.loads(problem)["code"] == "request_timeout"
    assert [entry["operation"] for entry in control.get("/__mock/requests").json()["requests"]] == [
        "getSequence"
    ]
