"""The app factory: one context (state, contracts, settings), the public API, the control plane."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from sequences_mock.http.api import api_routes
from sequences_mock.http.context import Context
from sequences_mock.http.control import ControlPlane
from sequences_mock.http.cors import cors_middleware
from sequences_mock.http.guard import Guard
from sequences_mock.http.refusals import exception_handlers
from sequences_mock.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Starlette:
    """Build a mock app; fixtures are read and checked now, so a bad file fails here, not later.

    Raises `MalformedDocument` for an unreadable file, `InvalidFixtures` listing every problem.
    """
    settings = settings or Settings()
    context = Context.from_settings(settings)
    app = Starlette(
        routes=[*api_routes(context), *ControlPlane(context).routes()],
        middleware=[
            *cors_middleware(settings.cors_origins),
            Middleware(
                Guard,
                control_token=settings.control_token,
                origins=settings.cors_origins,
            ),
        ],
        exception_handlers=exception_handlers(context),
    )
    # A mock must answer the path it was asked, not redirect `/v1/sequences/` elsewhere.
    app.router.redirect_slashes = False
    app.state.context = context
    app.state.runtime = context.runtime
    return app
