"""Problem documents (RFC 9457): the one table from error code to HTTP status, and sending them."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from sequences_mock import _json
from sequences_mock.errors import InsufficientScope, MockError, Unauthenticated

__all__ = [
    "PROBLEM_JSON",
    "STATUS_BY_CODE",
    "json_bytes",
    "problem",
    "problem_for",
    "problem_response",
    "router_error",
    "unexpected_error",
]

logger = logging.getLogger("sequences_mock")

PROBLEM_JSON = "application/problem+json"

STATUS_BY_CODE = {
    "malformed_json": 400,
    "malformed_document": 400,
    "unauthenticated": 401,
    "insufficient_scope": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "invalid_state_transition": 409,
    "content_too_large": 413,
    "unsupported_media_type": 415,
    "validation_error": 422,
    "paused_until_not_in_future": 422,
    "invalid_fixtures": 422,
    "invalid_clock_change": 422,
    "too_many_requests": 429,
    "internal_error": 500,
    "mock_contract_violation": 500,
    "service_unavailable": 503,
}


def problem(code: str, detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    status = STATUS_BY_CODE[code]
    document: dict[str, Any] = {
        "type": f"urn:sequences-mock:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        document["errors"] = errors
    return document


def problem_for(error: MockError) -> tuple[dict[str, Any], dict[str, str]]:
    """The problem document and extra headers that answer a refusal."""
    errors = (
        [{"in": p.location, "name": p.name, "message": p.message} for p in error.problems]
        if error.problems or error.code == "validation_error"
        else None
    )
    headers = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="sequences-mock"'
    elif isinstance(error, InsufficientScope):
        headers["WWW-Authenticate"] = (
            f'Bearer realm="sequences-mock", error="insufficient_scope", scope="{error.scope}"'
        )
    return problem(error.code, error.detail, errors), headers


json_bytes = _json.dumps


def problem_response(error: MockError) -> Response:
    document, headers = problem_for(error)
    return Response(json_bytes(document), document["status"], headers, PROBLEM_JSON)


async def router_error(request: Request, exc: Exception) -> Response:
    """Unknown paths (404) and methods (405) from the router, as problems."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        document = problem(
            "method_not_allowed", f"{request.method} is not allowed on {request.url.path}"
        )
    elif exc.status_code == 404:
        document = problem("not_found", f"nothing is served at {request.url.path}")
    else:
        document = {
            **problem("internal_error", str(exc.detail)),
            "status": exc.status_code,
            "title": HTTPStatus(exc.status_code).phrase,
        }
    return Response(json_bytes(document), exc.status_code, exc.headers, PROBLEM_JSON)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """The last resort: a bug in the mock, answered as a problem and logged with its traceback."""
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    document = problem("internal_error", f"the mock failed unexpectedly: {type(exc).__name__}")
    return Response(json_bytes(document), 500, media_type=PROBLEM_JSON)
