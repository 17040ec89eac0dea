"""Public API calls straight to their contract path's endpoint, past Starlette's exception
layer and router.

Those two cost about a fifth of a public call, and a contract path's endpoint answers and
journals its own refusals (see `api.PathEndpoint`); a bug in it still reaches the app's
server-error handler. Every other call (a path the contract does not hold, a method its path
does not take, the control plane, the contract documents) goes on through the router, which
answers and journals the 404s and 405s as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from re import Pattern
from typing import Any

from starlette.convertors import Convertor, StringConvertor
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sequences_mock.http.api import PathEndpoint

__all__ = ["ApiShortcut"]


class _Path:
    """One contract path: its pattern and parameters as its route compiled them."""

    __slots__ = ("call", "convertors", "endpoint", "fixed", "methods", "regex", "strings")

    def __init__(self, route: Route, endpoint: PathEndpoint) -> None:
        #: The path itself when it has no parameters: compared, not matched.
        self.fixed = None if route.param_convertors else route.path
        self.regex: Pattern[str] = route.path_regex
        self.convertors: dict[str, Convertor[Any]] = route.param_convertors
        #: Every parameter is a plain string (Starlette's `str` convertor returns it as matched).
        self.strings = all(type(c) is StringConvertor for c in self.convertors.values())
        self.methods = frozenset(route.methods or ())
        self.endpoint = endpoint
        #: The endpoint's bound `__call__`: calling an object runs the slow path for a Python
        #: `__call__` (its arguments packed in a tuple), a bound method does not.
        self.call = endpoint.__call__

    def params(self, path: str) -> dict[str, Any] | None:
        """The path parameters of `path`, or None when it is not this path."""
        if self.fixed is not None:
            return {} if path == self.fixed else None
        match = self.regex.match(path)
        if match is None:
            return None
        if self.strings:
            return match.groupdict()
        convertors = self.convertors
        return {name: convertors[name].convert(value) for name, value in match.groupdict().items()}


class ApiShortcut:
    """ASGI middleware before the exception layer: a call to a contract path, with a method the
    path takes, goes to its endpoint; any other call to `app`. `routes` are the app's routes,
    in the router's order; those of the contract's paths (`api.api_routes`) are taken.
    `prefix` is the contract's base path (`/v1`): no other call is looked at."""

    def __init__(self, app: ASGIApp, *, routes: Iterable[BaseRoute], prefix: str) -> None:
        self.app = app
        self._prefix = prefix.rstrip("/") + "/"
        self._paths = [
            _Path(route, route.app)
            for route in routes
            if isinstance(route, Route) and isinstance(route.app, PathEndpoint)
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if scope["type"] == "http" and path.startswith(self._prefix):
            for candidate in self._paths:
                params = candidate.params(path)
                if params is not None:
                    # As the router does: the first path that matches decides; a method it
                    # does not take is the router's 405 to answer.
                    if scope["method"] in candidate.methods:
                        scope["path_params"] = params
                        await candidate.call(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)
