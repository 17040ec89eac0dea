"""The public API: a thin handler per operationId, and the endpoint that runs the contract."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sequences_mock import problems, validation
from sequences_mock.auth import authenticate
from sequences_mock.bodies import read_body
from sequences_mock.contract import Contract, Operation
from sequences_mock.domain import ApiKey, Status, StopReason, StopScope
from sequences_mock.errors import (
    ContractViolation,
    FieldProblem,
    Location,
    MockError,
    ValidationFailed,
)
from sequences_mock.runtime import Runtime
from sequences_mock.store import ListQuery, Store
from sequences_mock.timestamps import TimestampError, parse_timestamp
from sequences_mock.validation import Inputs
from sequences_mock.views import page_view, sequence_view

__all__ = ["HANDLERS", "api_routes"]

logger = logging.getLogger("sequences_mock")

Reply = tuple[int, Any]
Handler = Callable[[Store, ApiKey, Inputs], Reply]


def list_sequences(store: Store, key: ApiKey, inputs: Inputs) -> Reply:
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
    return 200, page_view(page)


def get_sequence(store: Store, key: ApiKey, inputs: Inputs) -> Reply:
    return 200, sequence_view(store.get_sequence(key.workspace_id, inputs.path["sequence_id"]))


def update_sequence(store: Store, key: ApiKey, inputs: Inputs) -> Reply:
    sequence_id, changes = inputs.path["sequence_id"], inputs.body["variables"]
    return 200, sequence_view(store.update_variables(key.workspace_id, sequence_id, changes))


def pause_sequence(store: Store, key: ApiKey, inputs: Inputs) -> Reply:
    until = _timestamp(inputs.body, "paused_until", "body")
    assert until is not None
    return 200, sequence_view(store.pause(key.workspace_id, inputs.path["sequence_id"], until))


def resume_sequence(store: Store, key: ApiKey, inputs: Inputs) -> Reply:
    return 200, sequence_view(store.resume(key.workspace_id, inputs.path["sequence_id"]))


def stop_sequence(store: Store, key: ApiKey, inputs: Inputs) -> Reply:
    reason, scope = StopReason(inputs.body["reason"]), StopScope(inputs.body["scope"])
    stopped = store.stop(key.workspace_id, inputs.path["sequence_id"], reason, scope)
    return 200, sequence_view(stopped)


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
        problem = FieldProblem(location, name, str(error))
        raise ValidationFailed(f"{location} {name}: {error}", [problem]) from None


# -- the endpoint around every handler ---------------------------------------------------------


def api_routes(contract: Contract) -> list[Route]:
    """One route per contract path, carrying all of that path's methods (so 405s list them all)."""
    missing = {op.operation_id for op in contract.operations} - HANDLERS.keys()
    if missing:
        raise RuntimeError(f"openapi.yaml declares operations with no handler: {sorted(missing)}")
    return [
        Route(path, _endpoint(operations), methods=list(operations))
        for path, operations in contract.by_path.items()
    ]


def _endpoint(operations: dict[str, Operation]) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        operation = operations["GET" if request.method == "HEAD" else request.method]
        try:
            key = authenticate(runtime.store, request.headers.get("authorization"), operation)
            body = (
                await read_body(request, runtime.settings.max_body_bytes)
                if operation.body is not None
                else b""
            )
            inputs = validation.read_inputs(
                operation,
                request.path_params,
                request.query_params.multi_items(),
                request.headers.get("content-type"),
                body,
            )
            status, document = HANDLERS[operation.operation_id](runtime.store, key, inputs)
            headers: dict[str, str] = {}
        except MockError as error:
            document, headers = problems.problem_for(error)
            status = document["status"]
        return _respond(runtime, operation, status, document, headers)

    return endpoint


def _respond(
    runtime: Runtime, operation: Operation, status: int, document: Any, headers: dict[str, str]
) -> Response:
    if runtime.settings.validate_responses:
        try:
            validation.check_response(
                operation, status, document, {k.lower(): v for k, v in headers.items()}
            )
        except ContractViolation as violation:
            logger.error("contract violation: %s", violation.detail)
            document, headers = problems.problem_for(violation)
            status = document["status"]
    declared = operation.responses.get(status)
    media_type = declared.media_type if declared and declared.media_type else problems.PROBLEM_JSON
    return Response(problems.json_bytes(document), status, headers, media_type)
