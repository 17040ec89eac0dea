"""The proxy's app: `/v1` forwarded to the upstream with the caller's key, each answer checked
against openapi.yaml and journaled (with its `violations`); the control plane's journal,
coverage and health beside it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from sequences_mock.contract.openapi import Operation
from sequences_mock.formats import strict_json
from sequences_mock.http.api import record
from sequences_mock.http.auth import bearer_token
from sequences_mock.http.bodies import read_body
from sequences_mock.http.context import Context
from sequences_mock.http.control import ControlPlane
from sequences_mock.http.guard import Guard
from sequences_mock.http.namespaces import Namespaces
from sequences_mock.http.problems import PROBLEM_JSON, problem
from sequences_mock.http.refusals import exception_handlers
from sequences_mock.proxy.recording import Recorder
from sequences_mock.settings import Settings
from sequences_mock.state.snapshots import Snapshots
from sequences_mock.verify.checks import contract_problems

__all__ = ["ProxySettings", "create_proxy_app"]

#: The control plane a proxy keeps: there is no world of its own to reset, seed or clock.
CONTROL_PATHS = frozenset({"/__mock/health", "/__mock/requests", "/__mock/coverage"})
#: Request headers passed upstream, and answer headers passed back; no hop-by-hop ones.
REQUEST_HEADERS = ("authorization", "content-type", "accept")
ANSWER_HEADERS = ("content-type", "www-authenticate", "retry-after", "allow", "location")
#: The largest request body forwarded, and answer body read back.
MAX_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ProxySettings:
    upstream: str
    #: Answer a 502 naming the violations instead of the upstream's answer that has them.
    errors: bool = False
    recorder: Recorder | None = None
    timeout: float = 30.0
    journal_size: int = 10_000
    transport: httpx.AsyncBaseTransport | None = None


def create_proxy_app(settings: ProxySettings) -> Starlette:
    """The proxy; its upstream client opens on first use and closes when the app's lifespan
    ends (serve it with the lifespan on: its connections belong to the server's loop)."""
    context = Context.from_settings(Settings(journal_size=settings.journal_size))
    forward = _Forwarder(context, settings)
    # The proxy serves one world: no namespace is ever made, nor any snapshot kept.
    namespaces = Namespaces(context, Snapshots(max_count=0), _no_namespaces, limit=0)
    control = [r for r in ControlPlane(context, namespaces).routes() if _path(r) in CONTROL_PATHS]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await forward.close()

    app = Starlette(
        routes=[*forward.routes(), *control],
        lifespan=lifespan,
        middleware=[Middleware(Guard, control_token=None, origins=())],
        exception_handlers=exception_handlers(context),
    )
    app.router.redirect_slashes = False
    app.state.context = context
    app.state.runtime = context.runtime
    return app


def _no_namespaces(context: Context, namespaces: Namespaces) -> ASGIApp:
    raise RuntimeError("the proxy serves no namespaces")


def _path(route: BaseRoute) -> str:
    return str(getattr(route, "path", ""))


class _Forwarder:
    def __init__(self, context: Context, settings: ProxySettings) -> None:
        self.context = context
        self.settings = settings
        self._client: httpx.AsyncClient | None = None

    def routes(self) -> list[Route]:
        """A route per contract path (so answers are checked against their operation), and
        one for any other path under the base, forwarded unchecked."""
        contract = self.context.contract
        routes = [
            Route(path, self._endpoint(operations), methods=list(operations))
            for path, operations in contract.by_path.items()
        ]
        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        routes.append(
            Route(contract.base_path + "/{rest:path}", self._endpoint({}), methods=methods)
        )
        return routes

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _endpoint(self, operations: dict[str, Operation]) -> Any:
        async def endpoint(request: Request) -> Response:
            operation = operations.get("GET" if request.method == "HEAD" else request.method)
            return await self.forward(request, operation)

        return endpoint

    async def forward(self, request: Request, operation: Operation | None) -> Response:
        started = perf_counter()
        body = await read_body(request, MAX_BODY)  # ContentTooLarge: a 413 problem
        token = bearer_token(request.headers.get("authorization"))
        operation_id = operation.operation_id if operation else None
        status, headers, content, violations = await self._upstream(request, body, operation)
        document = _json(content)
        recorder = self.settings.recorder
        if recorder is not None:
            recorder.saw(operation_id, status, document)
        if violations and self.settings.errors:
            status, content = 502, strict_json.dumps(_bad_gateway(violations))
            headers = {"content-type": PROBLEM_JSON}
            document = None
        record(
            self.context.runtime,
            request.scope,
            token,
            operation_id,
            body,
            status,
            document,
            started=started,
            violations=tuple(violations),
        )
        return Response(content, status, headers)

    async def _upstream(
        self, request: Request, body: bytes, operation: Operation | None
    ) -> tuple[int, dict[str, str], bytes, list[str]]:
        """The upstream's answer and how it breaks the contract; a 502 or 504 problem when it
        gives none (those are the proxy's own answers, not checked)."""
        client = self._client_for_use()
        headers = {n: v for n, v in request.headers.items() if n.lower() in REQUEST_HEADERS}
        url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        try:
            answer, content = await _bounded(client, request.method, url, body, headers)
        except _TooLarge:
            detail = f"the upstream's answer is over {MAX_BODY} bytes"
            return (
                502,
                {"content-type": PROBLEM_JSON},
                strict_json.dumps(problem("bad_gateway", detail)),
                [],
            )
        except httpx.TimeoutException:
            document = problem("gateway_timeout", "the upstream did not answer in time")
            return 504, {"content-type": PROBLEM_JSON}, strict_json.dumps(document), []
        except httpx.HTTPError as error:
            detail = f"the upstream gave no answer: {type(error).__name__}"
            document = problem("bad_gateway", detail)
            return 502, {"content-type": PROBLEM_JSON}, strict_json.dumps(document), []
        passed = {n: v for n, v in answer.headers.items() if n.lower() in ANSWER_HEADERS}
        if operation is None or request.method == "HEAD":  # no body to check
            return answer.status_code, passed, content, []
        lower = {n.lower(): v for n, v in answer.headers.items()}
        problems = contract_problems(
            self.context.contract, operation.operation_id, answer.status_code, lower, _json(content)
        )
        return answer.status_code, passed, content, problems

    def _client_for_use(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.settings.upstream.rstrip("/").removesuffix("/v1"),
                timeout=self.settings.timeout,
                transport=self.settings.transport,
                follow_redirects=False,
            )
        return self._client


class _TooLarge(Exception):
    pass


async def _bounded(
    client: httpx.AsyncClient, method: str, url: str, body: bytes, headers: dict[str, str]
) -> tuple[httpx.Response, bytes]:
    """The upstream's answer, its body read up to `MAX_BODY` bytes (past it, `_TooLarge`)."""
    async with client.stream(method, url, content=body, headers=headers) as answer:
        chunks, size = [], 0
        async for chunk in answer.aiter_bytes():
            size += len(chunk)
            if size > MAX_BODY:
                raise _TooLarge
            chunks.append(chunk)
    return answer, b"".join(chunks)


def _json(content: bytes) -> Any:
    try:
        return strict_json.loads(content) if content else None
    except ValueError:
        return None


def _bad_gateway(violations: list[str]) -> dict[str, Any]:
    detail = "the upstream's answer breaks openapi.yaml: " + "; ".join(violations)
    return problem("bad_gateway", detail)
