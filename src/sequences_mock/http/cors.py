"""Opt-in CORS, so that a browser app may call the mock: its origins, and preflights answered."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

__all__ = ["cors_middleware"]

#: The methods of the public API and of the control plane.
METHODS = ("GET", "HEAD", "POST", "PATCH", "DELETE")
#: Request headers a client sends beyond the CORS-safelisted ones.
REQUEST_HEADERS = ("Authorization", "Content-Type")
#: Response headers a script may read beyond the safelisted ones (what a refusal carries).
EXPOSED_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def cors_middleware(origins: tuple[str, ...]) -> list[Middleware]:
    """None without origins (the default: no CORS headers, no preflight answers); else the
    middleware allowing exactly those origins (`*` for any)."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=list(METHODS),
            allow_headers=list(REQUEST_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            max_age=600,
        )
    ]
