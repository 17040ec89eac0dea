"""The pytest plugin: a mock server per test session (per xdist worker, or one shared by the
workers, a namespace each: `pytest_shared`), reset for every test.

Registered through the `pytest11` entry point, so installing the package is all a suite needs.
Fixtures: `sequences_mock` (a handle on a real socket), `sequences_mock_app` (the same handle on
an in-process app, with httpx clients bound to it), `sequences_mock_server` and
`sequences_mock_settings` (override it to configure the server).

Each session adds up what every test called (per operation and declared status, across xdist
workers too), prints it as a table at the end, and can write it as JSON or fail under a floor.

Over 350 lines on purpose: pytest loads a plugin as one module through its entry point, and its
options, hooks and fixtures read one another's session state; split, each part would import
the others' private names.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pytest

from sequences_mock.client.transport import KeptAliveTransport
from sequences_mock.core.errors import MockError
from sequences_mock.pytest_shared import (
    add_shared_option,
    pytest_configure_node,
    shared_connection,
    shared_namespace_url,
    start_shared_server,
    stop_shared_server,
)
from sequences_mock.settings import Settings
from sequences_mock.testing import Connection, MockHandle, SuiteCoverage, SyncASGITransport
from sequences_mock.testing.coverage import parse_ignore
from sequences_mock.testing.cpu import SharedCpu, SharedCpuTransport
from sequences_mock.testing.transport import LentTransport, LoopTransport

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from sequences_mock.server import MockServer

__all__ = ["InProcessMock", "pytest_configure_node"]

ALLOW_ERRORS_MARKER = "sequences_mock_allow_errors"
ALLOW_WARNINGS_MARKER = "sequences_mock_allow_warnings"
CHOICES_MARKER = "sequences_mock_choices"
COVERAGE = pytest.StashKey[SuiteCoverage]()
Handle = TypeVar("Handle", bound=MockHandle)
#: The key an xdist worker hands its coverage over under (`workeroutput`).
WORKER_OUTPUT = "sequences_mock_coverage"


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
    group.addoption(
        "--sequences-mock-coverage",
        metavar="PATH",
        help="write the suite's coverage (calls per operation and declared status) as JSON",
    )
    group.addoption(
        "--sequences-mock-coverage-ignore",
        metavar="OP:STATUS",
        action="append",
        default=[],
        help="leave declared statuses out of the coverage (wildcards: 'stopSequence:409', "
        "'*:413', 'getSequence'); repeat it or separate with commas",
    )
    group.addoption(
        "--sequences-mock-coverage-all",
        action="store_true",
        default=False,
        help="count every declared status, also those only a fault or another Host brings "
        "about (421, 429, 500, 502, 503, 504), which are left out by default",
    )
    group.addoption(
        "--sequences-mock-coverage-fail-under",
        metavar="PERCENT",
        type=float,
        help="fail the session when fewer declared statuses than this were exercised",
    )
    add_shared_option(group)
    parser.addini("sequences_mock_fixtures", "fixture file the mock serves", type="string")
    parser.addini(
        "sequences_mock_validate_responses",
        "check the mock's responses against openapi.yaml (default true)",
        type="bool",
        default=True,
    )
    parser.addini(
        "sequences_mock_shared_cpu",
        "run the calls of the socket fixture's client with the server's thread on the test's "
        "CPU (Linux; default true)",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{ALLOW_ERRORS_MARKER}: the test may make the mock answer 5xx or break its contract",
    )
    config.addinivalue_line(
        "markers",
        f"{CHOICES_MARKER}(id=option, ...): the mock's world makes these choices for the test "
        "(GET /__mock/choices lists them)",
    )
    config.addinivalue_line(
        "markers",
        f"{ALLOW_WARNINGS_MARKER}: the test may send the mock query parameters the contract "
        "does not declare (which it ignores)",
    )
    try:
        ignore = parse_ignore(config.getoption("sequences_mock_coverage_ignore") or [])
    except ValueError as error:
        raise pytest.UsageError(f"--sequences-mock-coverage-ignore: {error}") from None
    count_all = bool(config.getoption("sequences_mock_coverage_all"))
    config.stash[COVERAGE] = SuiteCoverage(ignore, count_all=count_all)
    start_shared_server(config, _settings_from(config))


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_shared_server(config)


def pytest_sessionstart(session: pytest.Session) -> None:
    """A fixture file given on the command line or in the ini file is checked once, up front:
    a bad one stops the session with its problems instead of failing every test."""
    config = session.config
    if hasattr(config, "workerinput"):
        return  # the controller checked it before starting this worker
    settings = _settings_from(config)
    if settings.fixtures is None:
        return
    from sequences_mock.app import create_app

    try:
        create_app(settings)
    except MockError as error:
        raise pytest.UsageError(_fixture_problems(settings.fixtures, error)) from None


def _fixture_problems(path: Path, error: MockError) -> str:
    lines = [f"sequences-mock: {path}: {error.detail}"]
    lines += [f"  {problem}" for problem in error.problems]
    return "\n".join(lines)


def _settings_from(config: pytest.Config) -> Settings:
    """The settings the command line and the ini file ask for.

    A relative `--sequences-mock-fixtures` is taken from where pytest was started; a relative
    `sequences_mock_fixtures` ini value from the ini file's folder.
    """
    option = config.getoption("sequences_mock_fixtures")
    ini = config.getini("sequences_mock_fixtures")
    path: Path | None = None
    if option:
        path = config.invocation_params.dir / option
    elif ini:
        path = (config.inipath.parent if config.inipath else config.rootpath) / ini
    no_validation = config.getoption("sequences_mock_no_validate_responses")
    validate = not no_validation and bool(config.getini("sequences_mock_validate_responses"))
    return Settings(fixtures=path, validate_responses=validate)


# -- the suite's coverage ----------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """After the tests (and, under xdist, every worker): the JSON file and the floor."""
    try:
        return (yield)
    finally:
        config = session.config
        if not hasattr(config, "workerinput"):
            _finish_coverage(session)


def _finish_coverage(session: pytest.Session) -> None:
    config = session.config
    if config.option.collectonly:
        return
    coverage = config.stash[COVERAGE]
    output = config.getoption("sequences_mock_coverage")
    if output:
        path = config.invocation_params.dir / output
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(coverage.report(), indent=2) + "\n")
    floor = config.getoption("sequences_mock_coverage_fail_under")
    if floor is not None and coverage.report()["summary"]["percent"] < floor:
        session.testsfailed += 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workeroutput"):
        config.workeroutput[WORKER_OUTPUT] = config.stash[COVERAGE].to_data()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """An xdist worker finished: add its coverage to the session's."""
    data = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
    if data:
        node.config.stash[COVERAGE].merge(data)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    coverage = config.stash[COVERAGE]
    floor = config.getoption("sequences_mock_coverage_fail_under")
    if not coverage.used and floor is None:
        return
    verbosity = config.get_verbosity()
    if verbosity < -1 and floor is None:
        return
    writer = terminalreporter
    writer.write_sep("-", "sequences-mock coverage")
    writer.write_line(coverage.summary_line())
    if verbosity >= 0:
        for line in coverage.table():
            writer.write_line(line)
    output = config.getoption("sequences_mock_coverage")
    if output:
        writer.write_line(f"written to {output}")
    if floor is not None:
        percent = coverage.report()["summary"]["percent"]
        verdict = "reached" if percent >= floor else "FAIL: not reached"
        writer.write_line(f"required {floor:g}% of declared statuses: {verdict} ({percent:.1f}%)")


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sequences_mock_settings(pytestconfig: pytest.Config) -> Settings:
    """How the session's mock is built; override this fixture to configure it in code.

    A relative `--sequences-mock-fixtures` is taken from where pytest was started; a relative
    `sequences_mock_fixtures` ini value from the ini file's folder.
    """
    return _settings_from(pytestconfig)


@pytest.fixture(scope="session")
def sequences_mock_server(sequences_mock_settings: Settings) -> Iterator[MockServer]:
    """The mock on uvicorn in a daemon thread on 127.0.0.1, a free port; one per xdist worker."""
    from sequences_mock.server import MockServer

    try:
        server = MockServer(sequences_mock_settings)
    except MockError as error:
        path = sequences_mock_settings.fixtures or Path("the packaged fixtures")
        pytest.fail(_fixture_problems(path, error), pytrace=False)
    with server:
        yield server


@pytest.fixture(scope="session")
def _sequences_mock_connection(
    pytestconfig: pytest.Config, request: pytest.FixtureRequest
) -> Iterator[Connection]:
    """The session's control calls: run on the server's event loop (in turn with the requests
    coming over the socket, without HTTP in between), or over HTTP to this worker's namespace
    of a shared server; the calls after the last reset count too.
    """
    shared = shared_namespace_url(pytestconfig)
    if shared is not None:
        token = _settings_from(pytestconfig).control_token
        yield from shared_connection(shared, pytestconfig.stash[COVERAGE], token)
        return
    server: MockServer = request.getfixturevalue("sequences_mock_server")
    assert server.loop is not None, "the mock server is not running"
    assert server.thread_id is not None, "the mock server is not running"
    shared_cpu = SharedCpu(
        server.thread_id,
        enabled=pytestconfig.getini("sequences_mock_shared_cpu"),
        alive=lambda: server.thread_id is not None,
    )
    connection = Connection(
        server.url,
        None,
        pytestconfig.stash[COVERAGE],
        transport=LoopTransport(server.entry, server.loop, shared=shared_cpu),
        served=lambda: server.requests_served,
        control_token=server.settings.control_token,
        quiet=server.quiet,
        api_transport=lambda: SharedCpuTransport(
            KeptAliveTransport.for_url(server.url), shared_cpu
        ),
    )
    yield connection
    connection.harvest()
    connection.close()


@pytest.fixture
def sequences_mock(
    _sequences_mock_connection: Connection, request: pytest.FixtureRequest
) -> Iterator[MockHandle]:
    """A handle on the session's mock, reset (state, clock, journal, faults) for this test."""
    yield from _per_test(MockHandle.on(_sequences_mock_connection), request)


class InProcessMock(MockHandle):
    """A handle on an in-process app, with httpx clients bound to it (no socket)."""

    def __init__(
        self,
        app: Starlette,
        connection: Connection | None = None,
        transport: SyncASGITransport | None = None,
        *,
        control_token: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        """On its own, or (as the plugin makes it) on a session's connection and transport
        (whose app is the session's `RequestGate` around `app`), with the session's `client`
        (which it leaves open)."""
        self.app = app
        if connection is None or transport is None:
            owned = SyncASGITransport(app)
            transport = owned
            connection = Connection("http://mock", transport=owned, control_token=control_token)
            self._owned: SyncASGITransport | None = owned
        else:
            self._owned = None
        self._transport = transport
        self._api_client = client
        self._owns_api_client = client is None
        super().__init__(connection.url, connection=connection)

    @property
    def client(self) -> httpx.Client:
        """An `httpx.Client` on the app based at the API (`/v1`): the plugin's is made once a
        session and shared by its handles, as the socket fixture's is."""
        if self._api_client is None:
            lent = LentTransport(self._transport)
            self._api_client = httpx.Client(transport=lent, base_url=self.api_url)
        return self._api_client

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` on the app, based at the API (`/v1`); close it when done."""
        transport = httpx.ASGITransport(app=self._transport.app)
        return httpx.AsyncClient(transport=transport, base_url=self.api_url, **kwargs)

    def close(self) -> None:
        if self._api_client is not None and self._owns_api_client:
            self._api_client.close()
        if self._owned is not None:
            self._owned.close()


@dataclass(frozen=True)
class _InProcess:
    """The session's in-process app, its one transport (and event loop), and its connection."""

    app: Starlette
    transport: SyncASGITransport
    connection: Connection
    #: The API client the handles share (at /v1).
    client: httpx.Client


@pytest.fixture(scope="session")
def _sequences_mock_in_process(
    sequences_mock_settings: Settings, pytestconfig: pytest.Config
) -> Iterator[_InProcess]:
    from sequences_mock.app import create_app
    from sequences_mock.gate import RequestGate

    try:
        app = create_app(sequences_mock_settings)
    except MockError as error:
        path = sequences_mock_settings.fixtures or Path("the packaged fixtures")
        pytest.fail(_fixture_problems(path, error), pytrace=False)
    gate = RequestGate(app, app.state.context)
    transport = SyncASGITransport(gate)
    connection = Connection(
        "http://mock",
        None,
        pytestconfig.stash[COVERAGE],
        transport=transport,
        served=lambda: gate.entered,
        control_token=sequences_mock_settings.control_token,
        quiet=gate.quiet,
    )
    client = httpx.Client(transport=LentTransport(transport), base_url=f"{connection.url}/v1")
    yield _InProcess(app, transport, connection, client)
    client.close()
    connection.harvest()
    transport.close()


@pytest.fixture
def sequences_mock_app(
    _sequences_mock_in_process: _InProcess, request: pytest.FixtureRequest
) -> Iterator[InProcessMock]:
    """The mock in-process: `.app` (ASGI), `.client` (httpx, at /v1), and the handle API."""
    session = _sequences_mock_in_process
    handle = InProcessMock(
        session.app,
        session.connection,
        session.transport,
        client=session.client,
    )
    try:
        yield from _per_test(handle, request)
    finally:
        handle.close()


def _per_test(handle: Handle, request: pytest.FixtureRequest) -> Iterator[Handle]:
    """The handle, on a mock reset for the test; after it, the test's calls are counted for the
    suite, the mock is reset for the next, and the test fails if the mock answered an unplanned
    5xx or broke its contract during it."""
    connection = handle._connection
    connection.start_test()
    handle._pristine = True
    chosen = request.node.get_closest_marker(CHOICES_MARKER)
    if chosen is not None:
        if chosen.args:
            raise pytest.UsageError(f"{CHOICES_MARKER} takes id=option keywords only")
        handle.set_choices(**chosen.kwargs)  # undone by the reset after the test
    yield handle
    allowed = request.node.get_closest_marker(ALLOW_ERRORS_MARKER) is not None
    warnings_allowed = request.node.get_closest_marker(ALLOW_WARNINGS_MARKER) is not None
    incidents, warned = connection.finish_test(
        find_incidents=not allowed, find_warnings=not warnings_allowed
    )
    failures = []
    if incidents:
        lines = [
            f"  #{call['seq']} {call['method']} {call['path']} -> {call['status']}"
            + (f": {call['contract_violation']}" if call["contract_violation"] else "")
            for call in incidents
        ]
        failures.append(
            "the Sequences mock answered with a server error or broke its contract during this "
            f"test (mark it {ALLOW_ERRORS_MARKER} if that is expected):\n" + "\n".join(lines)
        )
    if warned:
        lines = [
            f"  #{call['seq']} {call['method']} {call['path']}: "
            + "; ".join(f"{warning['name']} {warning['message']}" for warning in call["warnings"])
            for call in warned
        ]
        failures.append(
            "calls of this test sent the Sequences mock query parameters its contract does not "
            f"declare, which it ignored (mark the test {ALLOW_WARNINGS_MARKER} if that is "
            "meant):\n" + "\n".join(lines)
        )
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
