"""One mock server for every xdist worker of a session, a namespace per worker (opt-in with
`--sequences-mock-shared`): the controller starts it and hands its URL to the workers, and each
worker's handle works in `/ns/<worker id>`, a world no other worker sees.

Without xdist the option changes nothing: the session has one server anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sequences_mock.client.transport import tls_for
from sequences_mock.settings import Settings
from sequences_mock.testing import Connection, SuiteCoverage

if TYPE_CHECKING:
    from sequences_mock.server import MockServer

__all__ = [
    "SHARED_OPTION",
    "add_shared_option",
    "pytest_configure_node",
    "shared_connection",
    "shared_namespace_url",
    "start_shared_server",
    "stop_shared_server",
]

SHARED_OPTION = "sequences_mock_shared"
#: The key the controller hands the server's URL to each worker under (`workerinput`).
_URL = "sequences_mock_shared_url"
_SERVER: pytest.StashKey[MockServer] = pytest.StashKey()


def add_shared_option(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--sequences-mock-shared",
        action="store_true",
        dest=SHARED_OPTION,
        help="under xdist, one mock server for every worker, each in a namespace of its own",
    )


def start_shared_server(config: pytest.Config, settings: Settings) -> None:
    """In the controller of an xdist session asked to share: start the one server."""
    if hasattr(config, "workerinput") or not config.getoption(SHARED_OPTION):
        return
    if getattr(config.option, "dist", "no") == "no" or not getattr(
        config.option, "numprocesses", None
    ):
        return
    from sequences_mock.server import MockServer

    config.stash[_SERVER] = MockServer(settings).start()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist starts a worker: tell it where the shared server is."""
    server = node.config.stash.get(_SERVER, None)
    if server is not None:
        node.workerinput[_URL] = server.url


def stop_shared_server(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        server.stop()


def shared_namespace_url(config: pytest.Config) -> str | None:
    """In a worker of a shared session: the base URL of its namespace (`…/ns/gw0`)."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None or _URL not in workerinput:
        return None
    return f"{workerinput[_URL]}/ns/{workerinput['workerid']}"


def shared_connection(
    url: str, coverage: SuiteCoverage, control_token: str | None
) -> Iterator[Connection]:
    """The session's control calls to its namespace, over HTTP; harvested at the end."""
    with httpx.Client(timeout=30, verify=tls_for(url)) as client:
        connection = Connection(url, client, coverage, control_token=control_token)
        yield connection
        connection.harvest()
