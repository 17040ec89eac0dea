"""The ceiling: a bare Starlette app answering the mock's routes with precomputed bytes.

It routes like the mock (path parameters included) and reads write bodies, then returns the
bytes the mock itself sent for the same method, route and query string. Its throughput is what
uvicorn and Starlette allow for responses of that shape, before any mock logic runs.

    BENCH_CEILING_RESPONSES=responses.json uvicorn --factory ceiling:create_app --app-dir bench
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["ENV_VAR", "HEALTH_PATH", "CannedResponse", "create_app", "save_responses"]

ENV_VAR = "BENCH_CEILING_RESPONSES"
HEALTH_PATH = "/health"

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class CannedResponse:
    """What the mock answered to `method route?query`; `route` is the path template."""

    method: str
    route: str
    query: str
    status: int
    media_type: str
    body: str


def save_responses(path: Path, responses: Iterable[CannedResponse]) -> None:
    """Write the responses as the JSON file `create_app` reads."""
    path.write_text(json.dumps([asdict(response) for response in responses], ensure_ascii=False))


def load_responses(path: Path) -> list[CannedResponse]:
    return [CannedResponse(**item) for item in json.loads(path.read_text())]


def create_app(responses: list[CannedResponse] | None = None) -> Starlette:
    """The ceiling app; without arguments it reads the file named by `BENCH_CEILING_RESPONSES`."""
    if responses is None:
        responses = load_responses(Path(os.environ[ENV_VAR]))
    routes = [Route(HEALTH_PATH, _health, methods=["GET"])]
    for route in dict.fromkeys(response.route for response in responses):
        mine = [response for response in responses if response.route == route]
        methods = sorted({response.method for response in mine})
        routes.append(Route(route, _endpoint(mine), methods=methods))
    return Starlette(routes=routes)


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _endpoint(responses: list[CannedResponse]) -> Endpoint:
    """One route's endpoint: look the request up by method and query, answer the stored bytes."""
    table = {
        (response.method, response.query): (
            response.status,
            response.media_type,
            response.body.encode(),
        )
        for response in responses
    }

    async def endpoint(request: Request) -> Response:
        if request.method != "GET":
            await request.body()
        found = table.get((request.method, request.url.query))
        if found is None:
            return Response(status_code=404)
        status, media_type, body = found
        return Response(body, status, media_type=media_type)

    return endpoint
