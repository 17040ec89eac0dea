"""What a test holds: a handle on one mock (its control plane, over HTTP) and its assertions.

The handle works the same whether the mock listens on a socket (`MockServer`) or runs in-process
behind an httpx transport; the pytest plugin hands out one of each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from sequences_mock.core.timestamps import format_timestamp, parse_timestamp
from sequences_mock.testing.calls import called_message, check_expectation, differences
from sequences_mock.testing.control import Connection
from sequences_mock.testing.documents import fixture_json

__all__ = ["ApiKeys", "MockClock", "MockHandle"]

YAML_SUFFIXES = (".yaml", ".yml")


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


class MockClock:
    """The mock's clock, moved through the control plane. Time only moves forward."""

    def __init__(self, handle: MockHandle) -> None:
        self._handle = handle

    def now(self) -> datetime:
        return parse_timestamp(self._handle._call("GET", "/__mock/clock")["now"])

    @property
    def frozen(self) -> bool:
        return bool(self._handle._call("GET", "/__mock/clock")["frozen"])

    def set(self, now: datetime | str) -> datetime:
        """Jump forward to `now`; paused runs whose deadline passed resume.

        The mock refuses to go back (a `ControlError`, 422 `invalid_clock_change`): only
        `reset()`, or seeding a document with a `clock` section, restarts the clock earlier.
        """
        if isinstance(now, datetime) and (now.tzinfo is None or now.utcoffset() is None):
            raise ValueError("give the mock clock an aware datetime (UTC), not a naive one")
        return self._change(now=now if isinstance(now, str) else format_timestamp(now))

    def advance(self, seconds: float) -> datetime:
        """Move forward `seconds`; paused runs whose deadline passed resume."""
        return self._change(advance_seconds=seconds)

    def freeze(self, frozen: bool = True) -> datetime:
        """Stop the clock (or, with `frozen=False`, let it tick with real time again)."""
        return self._change(frozen=frozen)

    def _change(self, **change: Any) -> datetime:
        return parse_timestamp(self._handle._call("POST", "/__mock/clock", json=change)["now"])

    def __repr__(self) -> str:
        return f"MockClock({self._handle.url})"


class MockHandle:
    """One mock as a test sees it: its URL, keys, state, clock, journal and faults.

    `MockHandle(url, client)` talks to the mock at `url` over `client` (sending `control_token`
    on every call, when the mock was started with one); the pytest plugin makes its handles on
    a session's `Connection` instead, which they share (see `on`).

    Over 200 lines on purpose: it is the one object a test holds, with a method per control
    operation; the calls themselves are `Connection`'s, the clock is `MockClock`.
    """

    def __init__(
        self,
        url: str,
        client: httpx.Client | None = None,
        *,
        connection: Connection | None = None,
        control_token: str | None = None,
    ) -> None:
        self._connection = connection or Connection(url, client, control_token=control_token)
        self.url = self._connection.url
        self.api_url = f"{self.url}/v1"
        self.clock = MockClock(self)
        self._api_keys: ApiKeys | None = None
        #: True while the world is the one a reset goes back to (whose keys the session knows).
        self._pristine = False

    @classmethod
    def on(cls, connection: Connection) -> MockHandle:
        """A handle on the mock a session's `Connection` reaches, for one test."""
        return cls(connection.url, connection=connection)

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
        if isinstance(document, Mapping):
            content = fixture_json(document)
            media_type = "application/json"
        else:
            path = Path(document)
            content = path.read_bytes()
            yaml = path.suffix.lower() in YAML_SUFFIXES
            media_type = "application/yaml" if yaml else "application/json"
        summary = self._call(
            "POST",
            "/__mock/seed",
            params={"mode": mode},
            content=content,
            headers={"Content-Type": media_type},
        )
        self._api_keys = None
        self._pristine = False
        return dict(summary)

    def state(self) -> dict[str, Any]:
        """The whole world as a fixture document, mock-only fields included."""
        return dict(self._call("GET", "/__mock/state"))

    def sequence(self, sequence_id: str) -> dict[str, Any]:
        """One sequence as `state()` holds it (with `paused_until` and `stop_reason`)."""
        for record in self.state()["sequences"]:
            if record["id"] == sequence_id.lower():
                return dict(record)
        raise KeyError(f"no sequence {sequence_id} in the mock's state")

    # -- the lifecycle -------------------------------------------------------------------------

    def enroll(
        self,
        template_id: str,
        contact_id: str,
        *,
        contact_list_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        sequence_id: str | None = None,
    ) -> dict[str, Any]:
        """Enroll a contact in a template now: the new run (FOUND, or REFUSED with its
        `refusal_reason`), in the fixture format."""
        request: dict[str, Any] = {"template_id": template_id, "contact_id": contact_id}
        if contact_list_id is not None:
            request["contact_list_id"] = contact_list_id
        if variables is not None:
            request["variables"] = dict(variables)
        if sequence_id is not None:
            request["id"] = sequence_id
        return dict(self._call("POST", "/__mock/enrollments", json=request))

    def complete_task(self, sequence_id: str) -> dict[str, Any]:
        """A person did the call or task a WAITING_FOR_USER run waits on: the run, ACTIVE again."""
        return self._task(sequence_id, "done")

    def skip_task(self, sequence_id: str) -> dict[str, Any]:
        """A person skipped it: the run moves on, and will end COMPLETED, not SUCCEEDED."""
        return self._task(sequence_id, "skipped")

    def history(self, sequence_id: str) -> list[dict[str, Any]]:
        """What happened to a run, oldest first (`event`, `from`, `to`, `step`, `cause`, ...)."""
        return list(self._call("GET", f"/__mock/sequences/{sequence_id}/history")["events"])

    def _task(self, sequence_id: str, outcome: str) -> dict[str, Any]:
        path = f"/__mock/sequences/{sequence_id}/task"
        return dict(self._call("POST", path, json={"outcome": outcome}))

    # -- what happened -------------------------------------------------------------------------

    def requests(
        self,
        operation: str | None = None,
        *,
        status: int | None = None,
        method: str | None = None,
        since: int | None = None,
    ) -> list[dict[str, Any]]:
        """Journal entries, oldest first, filtered like `GET /__mock/requests`."""
        params = {
            name: value
            for name, value in (
                ("operation", operation),
                ("status", status),
                ("method", method),
                ("since", since),
            )
            if value is not None
        }
        return list(self._call("GET", "/__mock/requests", params=params)["requests"])

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

    # -- faults --------------------------------------------------------------------------------

    def fault(
        self,
        operation: str,
        status: int | None = None,
        *,
        times: int = 1,
        delay_ms: int | None = None,
        retry_after: int | None = None,
        network: str | None = None,
    ) -> dict[str, Any]:
        """Make the next `times` calls of `operation` ("*" for any) answer `status` or wait;
        `network` ("reset", "empty", "truncated", "dribble") breaks the connection instead."""
        fault: dict[str, Any] = {"operation": operation, "times": times}
        if status is not None:
            fault["status"] = status
        if delay_ms is not None:
            fault["delay_ms"] = delay_ms
        if retry_after is not None:
            fault["retry_after"] = retry_after
        if network is not None:
            fault["network"] = network
        return dict(self._call("POST", "/__mock/faults", json=fault))

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/__mock/faults")["faults"])

    def clear_faults(self) -> None:
        self._call("DELETE", "/__mock/faults")

    # -- choices -------------------------------------------------------------------------------

    def choices(self) -> dict[str, str]:
        """The current world's option for every choice of the register, by id."""
        return _current(self._call("GET", "/__mock/choices"))

    def set_choices(self, **options: str) -> dict[str, str]:
        """Switch choices of the current world (`repause="refuse"`), until the next reset: the
        pytest plugin's comes after each test. An unknown id or option raises `ControlError`
        naming the allowed ones, and changes nothing."""
        return _current(self._call("POST", "/__mock/choices", json={"choices": options}))

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
