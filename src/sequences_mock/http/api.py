"""The public API: a thin handler per operationId, and the endpoint that runs the contract."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from time import perf_counter
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sequences_mock.contract import validation
from sequences_mock.contract.openapi import Operation
from sequences_mock.contract.validation import Inputs
from sequences_mock.core.domain import ApiKey, Status, StopReason, StopScope
from sequences_mock.core.errors import (
    ContentTooLarge,
    ContractViolation,
    FieldProblem,
    Location,
    MockError,
    ValidationFailed,
)
from sequences_mock.core.timestamps import TimestampError, parse_timestamp
from sequences_mock.http import problems
from sequences_mock.http.auth import authenticate, bearer_token
from sequences_mock.http.bodies import receive_body
from sequences_mock.http.context import Context
from sequences_mock.http.views import Body, Renderer
from sequences_mock.state.runtime import Runtime
from sequences_mock.state.store import ListQuery, Store

__all__ = ["HANDLERS", "PathEndpoint", "api_routes", "record", "unrouted"]

logger = logging.getLogger("sequences_mock")

Reply = tuple[int, Body]
Handler = Callable[[Store, Renderer, ApiKey, Inputs], Reply]


def list_sequences(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    query = inputs.query
    page = store.list_sequences(
        key.workspace_id,
        ListQuery(
            status=Status(query["status"]) if "status" in query else None,
            template_id=query.get("template_id"),
            created_after=_timestamp(query, "created_after", "query"),
            created_before=_timestamp(query, "created_before", "query"),
            sort_by=query["sort_by"],
            order=query["order"],
            page=query["page"],
            size=query["size"],
        ),
    )
    return 200, render.page(page)


def get_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    sequence = store.get_sequence(key.workspace_id, inputs.path["sequence_id"])
    return 200, render.sequence(sequence)


def update_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    sequence_id, changes = inputs.path["sequence_id"], inputs.body["variables"]
    return 200, render.sequence(store.update_variables(key.workspace_id, sequence_id, changes))


def pause_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    until = _timestamp(inputs.body, "paused_until", "body")
    assert until is not None
    return 200, render.sequence(store.pause(key.workspace_id, inputs.path["sequence_id"], until))


def resume_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    return 200, render.sequence(store.resume(key.workspace_id, inputs.path["sequence_id"]))


def stop_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    reason, scope = StopReason(inputs.body["reason"]), StopScope(inputs.body["scope"])
    stopped = store.stop(key.workspace_id, inputs.path["sequence_id"], reason, scope)
    return 200, render.sequence(stopped)


HANDLERS: dict[str, Handler] = {
    "listSequences": list_sequences,
    "getSequence": get_sequence,
    "updateSequence": update_sequence,
    "pauseSequence": pause_sequence,
    "resumeSequence": resume_sequence,
    "stopSequence": stop_sequence,
}


def _timestamp(values: dict[str, Any], name: str, location: Location) -> datetime | None:
    """A validated date-time value as a UTC datetime (None when absent)."""
    if name not in values:
        return None
    try:
        return parse_timestamp(values[name], clamp=True)
    except TimestampError as error:
        raise ValidationFailed([FieldProblem(location, name, str(error))]) from None


# -- the endpoint around every handler ---------------------------------------------------------


def api_routes(context: Context) -> list[Route]:
    """One route per contract path, carrying all of that path's methods (so 405s list them all)."""
    contract = context.contract
    missing = {op.operation_id for op in contract.operations} - HANDLERS.keys()
    if missing:
        raise RuntimeError(f"openapi.yaml declares operations with no handler: {sorted(missing)}")
    return [
        Route(path, PathEndpoint(context, operations), methods=list(operations))
        for path, operations in contract.by_path.items()
    ]


class PathEndpoint:
    """The ASGI app behind one contract path: contract checks, the handler, the journal.

    A plain ASGI callable rather than a `Request -> Response` function: it reads only the three
    headers it needs and sends prepared header bytes, which takes a third off the framework's
    per-request cost on the hot path. Starlette still routes to it and answers 404s and 405s.
    """

    def __init__(self, context: Context, operations: dict[str, Operation]) -> None:
        self.context = context
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = perf_counter()
        context = self.context
        runtime = context.runtime
        method: str = scope["method"]
        operation = self.operations["GET" if method == "HEAD" else method]
        fault = runtime.faults.take(operation.operation_id) if runtime.faults else None
        limit = context.settings.max_body_bytes
        request_headers = _request_headers(scope)
        token = bearer_token(request_headers.get(b"authorization"))
        body = b""
        body_unread = operation.body is not None
        headers: dict[str, str] = {}
        try:
            if fault is not None:
                await asyncio.sleep(fault.delay_ms / 1000)
            if fault is not None and fault.status is not None:
                document, headers = problems.fault_problem(fault.status, fault.retry_after)
                status, reply = fault.status, Body.of(document)
            else:
                key = authenticate(runtime.store, token, operation)
                if body_unread:
                    body_unread = False
                    body = await receive_body(
                        receive, request_headers.get(b"content-length"), limit
                    )
                inputs = validation.read_inputs(
                    operation,
                    scope["path_params"],
                    _query_items(operation, scope["query_string"]),
                    request_headers.get(b"content-type"),
                    body,
                )
                handler = HANDLERS[operation.operation_id]
                status, reply = handler(runtime.store, context.renderer, key, inputs)
        except MockError as error:
            document, headers = problems.problem_for(error)
            status, reply = document["status"], Body.of(document)
        except ClientDisconnect:
            # Gone before its body arrived: nothing ran, nobody is left to answer, and the
            # journal keeps answered calls only. A fault this call took stays used.
            return
        except Exception as error:
            # A bug: answered and journaled like any call, so tests that watch for 5xx see it.
            document = problems.unexpected_problem(method, scope["path"], error)
            status, reply, headers = 500, Body.of(document), {}
        if body_unread:
            # Refused before its body was read (a fault, a bad key): the journal still shows it.
            body = await _body_for_journal(receive, request_headers, limit)
        violation = _violation(context, operation, status, reply.document, headers)
        if violation is not None:
            document, headers = problems.problem_for(violation)
            status, reply = document["status"], Body.of(document)
        record(
            runtime,
            scope,
            token,
            operation.operation_id,
            body,
            status,
            reply.document,
            started=started,
            violation=violation.detail if violation else None,
            fault=fault.id if fault else None,
        )
        declared = operation.responses.get(status)
        media_type = (
            declared.media_type if declared and declared.media_type else problems.PROBLEM_JSON
        )
        raw_headers = [
            (b"content-type", media_type.encode("latin-1")),
            (b"content-length", b"%d" % len(reply.data)),
        ]
        raw_headers += [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": reply.data})


def _request_headers(scope: Scope) -> dict[bytes, str]:
    """The headers the endpoint reads, decoded; the first one wins when a name repeats."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _READ_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    return found


_READ_HEADERS = frozenset((b"authorization", b"content-type", b"content-length"))


def _query_items(operation: Operation, query_string: bytes) -> list[tuple[str, str]]:
    """The query's name/value pairs, decoded as Starlette does; none for an operation that
    declares no query parameters (it ignores them all)."""
    if not operation.query_parameters or not query_string:
        return []
    return parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)


async def unrouted(request: Request, exc: Exception) -> Response:
    """Router refusals (unknown path, 405); under the API's base path they are journaled too."""
    assert isinstance(exc, HTTPException)
    started = perf_counter()
    document = problems.router_problem(request, exc)
    context: Context = request.app.state.context
    runtime = context.runtime
    if request.scope["path"].startswith(context.contract.base_path + "/"):
        token = bearer_token(request.headers.get("authorization"))
        status = exc.status_code
        record(runtime, request.scope, token, None, b"", status, document, started=started)
    return problems.router_response(document, exc)


def record(
    runtime: Runtime,
    scope: Scope,
    token: str | None,
    operation_id: str | None,
    body: bytes,
    status: int,
    document: Any,
    *,
    started: float,
    violation: str | None = None,
    fault: int | None = None,
) -> None:
    """Write one exchange to the journal; `token` is the bearer token sent, if any (the journal
    keeps only its last characters)."""
    code = document.get("code") if status >= 400 and isinstance(document, dict) else None
    runtime.journal.record(
        time=runtime.clock.now(),
        method=scope["method"],
        path=scope["path"],
        query_string=scope["query_string"],
        operation=operation_id,
        path_params=scope.get("path_params", {}),
        body=body,
        status=status,
        code=code,
        contract_violation=violation,
        api_key=token,
        fault=fault,
        duration_ms=(perf_counter() - started) * 1000,
    )


async def _body_for_journal(
    receive: Receive, request_headers: dict[bytes, str], limit: int
) -> bytes:
    try:
        return await receive_body(receive, request_headers.get(b"content-length"), limit)
    except (ContentTooLarge, ClientDisconnect):
        return b""


def _violation(
    context: Context, operation: Operation, status: int, document: Any, headers: dict[str, str]
) -> ContractViolation | None:
    """How a response breaks the contract, when the mock checks its responses and it does."""
    if not context.settings.validate_responses:
        return None
    lowered = {k.lower(): v for k, v in headers.items()} if headers else headers
    try:
        validation.check_response(operation, status, document, lowered, context.checked_items)
    except ContractViolation as violation:
        logger.error("contract violation: %s", violation.detail)
        return violation
    return None
