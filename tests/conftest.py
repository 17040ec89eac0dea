"""Shared fixtures: one app per session, reset before each test, reached through httpx."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from default_world import READ_WRITE, SyncASGITransport, bearer
from sequences_mock.app import create_app
from sequences_mock.runtime import Runtime


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
