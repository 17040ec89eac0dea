"""What a test holds: a handle on one mock (its control plane, over HTTP) and its assertions.

The handle works the same whether the mock listens on a socket (`MockServer`) or runs in-process
behind an httpx transport; the pytest plugin hands out one of each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx

from sequences_mock.client.requests import ControlRequest
from sequences_mock.client.sync import ControlClient, ControlClock
from sequences_mock.client.transport import tls_for
from sequences_mock.testing.calls import called_message, check_expectation, differences
from sequences_mock.testing.control import Connection

__all__ = ["ApiKeys", "MockClock", "MockHandle"]

T = TypeVar("T")
#: The mock's clock as a handle moves it: `ControlClock`, each move a `ClockMove`.
MockClock = ControlClock


class ApiKeys(Mapping[str, str]):
    """The world's API keys: `keys["acme_read_write"]` by name (or by the key itself).

    `with_scopes("sequences:read")` finds a key holding exactly those scopes, for testing 403s.
    """

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self._records = records
        self._by_name = {record.get("name") or record["key"]: record["key"] for record in records}
        for record in records:
            self._by_name.setdefault(record["key"], record["key"])

    def __getitem__(self, name: str) -> str:
        try:
            return str(self._by_name[name])
        except KeyError:
            known = ", ".join(sorted(self._by_name)) or "none"
            raise KeyError(f"no API key named {name!r}; the world has {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(record.get("name") or record["key"] for record in self._records)

    def __len__(self) -> int:
        return len(self._records)

    def with_scopes(self, *scopes: str, workspace_id: str | None = None) -> str:
        """A key whose scopes are exactly `scopes` (none given: a key without scopes)."""
        wanted = set(scopes)
        for record in self._records:
            if set(record["scopes"]) == wanted and workspace_id in (None, record["workspace_id"]):
                return str(record["key"])
        where = f" in workspace {workspace_id}" if workspace_id else ""
        raise KeyError(f"no API key{where} with exactly the scopes {sorted(wanted)}")

    def __repr__(self) -> str:
        return f"ApiKeys({sorted(self)})"


class MockHandle(ControlClient):
    """One mock as a test sees it: the `ControlClient` calls, plus its keys, assertions on the
    calls it received, and a pooled API client.

    `MockHandle(url)` talks to the mock at `url` (over `client`, if given; sending
    `control_token` on every call, when the mock was started with one); the pytest plugin makes
    its handles on a session's `Connection` instead, which they share (see `on`).
    """

    def __init__(
        self,
        url: str,
        client: httpx.Client | None = None,
        *,
        connection: Connection | None = None,
        control_token: str | None = None,
    ) -> None:
        #: A handle made on its own closes what it made; the plugin's share a session's.
        self._owns_connection = connection is None
        if connection is None:
            owned = client is None
            client = client if client is not None else httpx.Client(timeout=10, verify=tls_for(url))
            connection = Connection(url, client, control_token=control_token, owns_client=owned)
        self._connection = connection
        super().__init__(connection.url, http=connection.client)
        self._api_keys: ApiKeys | None = None
        #: True while the world is the one a reset goes back to (whose keys the session knows).
        self._pristine = False

    @classmethod
    def on(cls, connection: Connection) -> MockHandle:
        """A handle on the mock a session's `Connection` reaches, for one test."""
        return cls(connection.url, connection=connection)

    def _send(self, request: ControlRequest[T]) -> T:
        """Over the session's connection: straight to the app when it has a way to."""
        answer = self._connection.call(request.method, request.path, **request.arguments)
        return request.read(answer)

    @property
    def client(self) -> httpx.Client:
        """A pooled `httpx.Client` based at the API (`/v1`) sending the world's first key that
        reads and writes (its `Authorization` header; a request may send another). Made once
        per session and shared by its handles: a client costs tens of milliseconds to make."""
        return self._connection.api_client(self._default_key())

    def _default_key(self) -> str | None:
        try:
            return self.api_keys.with_scopes("sequences:read", "sequences:write")
        except KeyError:
            return None

    # -- the world -----------------------------------------------------------------------------

    @property
    def api_keys(self) -> ApiKeys:
        """The keys of the world as this handle left it (reset or seeded through it)."""
        if self._api_keys is None:
            records = self._connection.initial_api_keys if self._pristine else None
            if records is None:
                records = self.state()["api_keys"]
                if self._pristine:
                    self._connection.initial_api_keys = records
            self._api_keys = ApiKeys(records)
        return self._api_keys

    def reset(self) -> dict[str, Any]:
        """Back to the fixtures the mock started with; clears the journal and faults.

        The calls made so far still count in the suite's coverage (the pytest plugin's).
        """
        if self._connection.suite_coverage is not None:
            self._connection.harvest()
        return self._reset()

    def _reset(self) -> dict[str, Any]:
        summary = self._connection.reset()
        self._api_keys = None
        self._pristine = True
        return summary

    def seed(
        self, document: Mapping[str, Any] | str | Path, mode: str = "replace"
    ) -> dict[str, Any]:
        """Load a fixture document (a mapping, or a .json/.yaml file); `mode` replace or merge.

        A mapping may hold `datetime` (timezone-aware), `date`, `UUID`, enums, tuples and sets
        besides JSON's types. A refused document raises `ControlError` listing its problems.
        """
        summary = super().seed(document, mode)
        self._api_keys = None
        self._pristine = False
        return summary

    def sequence(self, sequence_id: str) -> dict[str, Any]:
        """One sequence as `state()` holds it (with `paused_until` and `stop_reason`)."""
        for record in self.state()["sequences"]:
            if record["id"] == sequence_id.lower():
                return dict(record)
        raise KeyError(f"no sequence {sequence_id} in the mock's state")

    # -- what happened -------------------------------------------------------------------------

    def coverage(self) -> dict[str, Any]:
        """`GET /__mock/coverage`: calls since the last reset (this test's, under the plugin)."""
        return self._connection.harvest()

    def assert_called(
        self, operation: str, times: int | None = None, **match: Any
    ) -> list[dict[str, Any]]:
        """Assert `operation` was called (exactly `times` times, if given) with `match`ing calls.

        A keyword names a journal field (`status`, `body`, `query`, `code`, `method`, ...) or a
        path parameter of the operation (`sequence_id`); mappings match when they contain the
        given items. Anything else is refused at once, calls or none. The failure message lists
        the near misses: the calls of `operation` that did not match.
        """
        check_expectation(operation, times, match, self._connection.operations())
        calls = self.requests(operation)
        hits = [call for call in calls if not differences(call, match)]
        if (len(hits) == times) if times is not None else hits:
            return hits
        raise AssertionError(called_message(operation, times, match, calls, hits, self.requests))

    def incidents(self) -> list[dict[str, Any]]:
        """Kept calls the mock answered with an unplanned 5xx or that broke its contract."""
        return self._connection._incidents()

    def close(self) -> None:
        if self._owns_connection:
            self._connection.close()

    # -- choices -------------------------------------------------------------------------------

    def choices(self) -> dict[str, str]:
        """The current world's option for every choice of the register, by id."""
        return _current(self._connection.call("GET", "/__mock/choices"))

    def set_choices(self, **options: str) -> dict[str, str]:
        """Switch choices of the current world (`repause="refuse"`), until the next reset: the
        pytest plugin's comes after each test. An unknown id or option raises `ControlError`
        naming the allowed ones, and changes nothing."""
        body = {"choices": options}
        return _current(self._connection.call("POST", "/__mock/choices", json=body))

    # -- snapshots -----------------------------------------------------------------------------

    def save_snapshot(self, name: str, *, replace: bool = False) -> dict[str, Any]:
        """Save this world's state and clock as `name`; snapshots are the server's, so any
        namespace may restore it (a name taken needs `replace`)."""
        body = {"name": name, "replace": replace}
        return dict(self._call("POST", "/__mock/snapshots", json=body))

    def restore_snapshot(self, name: str) -> dict[str, Any]:
        """Make this world's state and clock the snapshot's (the journal and faults stay)."""
        summary = self._call("POST", f"/__mock/snapshots/{name}/restore")
        self._api_keys = None
        self._pristine = False
        return dict(summary)

    # -- plumbing ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._connection.call(method, path, **kwargs)

    def __repr__(self) -> str:
        return f"MockHandle({self.url})"


def _current(register: Mapping[str, Any]) -> dict[str, str]:
    return {choice["id"]: choice["current"] for choice in register["choices"]}
