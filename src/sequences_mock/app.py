"""The app factory: one contract, one runtime, the public API and the control plane."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException

from sequences_mock.http import problems
from sequences_mock.http.api import api_routes, unrouted
from sequences_mock.http.control import control_routes
from sequences_mock.http.cors import cors_middleware
from sequences_mock.http.runtime import Runtime
from sequences_mock.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Starlette:
    """Build a mock app; fixtures are read and checked now, so a bad file fails here, not later.

    Raises `MalformedDocument` for an unreadable file, `InvalidFixtures` listing every problem.
    """
    settings = settings or Settings()
    runtime = Runtime.from_settings(settings)
    app = Starlette(
        routes=[*api_routes(runtime), *control_routes(runtime.contract)],
        middleware=cors_middleware(settings.cors_origins),
        exception_handlers={
            HTTPException: unrouted,
            Exception: problems.unexpected_error,
        },
    )
    # A mock must answer the path it was asked, not redirect `/v1/sequences/` elsewhere.
    app.router.redirect_slashes = False
    app.state.runtime = runtime
    return app
