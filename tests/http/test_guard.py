"""Who may call the mock, and who may change it: host names on a loopback server (DNS
rebinding), cross-origin browser writes, and the opt-in control token. Over a real socket, since
the server's own address decides the host check."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from default_world import AMELIE_RUN, CLOCK_START, READ_WRITE, bearer
from sequences_mock.server import MockServer
from sequences_mock.settings import Settings
from sequences_mock.testing import MockHandle

TOKEN = "control-token-for-tests"


@pytest.fixture(scope="module")
def guarded() -> Iterator[MockServer]:
    with MockServer(Settings(control_token=TOKEN)) as running:
        yield running


def port_of(client: httpx.Client) -> int:
    port = client.base_url.port
    assert port is not None
    return port


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "10.0.0.1", "[::2]"])
@pytest.mark.parametrize("path", ["/v1/sequences", "/__mock/state", "/__mock/health"])
def test_a_loopback_mock_refuses_other_host_names(control: httpx.Client, host: str, path: str):
    """A page that rebinds its own name to 127.0.0.1 reaches the socket, with its name."""
    headers = {"Host": host.format(port=port_of(control)), **bearer(READ_WRITE)}

    response = control.get(path, headers=headers)

    assert response.status_code == 421
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "misdirected_request"


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:{port}", "127.0.0.1:{port}", "127.1.2.3", "[::1]:{port}"]
)
def test_a_loopback_mock_answers_loopback_host_names(control: httpx.Client, host: str):
    headers = {"Host": host.format(port=port_of(control)), **bearer(READ_WRITE)}

    assert control.get(f"/v1/sequences/{AMELIE_RUN}", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/__mock/reset", ""),
        ("POST", "/__mock/clock", '{"now": "2053-01-01T00:00:00Z"}'),
        ("POST", "/__mock/faults", '{"operation": "*", "status": 503}'),
        ("DELETE", "/__mock/requests", ""),
    ],
)
def test_a_page_of_another_origin_changes_nothing(
    control: httpx.Client, method: str, path: str, body: str
):
    """What a browser sends for a cross-origin `fetch` with a text body: no preflight needed."""
    control.post("/__mock/clock", json={"advance_seconds": 60}).raise_for_status()
    headers = {"Origin": "http://evil.example", "Content-Type": "text/plain;charset=UTF-8"}

    response = control.request(method, path, content=body, headers=headers)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden_origin"
    assert control.get("/__mock/clock").json()["now"] == "2026-03-02T09:01:00Z"
    assert control.get("/__mock/faults").json()["faults"] == []


def test_a_text_body_without_an_origin_changes_nothing_either(control: httpx.Client):
    body = '{"operation": "*", "status": 503}'

    response = control.post("/__mock/faults", content=body, headers={"Content-Type": "text/plain"})

    assert response.status_code == 415
    assert control.get("/__mock/faults").json()["faults"] == []


def test_the_mocks_own_origin_may_write(control: httpx.Client):
    origin = f"http://127.0.0.1:{port_of(control)}"

    response = control.post(
        "/__mock/clock", json={"advance_seconds": 60}, headers={"Origin": origin}
    )

    assert response.status_code == 200


def test_a_foreign_origin_may_still_read(control: httpx.Client):
    """A cross-origin page cannot read the answer anyway (no CORS); nothing changes."""
    response = control.get("/__mock/clock", headers={"Origin": "http://evil.example"})

    assert response.json()["now"] == CLOCK_START


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/__mock/state"),
        ("POST", "/__mock/reset"),
        ("GET", "/__mock/requests"),
        ("GET", "/__mock/openapi.json"),
        ("GET", "/__mock/nowhere"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}"])
def test_with_a_control_token_the_control_plane_needs_it(
    guarded: MockServer, method: str, path: str, authorization: str | None
):
    headers = {"Authorization": authorization} if authorization else {}

    response = httpx.request(method, f"{guarded.url}{path}", headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_with_a_control_token_health_and_the_api_need_none(guarded: MockServer):
    assert httpx.get(f"{guarded.url}/__mock/health").status_code == 200
    response = httpx.get(f"{guarded.url}/v1/sequences/{AMELIE_RUN}", headers=bearer(READ_WRITE))
    assert response.status_code == 200


def test_the_handle_sends_the_control_token(guarded: MockServer):
    with httpx.Client(timeout=10) as client:
        handle = MockHandle(guarded.url, client, control_token=TOKEN)
        handle.reset()
        handle.clock.advance(60)
        handle.seed({"sequences": []}, mode="merge")

        assert handle.api_keys["acme_read_write"] == READ_WRITE
        assert handle.requests() == []


def test_bound_to_every_address_an_ipv4_loopback_client_gets_the_host_check() -> None:
    """On `::` an IPv4 client arrives on `::ffff:127.0.0.1`, which once did not count as
    loopback: a rebinding page reached the mock through 127.0.0.1 unchecked."""
    with MockServer(host="::") as server:
        port = server.url.rsplit(":", 1)[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            rebound = client.get("/__mock/health", headers={"Host": "evil.example"})
            own = client.get("/__mock/health")

    assert rebound.status_code == 421
    assert own.status_code == 200
