"""Shared fixtures: one app per session, reset before each test, reached through httpx."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from default_world import READ_WRITE, bearer
from sequences_mock.app import create_app
from sequences_mock.state.runtime import Runtime
from sequences_mock.testing import SyncASGITransport


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
def acme(client: httpx.Client) -> httpx.Client:
    """The same client, sending the Acme read-write key."""
    client.headers.update(bearer(READ_WRITE))
    return client


class _ViolationLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("contract violation"):
            self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_contract_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test during which the mock sent a response its own contract forbids."""
    log = _ViolationLog()
    logger = logging.getLogger("sequences_mock")
    logger.addHandler(log)
    try:
        yield
    finally:
        logger.removeHandler(log)
    if log.messages and request.node.get_closest_marker("contract_violation_expected") is None:
        pytest.fail("the mock broke its contract: " + "; ".join(log.messages))
