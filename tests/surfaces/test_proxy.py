"""`sequences-mock proxy`: upstream answers checked against openapi.yaml, violations on the call
line, in the journal and /__mock/requests, a 502 with --errors, and --record's fixture."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from asgi_server import served
from default_world import READ_WRITE
from sequences_mock.call_log import CallLog
from sequences_mock.cli import main
from sequences_mock.proxy.forward import ProxySettings, create_proxy_app
from sequences_mock.proxy.recording import Recorder
from sequences_mock.server import MockServer
from sequences_mock.settings import Settings
from vendor_double import KEY, VendorDouble

RUN = "44444444-4444-4444-8444-000000000000"
RECORDABLE = {
    "id": "run",
    "workspace_id": "w",
    "contact_id": None,
    "template_id": "t",
    "status": "ACTIVE",
    "variables": {},
    "contact_list_id": None,
    "last_step_executed_at": None,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def double_url() -> Iterator[str]:
    with served(VendorDouble().app) as url:
        yield url


@pytest.fixture
def mock_url() -> Iterator[str]:
    with MockServer() as server:
        yield server.url


class Proxy:
    """A proxy app on a socket, its call lines written to `log`."""

    def __init__(self, settings: ProxySettings) -> None:
        self.app = create_proxy_app(settings)
        self._log = io.StringIO()
        self.call_log = self.app.state.runtime.journal.listener = CallLog(self._log)

    @property
    def log(self) -> io.StringIO:
        """The call lines so far (written in batches, on a thread: the held ones first)."""
        self.call_log.flush()
        self.call_log.drain()
        return self._log

    def requests(self, client: httpx.Client) -> list[dict[str, object]]:
        answer = client.get("/__mock/requests")
        assert answer.status_code == 200, answer.text
        return answer.json()["requests"]


@pytest.fixture
def proxy_to_double(double_url: str) -> Iterator[tuple[Proxy, httpx.Client]]:
    proxy = Proxy(ProxySettings(double_url + "/v1"))
    with served(proxy.app) as url, httpx.Client(base_url=url) as client:
        yield proxy, client


def test_an_upstream_violation_is_journaled_and_logged(
    proxy_to_double: tuple[Proxy, httpx.Client],
) -> None:
    """The double's extra field, missing field, error body and missing WWW-Authenticate: each
    answer goes back unchanged, with its violations on the entry and the call line."""
    proxy, client = proxy_to_double
    auth = {"authorization": f"Bearer {KEY}"}

    got = client.get(f"/v1/sequences/{RUN}", headers=auth)
    listed = client.get("/v1/sequences", headers=auth)
    missing = client.get("/v1/sequences/44444444-4444-4444-8444-999999999999", headers=auth)
    no_key = client.get("/v1/sequences")

    assert (got.status_code, got.json()["owner_email"]) == (200, "owner@vendor.example")
    assert (listed.status_code, missing.json(), no_key.status_code) == (
        200,
        {"error": "not found"},
        401,
    )
    entries = proxy.requests(client)
    assert [(e["operation"], e["status"]) for e in entries] == [
        ("getSequence", 200),
        ("listSequences", 200),
        ("getSequence", 404),
        ("listSequences", 401),
    ]
    violations = [e["violations"] for e in entries]
    assert "'owner_email' was unexpected" in violations[0][0]
    assert '"last_step_executed_at" is a required property' in violations[1][0]
    assert violations[2] == [
        "getSequence 404 is application/json, not application/problem+json",
        'getSequence 404 body at /: "type" is a required property',
    ]
    assert violations[3] == ["listSequences 401 lacks the www-authenticate header"]
    assert proxy.log.getvalue().count("UPSTREAM-VIOLATES") == 4
    assert KEY not in proxy.log.getvalue()


def test_errors_answers_a_502_naming_the_violations(double_url: str) -> None:
    """With --errors the caller gets a 502 problem that names what the upstream broke."""
    proxy = Proxy(ProxySettings(double_url, errors=True))
    with served(proxy.app) as url, httpx.Client(base_url=url) as client:
        answer = client.get(f"/v1/sequences/{RUN}", headers={"authorization": f"Bearer {KEY}"})

    assert answer.status_code == 502
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "bad_gateway"
    assert "'owner_email' was unexpected" in answer.json()["detail"]


def test_the_mock_upstream_has_no_violations(mock_url: str) -> None:
    """Behind the proxy the mock keeps its contract, refusals included; a switched choice
    (repause refuse) too."""
    control = httpx.Client(base_url=mock_url)
    assert control.post("/__mock/choices", json={"choices": {"repause": "refuse"}}).is_success
    control.close()
    proxy = Proxy(ProxySettings(mock_url))
    auth = {"authorization": f"Bearer {READ_WRITE}"}
    run = "/v1/sequences/1ca9fa48-7489-48e1-a93b-8d5a708d3342"
    with served(proxy.app) as url, httpx.Client(base_url=url, headers=auth) as client:
        statuses = [
            client.get("/v1/sequences", params={"size": 100}).status_code,
            client.get("/v1/sequences", params={"size": 0}).status_code,
            client.post(f"{run}/pause", json={"paused_until": "2030-01-01T00:00:00Z"}).status_code,
            client.post(f"{run}/pause", json={"paused_until": "2030-01-02T00:00:00Z"}).status_code,
            client.get("/v1/sequences", headers={"authorization": ""}).status_code,
        ]
        entries = proxy.requests(client)

    assert statuses == [200, 422, 200, 409, 401]
    assert [e["violations"] for e in entries] == [[]] * 5
    assert "UPSTREAM-VIOLATES" not in proxy.log.getvalue()


def test_an_upstream_that_does_not_answer_is_a_502(tmp_path: Path) -> None:
    """Nothing listens upstream: the caller gets the proxy's own 502 problem."""
    proxy = Proxy(ProxySettings("http://127.0.0.1:9"))
    with served(proxy.app) as url, httpx.Client(base_url=url) as client:
        answer = client.get("/v1/sequences")

    assert (answer.status_code, answer.json()["code"]) == (502, "bad_gateway")


def test_a_recording_is_a_fixture_the_mock_serves(
    mock_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--record: the runs read through the proxy, written as a fixture `check-fixtures`
    accepts; served, each recorded run's GET has the same status and fields. The key in the
    file is a new one, never the caller's."""
    path = tmp_path / "recorded.yaml"
    recorder = Recorder(path)
    proxy = Proxy(ProxySettings(mock_url, recorder=recorder))
    auth = {"authorization": f"Bearer {READ_WRITE}"}
    with served(proxy.app) as url, httpx.Client(base_url=url, headers=auth) as client:
        listed = client.get("/v1/sequences", params={"size": 100}).json()["items"]
    recorder.write()

    assert main(["check-fixtures", str(path)]) == 0
    assert "OK" in capsys.readouterr().out
    text = path.read_text()
    assert READ_WRITE not in text
    (key,) = [line.split()[-1] for line in text.splitlines() if "key: sk_recorded_" in line]
    with MockServer(Settings(fixtures=path)) as server:
        client = httpx.Client(base_url=server.url, headers={"authorization": f"Bearer {key}"})
        served_runs = [client.get(f"/v1/sequences/{run['id']}") for run in listed]
        client.close()
    assert [(a.status_code, a.json()) for a in served_runs] == [(200, run) for run in listed]


def test_a_recording_keeps_the_runs_read_last() -> None:
    """Bounded: past `max_runs` the run read longest ago goes."""
    recorder = Recorder(Path("unused"), max_runs=2)
    for number in range(3):
        run = {**RECORDABLE, "id": f"run-{number}"}
        recorder.saw("getSequence", 200, run)
    recorder.saw("getSequence", 404, {**RECORDABLE, "id": "refused"})
    recorder.saw("getSequence", 200, {**RECORDABLE, "id": "unknown status", "status": "NEW"})

    assert [run["id"] for run in recorder.document()["sequences"]] == ["run-1", "run-2"]


def test_a_body_over_the_limit_is_refused_before_it_goes_upstream(double_url: str) -> None:
    """Over 1 MiB: a 413 problem from the proxy; the upstream never sees it."""
    proxy = Proxy(ProxySettings(double_url))
    with served(proxy.app) as url, httpx.Client(base_url=url) as client:
        answer = client.patch(
            f"/v1/sequences/{RUN}",
            content=b"{" + b" " * (1024 * 1024) + b"}",
            headers={"content-type": "application/json", "authorization": f"Bearer {KEY}"},
        )

    assert (answer.status_code, answer.json()["code"]) == (413, "content_too_large")
