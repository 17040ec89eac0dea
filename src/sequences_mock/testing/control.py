"""The control plane as a test reaches it: calls, refusals that say why, and what a session shares.

A `Connection` is what every handle on one mock shares for a whole test session: the way to its
control plane (made once: an `httpx.Client` costs tens of milliseconds to make), the operations
of the mock's contract, the API keys of the world it starts with, and the suite's coverage tally.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

import httpx

from sequences_mock.client.errors import MAX_LISTED_PROBLEMS, ControlError, refusal
from sequences_mock.client.transport import KeptAliveTransport, tls_for
from sequences_mock.testing.coverage import SuiteCoverage, Tallies
from sequences_mock.testing.transport import call_app, scope_of

__all__ = ["MAX_LISTED_PROBLEMS", "Connection", "ControlError", "ControlTransport"]

T = TypeVar("T")


class ControlTransport(Protocol):
    """A transport that reaches the app without HTTP, and can run several calls as one step."""

    app: Any

    def handle_request(self, request: httpx.Request) -> httpx.Response: ...

    def run(self, steps: Callable[[], Awaitable[T]]) -> T: ...


class QuietWorld(Protocol):
    """A mock's world that no request is in, acted on from the caller's thread (the plugin's
    is `gate.HeldWorld`)."""

    def coverage(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...


class Connection:
    """One mock's control plane, and what its handles share for a session.

    Calls go over `client`, or, given a `transport` that reaches the app without HTTP (an
    in-process app, or the event loop of a server in this process), straight to it, past the
    client's machinery (redirects, cookies, hooks: a third of what a call costs in-process).
    `coverage` is the suite's tally: `harvest()` adds the calls the mock counted since the last
    harvest or reset, so every call is counted once however often it is asked.

    `served` counts the API requests the mock has had from anyone else (over its socket, or
    through the plugin's clients): with it, a mock left reset at the end of one test and not
    called since needs no second reset before the next (`start_test`, `finish_test`).

    `quiet`, for a mock in this process (`RequestGate.quiet`, `MockServer.quiet`), holds its
    world still and hands it over when no request is in it: a test's end then needs no call.
    `served` must then count the requests as they enter, as the gate does.

    `api_transport` makes the transport of each API client (`api_client`); by default one of
    kept-alive sockets to `url` when it is plain HTTP.
    """

    def __init__(
        self,
        url: str,
        client: httpx.Client | None = None,
        coverage: SuiteCoverage | None = None,
        *,
        transport: ControlTransport | None = None,
        served: Callable[[], int] | None = None,
        control_token: str | None = None,
        owns_client: bool = False,
        quiet: Callable[[], AbstractContextManager[QuietWorld | None]] | None = None,
        api_transport: Callable[[], httpx.BaseTransport] | None = None,
    ) -> None:
        if client is None and transport is None:
            raise TypeError("a Connection needs a client or a transport")
        self.url = url.rstrip("/")
        self.client = client
        self._owns_client = owns_client
        #: Pooled API clients by the key they send, made on first use, closed with `close()`.
        self._api_clients: dict[str | None, httpx.Client] = {}
        #: Sent on every call when the mock was started with a control token.
        self._headers = {"Authorization": f"Bearer {control_token}"} if control_token else {}
        self.suite_coverage = coverage
        self._transport = transport
        self._served = served
        self._quiet = quiet
        self._api_transport = api_transport
        #: API key records of the world a reset goes back to, once a handle has read them.
        self.initial_api_keys: list[dict[str, Any]] | None = None
        self._operations: dict[str, tuple[str, ...]] | None = None
        self._counted: Tallies = {}
        #: `served()` when the mock was last left reset; None once anything may have changed it.
        self._reset_at: int | None = None
        #: The scopes of the calls `finish_test` sends without parameters, by method and path.
        self._bare_scopes: dict[tuple[str, str], dict[str, Any]] = {}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.url}{path}"
        if self._headers:
            kwargs["headers"] = {**kwargs.get("headers", {}), **self._headers}
        if method != "GET":
            self._reset_at = None
        if self._transport is not None:
            response = self._transport.handle_request(httpx.Request(method, url, **kwargs))
            response.read()
        else:
            assert self.client is not None
            response = self.client.request(method, url, **kwargs)
        if response.is_error:
            raise refusal(method, path, response)
        return response.json()

    def reset(self) -> dict[str, Any]:
        """`POST /__mock/reset`; what it cleared was harvested already, or is dropped."""
        summary = dict(self.call("POST", "/__mock/reset"))
        self._counted = {}
        self._reset_at = self._served_now()
        return summary

    def start_test(self) -> None:
        """Reset, unless the mock was left reset and has not been called since."""
        if self._served is None or self._reset_at is None or self._served() != self._reset_at:
            self.reset()

    def finish_test(
        self, find_incidents: bool, find_warnings: bool = False
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Add the test's calls to the suite's coverage and reset the mock for the next test;
        with `find_incidents`, first the kept calls that were incidents (only a 5xx can be one),
        and with `find_warnings` those with warnings (coverage counts them).

        With `quiet` and the world quiet it is no call at all (unless the test's calls hold
        incidents or warnings to find); through a transport it is one step on the mock's loop,
        half the cost of two calls.
        """
        if self._quiet is not None and self._finish_quietly(find_incidents, find_warnings):
            return [], []
        if self._transport is None:
            coverage = self.harvest()
            found = self._incidents() if find_incidents and _any_5xx(coverage) else []
            warned = self._warned() if find_warnings and _any_warned(coverage) else []
            self.reset()
            return found, warned
        transport = self._transport

        async def call(method: str, path: str, **kwargs: Any) -> Any:
            scope = (
                self._scope(method, path, **kwargs) if kwargs else self._bare_scope(method, path)
            )
            status, headers_sent, body = await call_app(transport.app, scope, b"")
            if status >= 400:
                response = httpx.Response(status, headers=headers_sent, content=body)
                raise refusal(method, path, response)
            return json.loads(body)

        async def steps() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
            coverage = await call("GET", "/__mock/coverage")
            found: list[dict[str, Any]] = []
            warned: list[dict[str, Any]] = []
            if find_incidents and _any_5xx(coverage):
                found = (await call("GET", "/__mock/requests", params=INCIDENT))["requests"]
            if find_warnings and _any_warned(coverage):
                warned = (await call("GET", "/__mock/requests", params=WARNED))["requests"]
            await call("POST", "/__mock/reset")
            return coverage, found, warned

        coverage, found, warned = transport.run(steps)
        self._finished(coverage, self._served_now())
        return found, warned

    def _finish_quietly(self, find_incidents: bool, find_warnings: bool) -> bool:
        """`finish_test` from this thread, if the world is quiet and the test's calls hold
        nothing to look up; False when it is not, and nothing was done."""
        assert self._quiet is not None
        with self._quiet() as world:
            if world is None:
                return False
            coverage = world.coverage()
            if (find_incidents and _any_5xx(coverage)) or (find_warnings and _any_warned(coverage)):
                return False
            world.reset()
            # Read while the world is held: a request waiting at the gate comes after the reset.
            reset_at = self._served_now()
        self._finished(coverage, reset_at)
        return True

    def _served_now(self) -> int | None:
        return self._served() if self._served is not None else None

    def _finished(self, coverage: Mapping[str, Any], reset_at: int | None) -> None:
        """The test's `coverage` counted for the suite; the mock was reset at `served()` of
        `reset_at`."""
        if self.suite_coverage is not None:
            self.suite_coverage.add(coverage, self._counted)
        self._counted = {}
        self._reset_at = reset_at

    def _scope(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The ASGI scope of a control call (with the control token, if any)."""
        headers = self._headers or None
        return scope_of(httpx.Request(method, f"{self.url}{path}", headers=headers, **kwargs))

    def _bare_scope(self, method: str, path: str) -> dict[str, Any]:
        """`_scope` of a call without parameters or body, built once: every test ends with the
        same two, and building a request (its URL parsed) is a fifth of what one costs
        in-process."""
        scope = self._bare_scopes.get((method, path))
        if scope is None:
            scope = self._bare_scopes[(method, path)] = self._scope(method, path)
        return scope

    def _incidents(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/__mock/requests", params=INCIDENT)["requests"])

    def _warned(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/__mock/requests", params=WARNED)["requests"])

    def harvest(self) -> dict[str, Any]:
        """`GET /__mock/coverage`, adding to the suite's tally what it had not counted yet."""
        document = dict(self.call("GET", "/__mock/coverage"))
        if self.suite_coverage is not None:
            self._counted = self.suite_coverage.add(document, self._counted)
        return document

    def operations(self) -> dict[str, tuple[str, ...]]:
        """The contract's operations, each with its path parameters (read once)."""
        if self._operations is None:
            contract = self.call("GET", "/openapi.json")
            self._operations = _operations_of(contract)
        return self._operations

    def api_client(self, key: str | None) -> httpx.Client:
        """A pooled `httpx.Client` at the API (`/v1`) sending `key`, one per key; to a
        plain-HTTP mock over `KeptAliveTransport` (a fifth of a call's cost on the loopback)."""
        client = self._api_clients.get(key)
        if client is None:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            client = httpx.Client(
                base_url=f"{self.url}/v1",
                headers=headers,
                timeout=10,
                transport=self._transport_for_api(),
            )
            self._api_clients[key] = client
        return client

    def _transport_for_api(self) -> httpx.BaseTransport | None:
        if self._api_transport is not None:
            return self._api_transport()
        return None if tls_for(self.url) else KeptAliveTransport.for_url(self.url)

    def close(self) -> None:
        """Close the API clients, and the control client when this connection made it."""
        for client in self._api_clients.values():
            client.close()
        self._api_clients.clear()
        if self._owns_client and self.client is not None:
            self.client.close()

    def __repr__(self) -> str:
        return f"Connection({self.url})"


#: The query of `GET /__mock/requests` that keeps the incidents only.
INCIDENT = {"incident": "true"}
#: The query that keeps the calls with warnings only.
WARNED = {"warned": "true"}


def _any_5xx(coverage: Mapping[str, Any]) -> bool:
    """Whether a coverage document counts a 5xx answer (every incident is one)."""
    parts = [*coverage.get("operations", ()), coverage.get("unmatched") or {}]
    return any(int(status) >= 500 for part in parts for status in part.get("statuses", {}))


def _any_warned(coverage: Mapping[str, Any]) -> bool:
    return bool(coverage.get("summary", {}).get("warned_calls"))


def _operations_of(contract: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    operations: dict[str, tuple[str, ...]] = {}
    for path_item in (contract.get("paths") or {}).values():
        shared = path_item.get("parameters") or []
        for operation in path_item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            parameters = [*shared, *(operation.get("parameters") or [])]
            names = [
                _resolve(contract, parameter).get("name")
                for parameter in parameters
                if _resolve(contract, parameter).get("in") == "path"
            ]
            operations[operation["operationId"]] = tuple(str(name) for name in names if name)
    return operations


def _resolve(contract: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """A `$ref` within the document, followed (one level is all parameters use)."""
    reference = node.get("$ref")
    if not isinstance(reference, str) or not reference.startswith("#/"):
        return node
    target: Any = contract
    for part in reference[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, Mapping) else {}
    return target if isinstance(target, Mapping) else {}
