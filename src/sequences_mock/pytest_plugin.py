"""The pytest plugin: a mock server per test session (per xdist worker), reset for every test.

Registered through the `pytest11` entry point, so installing the package is all a suite needs.
Fixtures: `sequences_mock` (a handle on a real socket), `sequences_mock_app` (the same handle on
an in-process app, with httpx clients bound to it), `sequences_mock_server` and
`sequences_mock_settings` (override it to configure the server).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sequences_mock.settings import Settings
from sequences_mock.testing import MockHandle, SyncASGITransport

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from sequences_mock.server import MockServer

__all__ = ["InProcessMock"]

ALLOW_ERRORS_MARKER = "sequences_mock_allow_errors"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sequences-mock", "the Sequences API mock")
    group.addoption(
        "--sequences-mock-fixtures",
        metavar="PATH",
        help="fixture file the mock serves (default: the packaged world)",
    )
    group.addoption(
        "--sequences-mock-no-validate-responses",
        action="store_true",
        default=None,
        help="do not check the mock's responses against openapi.yaml",
    )
    parser.addini("sequences_mock_fixtures", "fixture file the mock serves", type="string")
    parser.addini(
        "sequences_mock_validate_responses",
        "check the mock's responses against openapi.yaml (default true)",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{ALLOW_ERRORS_MARKER}: the test may make the mock answer 5xx or break its contract",
    )


@pytest.fixture(scope="session")
def sequences_mock_settings(pytestconfig: pytest.Config) -> Settings:
    """How the session's mock is built; override this fixture to configure it in code.

    A relative `--sequences-mock-fixtures` is taken from where pytest was started; a relative
    `sequences_mock_fixtures` ini value from the ini file's folder.
    """
    option = pytestconfig.getoption("sequences_mock_fixtures")
    ini = pytestconfig.getini("sequences_mock_fixtures")
    path: Path | None = None
    if option:
        path = pytestconfig.invocation_params.dir / option
    elif ini:
        path = (
            pytestconfig.inipath.parent if pytestconfig.inipath else pytestconfig.rootpath
        ) / ini
    no_validation = pytestconfig.getoption("sequences_mock_no_validate_responses")
    validate = not no_validation and bool(pytestconfig.getini("sequences_mock_validate_responses"))
    return Settings(fixtures=path, validate_responses=validate)


@pytest.fixture(scope="session")
def sequences_mock_server(sequences_mock_settings: Settings) -> Iterator[MockServer]:
    """The mock on uvicorn in a daemon thread on 127.0.0.1, a free port; one per xdist worker."""
    from sequences_mock.server import MockServer

    with MockServer(sequences_mock_settings) as server:
        with httpx.Client(timeout=10) as client:
            client.get(f"{server.url}/__mock/health").raise_for_status()
        yield server


@pytest.fixture
def sequences_mock(
    sequences_mock_server: MockServer, request: pytest.FixtureRequest
) -> Iterator[MockHandle]:
    """A handle on the session's mock, reset (state, clock, journal, faults) for this test."""
    with httpx.Client(timeout=30) as client:
        token = sequences_mock_server.settings.control_token
        handle = MockHandle(sequences_mock_server.url, client, control_token=token)
        handle.reset()
        yield handle
        _check_incidents(handle, request)


class InProcessMock(MockHandle):
    """A handle on an in-process app, with httpx clients bound to it (no socket)."""

    def __init__(self, app: Starlette, *, control_token: str | None = None) -> None:
        self.app = app
        self.client = httpx.Client(transport=SyncASGITransport(app), base_url="http://mock/v1")
        super().__init__("http://mock", self.client, control_token=control_token)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` on the app, based at the API (`/v1`); close it when done."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=self.api_url, **kwargs
        )

    def close(self) -> None:
        self.client.close()


@pytest.fixture(scope="session")
def _sequences_mock_asgi_app(sequences_mock_settings: Settings) -> Starlette:
    from sequences_mock.app import create_app

    return create_app(sequences_mock_settings)


@pytest.fixture
def sequences_mock_app(
    _sequences_mock_asgi_app: Starlette,
    sequences_mock_settings: Settings,
    request: pytest.FixtureRequest,
) -> Iterator[InProcessMock]:
    """The mock in-process: `.app` (ASGI), `.client` (httpx, at /v1), and the handle API."""
    handle = InProcessMock(
        _sequences_mock_asgi_app, control_token=sequences_mock_settings.control_token
    )
    try:
        handle.reset()
        yield handle
        _check_incidents(handle, request)
    finally:
        handle.close()


def _check_incidents(handle: MockHandle, request: pytest.FixtureRequest) -> None:
    """Fail the test when the mock answered an unplanned 5xx or broke its contract during it."""
    if request.node.get_closest_marker(ALLOW_ERRORS_MARKER) is not None:
        return
    incidents = handle.incidents()
    if incidents:
        lines = [
            f"  #{call['seq']} {call['method']} {call['path']} -> {call['status']}"
            + (f": {call['contract_violation']}" if call["contract_violation"] else "")
            for call in incidents
        ]
        pytest.fail(
            "the Sequences mock answered with a server error or broke its contract during this "
            f"test (mark it {ALLOW_ERRORS_MARKER} if that is expected):\n" + "\n".join(lines),
            pytrace=False,
        )
