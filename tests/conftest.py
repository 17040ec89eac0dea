"""Shared fixtures: one app per session, reset before each test, reached through httpx."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from default_world import READ_WRITE, bearer
from sequences_mock.app import create_app
from sequences_mock.server import MockServer
from sequences_mock.state.journal import JournalQuery
from sequences_mock.state.runtime import Runtime
from sequences_mock.testing import MockHandle, SyncASGITransport


@pytest.fixture(scope="session")
def app() -> Starlette:
    return create_app()


@pytest.fixture
def runtime(app: Starlette) -> Runtime:
    """The app's runtime, reset to the default fixtures (frozen clock at CLOCK_START)."""
    runtime: Runtime = app.state.runtime
    runtime.reset()
    return runtime


@pytest.fixture
def client(app: Starlette, runtime: Runtime) -> Iterator[httpx.Client]:
    """An httpx client on the freshly reset app; no credentials unless a test sends them."""
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        yield client


@pytest.fixture
def mock(client: httpx.Client) -> MockHandle:
    """The project's handle on the same freshly reset app: control-plane tests about behaviour
    say what they do through it (`mock.enroll(...)`, `mock.clock.advance(...)`)."""
    return MockHandle("http://mock", client)


@pytest.fixture
def acme(client: httpx.Client) -> httpx.Client:
    """The same client, sending the Acme read-write key."""
    client.headers.update(bearer(READ_WRITE))
    return client


@pytest.fixture(autouse=True)
def no_incidents(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test on the shared app during which the mock broke its contract or answered an
    unplanned 5xx: read from the journal's incident flag, as the pytest plugin does."""
    yield
    if "runtime" not in request.fixturenames:
        return
    if request.node.get_closest_marker("contract_violation_expected") is not None:
        return
    # The session app outlives the test's own fixtures, which are gone by now.
    runtime: Runtime = request.getfixturevalue("app").state.runtime
    incidents = runtime.journal.entries(JournalQuery(incident=True))
    if incidents:
        calls = "; ".join(
            f"#{entry.seq} {entry.method} {entry.path} -> {entry.status}"
            + (f" ({entry.contract_violation})" if entry.contract_violation else "")
            for entry in incidents
        )
        pytest.fail(f"the mock broke its contract or failed unexpectedly: {calls}")


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    """The default world on a real socket, one per test module (a module may override it)."""
    with MockServer() as running:
        yield running


@pytest.fixture
def control(server: MockServer) -> Iterator[httpx.Client]:
    """A client at the module's socket server, reset to the default world for this test."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.post("/__mock/reset").raise_for_status()
        yield client
