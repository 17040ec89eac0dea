"""The control plane under `/__mock` (health, reset, seed, state, clock) and the contract."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sequences_mock import fixtures, problems
from sequences_mock._schema import compile_schema, schema_problems
from sequences_mock.bodies import read_body
from sequences_mock.errors import (
    FieldProblem,
    InvalidClockChange,
    MockError,
    UnsupportedMediaType,
    ValidationFailed,
)
from sequences_mock.runtime import Runtime
from sequences_mock.timestamps import TimestampError, format_timestamp, parse_timestamp
from sequences_mock.validation import media_type_of, parse_json

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


def control_routes() -> list[Route]:
    clock_change = compile_schema(CLOCK_CHANGE_SCHEMA)

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
            problem = FieldProblem("query", "mode", f"must be replace or merge, not {mode!r}")
            raise ValidationFailed(f"query mode: {problem.message}", [problem])
        media_type = media_type_of(request.headers.get("content-type"))
        if media_type != "application/json" and media_type not in YAML_MEDIA_TYPES:
            raise UnsupportedMediaType(
                "send the fixture document as application/json or application/yaml, "
                f"not {media_type or 'without a Content-Type'}"
            )
        body = await read_body(request, runtime.settings.max_seed_bytes)
        document = (
            parse_json(body)
            if media_type == "application/json"
            else fixtures.parse_document(body, yaml_syntax=True)
        )
        runtime.seed(document, merge=mode == "merge")
        return _json(_summary(runtime))

    async def state(request: Request) -> Response:
        return _json(fixtures.dump(_runtime(request).store.world))

    async def clock(request: Request) -> Response:
        runtime = _runtime(request)
        if request.method == "POST":
            change = parse_json(await read_body(request, runtime.settings.max_body_bytes))
            errors = schema_problems(clock_change, change, "body")
            if errors:
                raise ValidationFailed(f"body {errors[0]}", errors)
            _change_clock(runtime, change)
        return _json(_clock_view(runtime))

    async def openapi_yaml(request: Request) -> Response:
        return Response(_runtime(request).contract.yaml_bytes, media_type="application/yaml")

    async def openapi_json(request: Request) -> Response:
        return Response(_runtime(request).contract.json_bytes, media_type="application/json")

    return [
        Route("/__mock/health", _refusals(health), methods=["GET"]),
        Route("/__mock/reset", _refusals(reset), methods=["POST"]),
        Route("/__mock/seed", _refusals(seed), methods=["POST"]),
        Route("/__mock/state", _refusals(state), methods=["GET"]),
        Route("/__mock/clock", _refusals(clock), methods=["GET", "POST"]),
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


def _refusals(endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except MockError as error:
            return problems.problem_response(error)

    return guarded


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _clock_view(runtime: Runtime) -> dict[str, Any]:
    return {"now": format_timestamp(runtime.clock.now()), "frozen": runtime.clock.frozen}


def _summary(runtime: Runtime) -> dict[str, Any]:
    return {"clock": _clock_view(runtime), "counts": runtime.store.counts()}


def _json(document: Any) -> Response:
    return Response(problems.json_bytes(document), media_type="application/json")
