"""The public API's shortcut past the router sends a call where the router would, or leaves it
to the router: the same endpoint, the same path parameters, and every 404 and 405 untouched."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from sequences_mock.app import create_app
from sequences_mock.http.api import PathEndpoint
from sequences_mock.http.shortcut import ApiShortcut

RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"
PATHS = [
    "/v1/sequences",
    f"/v1/sequences/{RUN}",
    f"/v1/sequences/{RUN}/pause",
    f"/v1/sequences/{RUN}/resume",
    f"/v1/sequences/{RUN}/stop",
    "/v1/sequences/",
    f"/v1/sequences/{RUN}/",
    f"/v1/sequences/{RUN}/unknown",
    "/v1/sequences/a%2Fb",
    "/v1/nothing",
    "/v1",
    "/openapi.yaml",
    "/__mock/health",
    "/v2/sequences",
]
METHODS = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def _routers_choice(routes: list[Any], method: str, path: str) -> tuple[Any, dict[str, Any]]:
    """The endpoint the router would call and its path parameters (None: a 404 or 405)."""
    for route in routes:
        match, child = route.matches(_scope(method, path))
        if match is Match.FULL:
            return route.app, child.get("path_params", {})
    return None, {}


@pytest.fixture(scope="module")
def routes() -> list[Any]:
    return create_app().router.routes


@pytest.mark.anyio
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", PATHS)
async def test_a_call_goes_where_the_router_sends_it(
    routes: list[Any], method: str, path: str
) -> None:
    taken: list[tuple[Any, dict[str, Any]]] = []

    async def router(scope: Scope, receive: Receive, send: Send) -> None:
        taken.append(("router", {}))

    shortcut = ApiShortcut(router, routes=routes, prefix="/v1")
    for entry in shortcut._paths:  # record the call instead of answering it
        endpoint = entry.endpoint

        async def taken_by(
            scope: Scope, receive: Receive, send: Send, *, to: Any = endpoint
        ) -> None:
            taken.append((to, scope["path_params"]))

        entry.call = taken_by  # type: ignore[assignment]

    await shortcut(_scope(method, path), None, None)  # type: ignore[arg-type]

    expected, params = _routers_choice(routes, method, path)
    if isinstance(expected, PathEndpoint):
        assert taken == [(expected, params)]
    else:
        assert taken == [("router", {})]
