"""The control plane under `/__mock` and the contract.

Health, reset, seed, state and clock set the world up; the request journal, coverage and faults
tell tests what their code did and make the API misbehave on demand.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sequences_mock.contract.openapi import Contract, Parameter
from sequences_mock.contract.validation import coerce_query, media_type_of, parse_json
from sequences_mock.core.errors import (
    FieldProblem,
    InvalidClockChange,
    MalformedJson,
    UnsupportedMediaType,
    ValidationFailed,
)
from sequences_mock.core.timestamps import TimestampError, format_timestamp, parse_timestamp
from sequences_mock.formats.schema import compile_schema, schema_problems
from sequences_mock.http import problems
from sequences_mock.http.bodies import read_body
from sequences_mock.http.context import Context
from sequences_mock.state import fixtures
from sequences_mock.state.faults import ANY_OPERATION, Fault
from sequences_mock.state.journal import Entry, JournalQuery
from sequences_mock.state.runtime import Runtime, collector_paused

__all__ = ["control_routes"]

Endpoint = Callable[[Request], Awaitable[Response]]

YAML_MEDIA_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")

CLOCK_CHANGE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "now": {"type": "string", "format": "date-time"},
        "advance_seconds": {"type": "number", "minimum": 0},
        "frozen": {"type": "boolean"},
    },
    "not": {"required": ["now", "advance_seconds"]},
}

FAULT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["operation"],
    "properties": {
        "operation": {"type": "string", "minLength": 1},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "times": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "delay_ms": {"type": "integer", "minimum": 0, "maximum": 60_000},
        "retry_after": {"type": "integer", "minimum": 0, "maximum": 86_400},
    },
    "dependentRequired": {"retry_after": ["status"]},
}


def control_routes(contract: Contract) -> list[Route]:
    clock_change = compile_schema(CLOCK_CHANGE_SCHEMA)
    fault_change = compile_schema(FAULT_SCHEMA)
    journal_filters = _journal_filters(contract)
    journal_query = compile_schema({"type": "object", "properties": journal_filters})
    journal_parameters = tuple(
        Parameter(name, "query", schema.get("type")) for name, schema in journal_filters.items()
    )

    async def health(request: Request) -> Response:
        return _json({"status": "ok"})

    async def reset(request: Request) -> Response:
        runtime = _runtime(request)
        runtime.reset()
        return _json(_summary(runtime))

    async def seed(request: Request) -> Response:
        runtime = _runtime(request)
        mode = request.query_params.get("mode", "replace")
        if mode not in ("replace", "merge"):
            message = f"must be replace or merge, not {mode!r}"
            raise ValidationFailed([FieldProblem("query", "mode", message)])
        media_type = media_type_of(request.headers.get("content-type"))
        if media_type != "application/json" and media_type not in YAML_MEDIA_TYPES:
            raise UnsupportedMediaType(
                "send the fixture document as application/json or application/yaml, "
                f"not {media_type or 'without a Content-Type'}"
            )
        body = await read_body(request, _context(request).settings.max_seed_bytes)
        with collector_paused():
            document = (
                parse_json(body)
                if media_type == "application/json"
                else fixtures.parse_document(body, yaml_syntax=True)
            )
            runtime.seed(
                document, merge=mode == "merge", strict_json=media_type == "application/json"
            )
        return _json(_summary(runtime))

    async def state(request: Request) -> Response:
        return _json(fixtures.dump(_runtime(request).store.world))

    async def clock(request: Request) -> Response:
        runtime = _runtime(request)
        if request.method == "POST":
            change = parse_json(await read_body(request, _context(request).settings.max_body_bytes))
            errors = schema_problems(clock_change, change, "body")
            if errors:
                raise ValidationFailed(errors)
            _change_clock(runtime, change)
        return _json(_clock_view(runtime))

    async def requests(request: Request) -> Response:
        journal = _runtime(request).journal
        if request.method == "DELETE":
            cleared = len(journal)
            journal.clear()
            return _json({"cleared": cleared})
        items = request.query_params.multi_items()
        query = coerce_query(journal_parameters, items)
        errors = schema_problems(journal_query, query, "query") + [
            FieldProblem("query", name, "is not a filter of the journal")
            for name in dict(items).keys() - query.keys()
        ]
        if errors:
            raise ValidationFailed(errors)
        if "method" in query:
            query["method"] = query["method"].upper()
        entries = journal.entries(JournalQuery(**query))
        return _json(
            {
                "requests": [_entry_view(entry) for entry in entries],
                "recorded": journal.recorded,
                "dropped": journal.dropped,
                "size": journal.size,
            }
        )

    async def coverage(request: Request) -> Response:
        return _json(_coverage_view(_context(request)))

    async def faults(request: Request) -> Response:
        runtime = _runtime(request)
        if request.method == "DELETE":
            cleared = len(runtime.faults)
            runtime.faults.clear()
            return _json({"cleared": cleared})
        if request.method == "POST":
            change = parse_json(await read_body(request, _context(request).settings.max_body_bytes))
            errors = schema_problems(fault_change, change, "body")
            if errors:
                raise ValidationFailed(errors)
            _check_fault(_context(request).contract, change)
            fault = runtime.faults.add(**change)
            return _json(_fault_view(fault), status=201)
        return _json({"faults": [_fault_view(fault) for fault in runtime.faults.pending]})

    async def openapi_yaml(request: Request) -> Response:
        return Response(_context(request).contract.yaml_bytes, media_type="application/yaml")

    async def openapi_json(request: Request) -> Response:
        return Response(_context(request).contract.json_bytes, media_type="application/json")

    return [
        Route("/__mock/health", health, methods=["GET"]),
        Route("/__mock/reset", reset, methods=["POST"]),
        Route("/__mock/seed", seed, methods=["POST"]),
        Route("/__mock/state", state, methods=["GET"]),
        Route("/__mock/clock", clock, methods=["GET", "POST"]),
        Route("/__mock/requests", requests, methods=["GET", "DELETE"]),
        Route("/__mock/coverage", coverage, methods=["GET"]),
        Route("/__mock/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/openapi.yaml", openapi_yaml, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]


def _change_clock(runtime: Runtime, change: dict[str, Any]) -> None:
    """Apply a validated clock change; a refused one leaves the clock as it was."""
    clock = runtime.clock
    if "now" in change:
        try:
            target = parse_timestamp(change["now"])
        except TimestampError as error:
            raise InvalidClockChange(str(error)) from None
        clock.set(target)
    elif "advance_seconds" in change:
        clock.advance(change["advance_seconds"])
    if "frozen" in change:
        clock.freeze(change["frozen"])
    runtime.store.resume_due()


def _check_fault(contract: Contract, change: dict[str, Any]) -> None:
    """A fault must name an operation and, if it has one, a status that operation declares."""
    name = change["operation"]
    operations = [
        operation
        for operation in contract.operations
        if name in (ANY_OPERATION, operation.operation_id)
    ]
    if not operations:
        known = ", ".join(operation.operation_id for operation in contract.operations)
        message = f"no operation {name!r} in openapi.yaml; use one of {known} or {ANY_OPERATION!r}"
        raise ValidationFailed([FieldProblem("body", "operation", message)])
    if "status" not in change and "delay_ms" not in change:
        message = "give a status to answer with, a delay_ms to wait, or both"
        raise ValidationFailed([FieldProblem("body", "status", message)])
    status = change.get("status")
    undeclared = [op.operation_id for op in operations if status and status not in op.responses]
    if undeclared:
        message = f"{', '.join(undeclared)} does not declare status {status} in openapi.yaml"
        raise ValidationFailed([FieldProblem("body", "status", message)])


def _journal_filters(contract: Contract) -> dict[str, dict[str, Any]]:
    """The query parameters of `GET /__mock/requests`, each with its schema."""
    return {
        "operation": {
            "type": "string",
            "enum": [operation.operation_id for operation in contract.operations],
        },
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "method": {"type": "string", "pattern": "^[A-Za-z]+$"},
        "since": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer", "minimum": 0},
        "incident": {"type": "boolean"},
    }


def _entry_view(entry: Entry) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for name, value in QueryParams(entry.query_string).multi_items():
        previous = query.get(name)
        query[name] = value if previous is None else [*_as_list(previous), value]
    view: dict[str, Any] = {
        "seq": entry.seq,
        "time": format_timestamp(entry.time),
        "method": entry.method,
        "path": entry.path,
        "query": query,
        "operation": entry.operation,
        "path_params": dict(entry.path_params),
        "body": None,
        "status": entry.status,
        "code": entry.code,
        "contract_violation": entry.contract_violation,
        "api_key": f"…{entry.api_key_suffix}" if entry.api_key_suffix is not None else None,
        "fault": entry.fault,
        "duration_ms": round(entry.duration_ms, 3),
    }
    if entry.body:
        if entry.body_size > len(entry.body):
            view["body_text"] = entry.body.decode("utf-8", "replace")
            view["body_truncated_from"] = entry.body_size
        else:
            try:
                view["body"] = parse_json(entry.body)
            except MalformedJson:
                view["body_text"] = entry.body.decode("utf-8", "replace")
    return view


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _coverage_view(context: Context) -> dict[str, Any]:
    journal = context.runtime.journal
    operations = []
    called = declared_count = exercised_count = 0
    for operation in context.contract.operations:
        calls, statuses = journal.tally(operation.operation_id)
        declared = sorted(operation.responses)
        called += calls > 0
        declared_count += len(declared)
        exercised_count += sum(status in statuses for status in declared)
        operations.append(
            {
                "operation": operation.operation_id,
                "method": operation.method,
                "path": operation.path,
                "calls": calls,
                "statuses": {str(status): n for status, n in sorted(statuses.items())},
                "declared": declared,
                "exercised": [status for status in declared if status in statuses],
                "unexercised": [status for status in declared if status not in statuses],
                "undeclared": sorted(status for status in statuses if status not in declared),
            }
        )
    unmatched_calls, unmatched = journal.tally(None)
    return {
        "operations": operations,
        "unmatched": {
            "calls": unmatched_calls,
            "statuses": {str(status): n for status, n in sorted(unmatched.items())},
        },
        "summary": {
            "operations": len(operations),
            "operations_called": called,
            "declared_statuses": declared_count,
            "exercised_statuses": exercised_count,
        },
    }


def _fault_view(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "operation": fault.operation,
        "status": fault.status,
        "times": fault.times,
        "delay_ms": fault.delay_ms,
        "retry_after": fault.retry_after,
    }


def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def _runtime(request: Request) -> Runtime:
    return _context(request).runtime


def _clock_view(runtime: Runtime) -> dict[str, Any]:
    return {"now": format_timestamp(runtime.clock.now()), "frozen": runtime.clock.frozen}


def _summary(runtime: Runtime) -> dict[str, Any]:
    return {"clock": _clock_view(runtime), "counts": runtime.store.counts()}


def _json(document: Any, status: int = 200) -> Response:
    return Response(problems.json_bytes(document), status, media_type="application/json")
