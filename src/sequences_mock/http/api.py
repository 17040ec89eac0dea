"""The public API's endpoint: per contract path, the checks, the handler and the journal."""

from __future__ import annotations

from collections.abc import Mapping
from time import perf_counter
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from sequences_mock.contract import validation
from sequences_mock.contract.openapi import Operation
from sequences_mock.contract.query_memo import QueryMemo, ReadQuery
from sequences_mock.contract.validation import NO_COERCIONS
from sequences_mock.core.errors import ContentTooLarge, WorldReplaced
from sequences_mock.http import problems
from sequences_mock.http.auth import authenticate, bearer_token
from sequences_mock.http.bodies import receive_body
from sequences_mock.http.context import Context
from sequences_mock.http.network import applicable, deliver, hung_up_within, transport_of
from sequences_mock.http.operations import COERCIONS, HANDLERS
from sequences_mock.http.views import Body
from sequences_mock.state.faults import NetworkFault
from sequences_mock.state.runtime import Runtime
from sequences_mock.state.store import Store

__all__ = ["HANDLERS", "PathEndpoint", "api_routes", "record"]

#: A response to send: status, body, and extra headers (lower-case names).
Answer = tuple[int, Body, Mapping[str, str]]


def api_routes(context: Context) -> list[Route]:
    """One route per contract path, carrying all of that path's methods (so 405s list them all),
    and the contract itself at `/openapi.yaml` and `/openapi.json`."""
    contract = context.contract
    missing = {op.operation_id for op in contract.operations} - HANDLERS.keys()
    if missing:
        raise RuntimeError(f"openapi.yaml declares operations with no handler: {sorted(missing)}")
    yaml_document = Response(contract.yaml_bytes, media_type="application/yaml")
    json_document = Response(contract.json_bytes, media_type="application/json")
    return [
        *(
            Route(path, PathEndpoint(context, operations), methods=list(operations))
            for path, operations in contract.by_path.items()
        ),
        Route("/openapi.yaml", yaml_document, methods=["GET"]),
        Route("/openapi.json", json_document, methods=["GET"]),
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
        self.queries = QueryMemo()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = perf_counter()
        method: str = scope["method"]
        operation = self.operations["GET" if method == "HEAD" else method]
        runtime = self.context.runtime
        generation = runtime.generation
        faults = runtime.faults
        fault = faults.take(operation.operation_id) if faults.waiting else None
        headers = _request_headers(scope)
        token = bearer_token(headers.get(b"authorization"))
        query = self.queries.read(operation, scope["query_string"])
        body, too_large = b"", None
        if operation.body is not None:
            # Read before any check, so that the journal shows it for refused calls too; one
            # over the limit is not read, and its refusal is kept for its turn (after the key).
            limit = self.context.settings.max_body_bytes
            try:
                body = await receive_body(receive, headers.get(b"content-length"), limit)
            except ContentTooLarge as error:
                too_large = error
            except ClientDisconnect:
                # Gone before its body arrived: nothing runs, nobody is left to answer, and the
                # journal keeps answered calls only. A fault this call took stays used.
                return
        if runtime.behind():
            await runtime.caught_up()
        if (
            fault is not None
            and fault.delay_ms
            and fault.network is not NetworkFault.DRIBBLE  # its delay paces the body instead
            and await hung_up_within(receive, fault.delay_ms / 1000)
        ):
            return  # nobody is left to answer: nothing runs, and nothing is journaled
        if runtime.generation != generation:  # compared here first: a call less per request
            try:
                runtime.check_current(generation)
            except WorldReplaced as error:
                # A reset or seed ended the world this call arrived in: it changes nothing there
                # nor in the new one, whose journal does not show it.
                await _send(send, operation, *_problem(problems.problem_for(error, method, "")))
                return
        if fault is not None and fault.status is not None:
            status, reply, extra = _problem(problems.fault_problem(fault.status, fault.retry_after))
        else:
            status, reply, extra = self._answer(
                scope, operation, token, headers, body, too_large, query
            )
        violation = self.context.violation(operation, status, reply.document, extra, reply.data)
        network = applicable(fault.network, scope) if fault is not None else None
        if violation is not None:
            status, reply, extra = _problem(problems.problem_for(violation, method, scope["path"]))
        record(
            self.context.runtime,
            scope,
            token,
            operation.operation_id,
            body,
            status,
            reply.document,
            started=started,
            violation=violation.detail if violation else None,
            fault=fault.id if fault else None,
            network=network,
            warnings=_ignored_parameters(runtime.store, query) if query.unknown else (),
        )
        start = _start(operation, status, reply, extra)
        if network is not None:
            seconds = fault.delay_ms / 1000 if fault else 0.0
            await deliver(network, transport_of(scope), receive, send, start, reply.data, seconds)
            return
        await send(start)
        await send({"type": "http.response.body", "body": reply.data})

    def _answer(
        self,
        scope: Scope,
        operation: Operation,
        token: str | None,
        headers: dict[bytes, str],
        body: bytes,
        too_large: ContentTooLarge | None,
        query: ReadQuery,
    ) -> Answer:
        """The handler's answer, or the problem that refuses the call (checks in README order)."""
        context = self.context
        store = context.runtime.store
        try:
            key = authenticate(store, token, operation)
            if too_large is not None:
                raise too_large
            # Choice `unknown_query_parameter`: ignored, or named in a 422.
            strict = store.choices["unknown_query_parameter"] == "reject"
            known = query.valid.get(strict)
            inputs = validation.read_inputs(
                operation,
                scope["path_params"],
                # An operation that declares no query parameters ignores them all, or names them.
                query.items if strict or operation.query_parameters else [],
                headers.get(b"content-type"),
                body,
                COERCIONS.get(operation.operation_id, NO_COERCIONS),
                strict_query=strict,
                known_query=known,
            )
            if known is None:
                query.valid[strict] = dict(inputs.query)
            context.renderer.use(store.choices, store.templates())
            status, reply = HANDLERS[operation.operation_id](store, context.renderer, key, inputs)
        except Exception as error:  # a refusal, or a bug: answered and journaled like any call
            return _problem(problems.problem_for(error, scope["method"], scope["path"]))
        return status, reply, problems.NO_HEADERS


def _ignored_parameters(store: Store, query: ReadQuery) -> tuple[str, ...]:
    """The journal's warnings: query parameters the call sent that its operation does not
    declare and the answer ignored (with `unknown_query_parameter: reject` it named them in a
    422 instead, and there is nothing to warn of). Asked only of a call that sent some."""
    if store.choices["unknown_query_parameter"] == "reject":
        return ()
    return query.unknown


def _problem(problem: problems.Problem) -> Answer:
    return problem.status, Body.of(problem.document), problem.headers


async def _send(
    send: Send, operation: Operation, status: int, reply: Body, headers: Mapping[str, str]
) -> None:
    await send(_start(operation, status, reply, headers))
    await send({"type": "http.response.body", "body": reply.data})


def _start(operation: Operation, status: int, reply: Body, headers: Mapping[str, str]) -> Message:
    """The answer's `http.response.start` message, its headers prepared as bytes."""
    declared = operation.responses.get(status)
    media_type = declared.media_type if declared and declared.media_type else None
    raw_headers = [
        (b"content-type", (media_type or problems.PROBLEM_JSON).encode("latin-1")),
        (b"content-length", b"%d" % len(reply.data)),
    ]
    if headers:
        raw_headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return {"type": "http.response.start", "status": status, "headers": raw_headers}


def _request_headers(scope: Scope) -> dict[bytes, str]:
    """The headers the endpoint reads, decoded; the first one wins when a name repeats."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _READ_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    return found


_READ_HEADERS = frozenset((b"authorization", b"content-type", b"content-length"))


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
    network: NetworkFault | None = None,
    violations: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
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
        network=network,
        violations=violations,
        warnings=warnings,
    )
