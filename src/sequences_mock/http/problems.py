"""Problem documents (RFC 9457): the one table from error code to HTTP status, and the one
function that turns any error into the answer the mock sends for it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, NamedTuple

from starlette.exceptions import HTTPException
from starlette.responses import Response

from sequences_mock.core.errors import (
    InsufficientScope,
    MockError,
    SeedQueueFull,
    Unauthenticated,
    WorldReplaced,
)
from sequences_mock.formats import strict_json

__all__ = [
    "CODE_BY_STATUS",
    "ERRORS_BUDGET",
    "NO_HEADERS",
    "PROBLEM_JSON",
    "STATUS_BY_CODE",
    "Problem",
    "fault_problem",
    "problem",
    "problem_for",
    "problem_response",
]

logger = logging.getLogger("sequences_mock")

PROBLEM_JSON = "application/problem+json"

#: Every `MockError` code has a row (a test walks the subclasses), and so does every code the
#: mock sends without one: router refusals, bugs and injected faults.
STATUS_BY_CODE = {
    "malformed_json": 400,
    "malformed_document": 400,
    "unauthenticated": 401,
    "insufficient_scope": 403,
    "forbidden_origin": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "invalid_state_transition": 409,
    "duplicate_id": 409,
    "content_too_large": 413,
    "unsupported_media_type": 415,
    "misdirected_request": 421,
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
    "world_replaced": 503,
    "seed_queue_full": 503,
}

#: The code a fault of each status carries: the first one the table gives that status.
CODE_BY_STATUS = {status: code for code, status in reversed(STATUS_BY_CODE.items())}

#: Bytes the `errors` of one answer take at most: whatever a check found, a problem answer
#: stays under 64 KiB (the detail repeats one problem, itself cut to a few hundred bytes).
ERRORS_BUDGET = 56 * 1024

NO_HEADERS: Mapping[str, str] = MappingProxyType({})
_BEARER = 'Bearer realm="sequences-mock"'
#: A call refused because the world it arrived in is gone may be sent again at once.
_RETRY_NOW: Mapping[str, str] = MappingProxyType({"retry-after": "0"})
#: A seed refused while others are built may be sent again once they are done.
_RETRY_SOON: Mapping[str, str] = MappingProxyType({"retry-after": "1"})


class Problem(NamedTuple):
    """An error's answer: status, problem document, and extra headers (lower-case names)."""

    status: int
    document: dict[str, Any]
    headers: Mapping[str, str]


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


def problem_for(error: BaseException, method: str, path: str) -> Problem:
    """How the mock answers `error` on `method path`: a refusal (`MockError`), a router 404 or
    405 (`HTTPException`), or else a bug, logged with its traceback and answered 500."""
    if isinstance(error, MockError):
        return _refusal(error)
    if isinstance(error, HTTPException):
        return _unrouted(error, method, path)
    logger.error("unexpected error on %s %s", method, path, exc_info=error)
    detail = f"the mock failed unexpectedly: {type(error).__name__}"
    return Problem(500, problem("internal_error", detail), NO_HEADERS)


def fault_problem(status: int, retry_after: int | None) -> Problem:
    """What an injected fault answers: a problem document valid for its status."""
    code = CODE_BY_STATUS[status]
    detail = f"an injected fault answered {status} (POST /__mock/faults)"
    document = problem(code, detail, [] if code == "validation_error" else None)
    headers = {}
    if status == 401:
        headers["www-authenticate"] = _BEARER
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    return Problem(status, document, headers)


def problem_response(answer: Problem) -> Response:
    return Response(
        strict_json.dumps(answer.document), answer.status, dict(answer.headers), PROBLEM_JSON
    )


def _refusal(error: MockError) -> Problem:
    errors = _listed(error) if error.problems or error.code == "validation_error" else None
    document = problem(error.code, error.detail, errors)
    headers: Mapping[str, str] = NO_HEADERS
    if isinstance(error, Unauthenticated):
        headers = {"www-authenticate": _BEARER}
    elif isinstance(error, InsufficientScope):
        challenge = f'{_BEARER}, error="insufficient_scope", scope="{error.scope}"'
        headers = {"www-authenticate": challenge}
    elif isinstance(error, WorldReplaced):
        headers = _RETRY_NOW
    elif isinstance(error, SeedQueueFull):
        headers = _RETRY_SOON
    return Problem(document["status"], document, headers)


def _listed(error: MockError) -> list[dict[str, str]]:
    """The error's problems as entries, as many as fit in `ERRORS_BUDGET` bytes of JSON."""
    listed: list[dict[str, str]] = []
    room = ERRORS_BUDGET
    for found in error.problems:
        entry = {"in": found.location, "name": found.name, "message": found.message}
        room -= len(strict_json.dumps(entry)) + 1
        if room < 0:
            break
        listed.append(entry)
    return listed


def _unrouted(error: HTTPException, method: str, path: str) -> Problem:
    """Unknown paths (404) and methods (405, with the router's `Allow` header) as problems."""
    if error.status_code == 405:
        document = problem("method_not_allowed", f"{method} is not allowed on {path}")
    elif error.status_code == 404:
        document = problem("not_found", f"nothing is served at {path}")
    else:
        document = {
            **problem("internal_error", str(error.detail)),
            "status": error.status_code,
            "title": HTTPStatus(error.status_code).phrase,
        }
    headers = {name.lower(): value for name, value in (error.headers or {}).items()}
    return Problem(error.status_code, document, headers)
