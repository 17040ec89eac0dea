"""Problem documents (RFC 9457): the one table from error code to HTTP status, and sending them."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from sequences_mock.core.errors import InsufficientScope, MockError, Unauthenticated
from sequences_mock.formats import strict_json

__all__ = [
    "CODE_BY_STATUS",
    "PROBLEM_JSON",
    "STATUS_BY_CODE",
    "fault_problem",
    "json_bytes",
    "problem",
    "problem_for",
    "problem_response",
    "router_problem",
    "router_response",
    "unexpected_error",
    "unexpected_problem",
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
    "bad_gateway": 502,
    "service_unavailable": 503,
    "gateway_timeout": 504,
}


#: The code a fault of each status carries: the first one the table gives that status.
CODE_BY_STATUS = {status: code for code, status in reversed(STATUS_BY_CODE.items())}


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


def fault_problem(status: int, retry_after: int | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The problem document and headers an injected fault answers with: valid for its status."""
    code = CODE_BY_STATUS[status]
    detail = f"an injected fault answered {status} (POST /__mock/faults)"
    document = problem(code, detail, [] if code == "validation_error" else None)
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="sequences-mock"'
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return document, headers


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


json_bytes = strict_json.dumps


def problem_response(error: MockError) -> Response:
    document, headers = problem_for(error)
    return Response(json_bytes(document), document["status"], headers, PROBLEM_JSON)


def router_response(document: dict[str, Any], exc: HTTPException) -> Response:
    return Response(json_bytes(document), exc.status_code, exc.headers, PROBLEM_JSON)


def router_problem(request: Request, exc: HTTPException) -> dict[str, Any]:
    """Unknown paths (404) and methods (405) from the router, as problems.

    The `Allow` header of a 405 rides on `exc` and goes out with `router_response`.
    """
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
    return document


def unexpected_problem(method: str, path: str, exc: Exception) -> dict[str, Any]:
    """A bug in the mock: logged with its traceback, answered as a 500 problem."""
    logger.error("unexpected error on %s %s", method, path, exc_info=exc)
    return problem("internal_error", f"the mock failed unexpectedly: {type(exc).__name__}")


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """The last resort outside the API's endpoints (those journal theirs)."""
    document = unexpected_problem(request.method, request.url.path, exc)
    return Response(json_bytes(document), 500, media_type=PROBLEM_JSON)
