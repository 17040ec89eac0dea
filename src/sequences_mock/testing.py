"""What a test holds: a handle on one mock (its control plane, over HTTP) and its assertions.

The handle works the same whether the mock listens on a socket (`MockServer`) or runs in-process
behind an httpx transport; the pytest plugin hands out one of each.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from sequences_mock.core.timestamps import format_timestamp, parse_timestamp

__all__ = [
    "ApiKeys",
    "ControlError",
    "MockClock",
    "MockHandle",
    "SyncASGITransport",
]

YAML_SUFFIXES = (".yaml", ".yml")


class ControlError(AssertionError):
    """The control plane refused a call; the message carries its problem detail."""


class SyncASGITransport(httpx.BaseTransport):
    """Drives an ASGI app from synchronous code, one event loop per request.

    Inside a running event loop (an async test), the request runs on a helper thread's loop,
    so a synchronous handle works from async tests too.
    """

    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def exchange() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(exchange())
        result: list[httpx.Response] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                result.append(asyncio.run(exchange()))
            except BaseException as error:  # handed to the caller's thread below
                failure.append(error)

        thread = threading.Thread(target=run, name="sequences-mock-asgi")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]
        return result[0]


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
    """The mock's clock, moved through the control plane."""

    def __init__(self, handle: MockHandle) -> None:
        self._handle = handle

    def now(self) -> datetime:
        return parse_timestamp(self._handle._call("GET", "/__mock/clock")["now"])

    @property
    def frozen(self) -> bool:
        return bool(self._handle._call("GET", "/__mock/clock")["frozen"])

    def set(self, now: datetime | str) -> datetime:
        """Jump to `now` (forward or back); paused runs whose deadline passed resume."""
        if isinstance(now, datetime) and now.tzinfo is None:
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
    """One mock as a test sees it: its URL, keys, state, clock, journal and faults."""

    def __init__(self, url: str, client: httpx.Client, *, control_token: str | None = None) -> None:
        """`control_token`: the one the mock was started with, if any; sent on every call."""
        self.url = url.rstrip("/")
        self.api_url = f"{self.url}/v1"
        self._client = client
        self._control_headers = (
            {"Authorization": f"Bearer {control_token}"} if control_token else {}
        )
        self.clock = MockClock(self)
        self._api_keys: ApiKeys | None = None

    # -- the world -----------------------------------------------------------------------------

    @property
    def api_keys(self) -> ApiKeys:
        if self._api_keys is None:
            self._api_keys = ApiKeys(self.state()["api_keys"])
        return self._api_keys

    def reset(self) -> dict[str, Any]:
        """Back to the fixtures the mock started with; clears the journal and faults."""
        self._api_keys = None
        return dict(self._call("POST", "/__mock/reset"))

    def seed(
        self, document: Mapping[str, Any] | str | Path, mode: str = "replace"
    ) -> dict[str, Any]:
        """Load a fixture document (a mapping, or a .json/.yaml file); `mode` replace or merge."""
        if isinstance(document, Mapping):
            content = json.dumps(dict(document)).encode()
            media_type = "application/json"
        else:
            path = Path(document)
            content = path.read_bytes()
            yaml = path.suffix.lower() in YAML_SUFFIXES
            media_type = "application/yaml" if yaml else "application/json"
        self._api_keys = None
        summary = self._call(
            "POST",
            "/__mock/seed",
            params={"mode": mode},
            content=content,
            headers={"Content-Type": media_type},
        )
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
        return dict(self._call("GET", "/__mock/coverage"))

    def assert_called(
        self, operation: str, times: int | None = None, **match: Any
    ) -> list[dict[str, Any]]:
        """Assert `operation` was called (exactly `times` times, if given) with `match`ing calls.

        A keyword names a journal field (`status`, `body`, `query`, `code`, `method`, ...) or a
        path parameter (`sequence_id`); mappings match when they contain the given items. The
        failure message lists the near misses: the calls of `operation` that did not match.
        """
        calls = self.requests(operation)
        hits = [call for call in calls if not _differences(call, match)]
        if (len(hits) == times) if times is not None else hits:
            return hits
        raise AssertionError(_called_message(operation, times, match, calls, hits, self))

    def incidents(self) -> list[dict[str, Any]]:
        """Kept calls the mock answered with an unplanned 5xx or that broke its contract."""
        return list(self._call("GET", "/__mock/requests", params={"incident": "true"})["requests"])

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

    # -- plumbing ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs["headers"] = {**kwargs.get("headers", {}), **self._control_headers}
        response = self._client.request(method, f"{self.url}{path}", **kwargs)
        if response.is_error:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ControlError(f"{method} {path} answered {response.status_code}: {detail}")
        return response.json()

    def __repr__(self) -> str:
        return f"MockHandle({self.url})"


def _differences(call: Mapping[str, Any], match: Mapping[str, Any]) -> list[str]:
    """How a journal entry differs from what was expected, one line per field."""
    found = []
    for name, expected in match.items():
        if name in call:
            actual = call[name]
        elif name in call["path_params"]:
            actual = call["path_params"][name]
        else:
            fields = sorted({*call, *call["path_params"]} - {"path_params"})
            raise TypeError(f"cannot match on {name!r}; use one of {', '.join(fields)}")
        if not _contains(actual, expected):
            found.append(f"{name} was {actual!r}, not {expected!r}")
    return found


def _contains(actual: Any, expected: Any) -> bool:
    """Equality, except that a mapping needs only the expected items (recursively)."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return all(key in actual and _contains(actual[key], v) for key, v in expected.items())
    return bool(actual == expected)


def _called_message(
    operation: str,
    times: int | None,
    match: Mapping[str, Any],
    calls: list[dict[str, Any]],
    hits: list[dict[str, Any]],
    handle: MockHandle,
) -> str:
    wanted = f"exactly {times} time{'s' * (times != 1)}" if times is not None else "at least once"
    condition = ", ".join(f"{name}={value!r}" for name, value in match.items())
    lines = [
        f"expected {operation} to be called {wanted}"
        + (f" with {condition}" if condition else "")
        + f"; {len(hits)} matching call{'s' * (len(hits) != 1)} of {len(calls)}",
    ]
    misses = [call for call in calls if call not in hits]
    if misses:
        lines.append("near misses:")
        for call in misses[-10:]:
            why = "; ".join(_differences(call, match))
            lines.append(
                f"  #{call['seq']} {call['method']} {call['path']} -> {call['status']}: {why}"
            )
    elif not calls:
        seen: dict[str, int] = {}
        for call in handle.requests():
            label = call["operation"] or f"{call['method']} {call['path']}"
            seen[label] = seen.get(label, 0) + 1
        recorded = ", ".join(f"{label} x{n}" for label, n in seen.items()) or "nothing"
        lines.append(f"calls recorded: {recorded}")
    return "\n".join(lines)
