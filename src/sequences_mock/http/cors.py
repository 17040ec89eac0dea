"""Opt-in CORS, so that a browser app may call the mock: its origins, and preflights answered.

`*` and `null` (which any page can send, from a sandboxed frame) open the public API only: the
control plane hands out every API key and resets the world, so it answers named origins alone.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ANY_PAGE", "control_origins", "cors_middleware"]

#: Origins that stand for any page: never allowed on the control plane.
ANY_PAGE = frozenset({"*", "null"})

#: The methods of the public API and of the control plane.
METHODS = ("GET", "HEAD", "POST", "PATCH", "DELETE")
#: Request headers a client sends beyond the CORS-safelisted ones.
REQUEST_HEADERS = ("Authorization", "Content-Type")
#: Response headers a script may read beyond the safelisted ones (what a refusal carries).
EXPOSED_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def cors_middleware(origins: tuple[str, ...]) -> list[Middleware]:
    """None without origins (the default: no CORS headers, no preflight answers); else the
    middleware allowing exactly those origins (`*` for any) on the public API, and the named
    ones (not `*`, not `null`) on the control plane."""
    if not origins:
        return []
    return [Middleware(_PlaneCors, origins=origins)]


def control_origins(origins: Collection[str]) -> tuple[str, ...]:
    """The origins the control plane lets in: the named ones."""
    return tuple(origin for origin in origins if origin not in ANY_PAGE)


class _PlaneCors:
    """CORS by plane: the public API's origins, and the control plane's (see `control_origins`)."""

    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...]) -> None:
        self._public = _cors(app, origins)
        named = control_origins(origins)
        self._control = _cors(app, named) if named else app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        on_control = scope["type"] == "http" and scope["path"].startswith("/__mock")
        await (self._control if on_control else self._public)(scope, receive, send)


def _cors(app: ASGIApp, origins: tuple[str, ...]) -> ASGIApp:
    return CORSMiddleware(
        app,
        allow_origins=list(origins),
        allow_methods=list(METHODS),
        allow_headers=list(REQUEST_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        max_age=600,
    )
