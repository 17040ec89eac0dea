"""The app's exception handlers: every error outside the API endpoint becomes its response here,
through the same `problems.problem_for` the endpoint uses."""

from __future__ import annotations

from collections.abc import Mapping
from time import perf_counter
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ExceptionHandler

from sequences_mock.core.errors import MockError
from sequences_mock.http.api import record
from sequences_mock.http.auth import bearer_token
from sequences_mock.http.context import Context
from sequences_mock.http.problems import problem_for, problem_response

__all__ = ["exception_handlers"]


def exception_handlers(context: Context) -> Mapping[Any, ExceptionHandler]:
    """Handlers by exception class (Starlette looks them up along the MRO): refusals and bugs of
    the control plane, and router 404s and 405s, journaled when under the API's base path."""
    api_prefix = context.contract.base_path + "/"

    async def refused(request: Request, exc: Exception) -> Response:
        return problem_response(problem_for(exc, request.method, request.url.path))

    async def unrouted(request: Request, exc: Exception) -> Response:
        started = perf_counter()
        problem = problem_for(exc, request.method, request.url.path)
        if request.scope["path"].startswith(api_prefix):
            token = bearer_token(request.headers.get("authorization"))
            status, document = problem.status, problem.document
            record(
                context.runtime, request.scope, token, None, b"", status, document, started=started
            )
        return problem_response(problem)

    async def gone(request: Request, exc: Exception) -> Response:
        # The client left before its body arrived: nobody is left to answer, nothing to log.
        return Response(status_code=400)

    return {
        HTTPException: unrouted,
        MockError: refused,
        ClientDisconnect: gone,
        Exception: refused,
    }
