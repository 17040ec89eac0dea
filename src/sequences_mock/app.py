"""The app factory: one context (state, contracts, settings), the public API, the control plane,
and the namespaces beside the default world, each with the same routes on a context of its own."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute, Router
from starlette.types import ASGIApp

from sequences_mock.http.api import api_routes
from sequences_mock.http.context import Context
from sequences_mock.http.control import ControlPlane
from sequences_mock.http.cors import cors_middleware
from sequences_mock.http.guard import Guard
from sequences_mock.http.namespaces import NamespaceRouter, Namespaces
from sequences_mock.http.refusals import exception_handlers
from sequences_mock.http.shortcut import ApiShortcut
from sequences_mock.settings import Settings
from sequences_mock.state.snapshots import Snapshots

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Starlette:
    """Build a mock app; fixtures are read and checked now, so a bad file fails here, not later,
    and so are the snapshot files of `settings.state_dir` (a bad one is refused, not fatal).

    Raises `MalformedDocument` for an unreadable file, `InvalidFixtures` listing every problem.
    """
    settings = settings or Settings()
    context = Context.from_settings(settings)
    snapshots = Snapshots(
        settings.state_dir,
        max_count=settings.max_snapshots,
        max_bytes=settings.max_snapshot_bytes,
    )
    namespaces = Namespaces(context, snapshots, _namespace_app, limit=settings.max_namespaces)
    app = _world_app(
        context,
        namespaces,
        middleware=[
            *cors_middleware(settings.cors_origins),
            Middleware(
                Guard,
                control_token=settings.control_token,
                origins=settings.cors_origins,
                namespaces=NamespaceRouter(namespaces),
            ),
        ],
    )
    app.state.context = context
    app.state.runtime = context.runtime
    app.state.namespaces = namespaces
    return app


def _world_app(context: Context, namespaces: Namespaces, middleware: list[Middleware]) -> Starlette:
    """The app: the default world's routes behind the middleware every call goes through."""
    routes = _routes(context, namespaces)
    shortcut = Middleware(ApiShortcut, routes=routes, prefix=context.contract.base_path)
    app = Starlette(
        routes=routes,
        middleware=[*middleware, shortcut],
        exception_handlers=exception_handlers(context),
    )
    # A mock must answer the path it was asked, not redirect `/v1/sequences/` elsewhere.
    app.router.redirect_slashes = False
    return app


def _namespace_app(context: Context, namespaces: Namespaces) -> ASGIApp:
    """A namespace's routes and exception handlers, without a second app around them: its
    calls have been through the app's middleware already, and a layer less is a tenth less
    work per call."""
    router = Router(routes=_routes(context, namespaces), redirect_slashes=False)
    return ApiShortcut(
        ExceptionMiddleware(router, handlers=exception_handlers(context)),
        routes=router.routes,
        prefix=context.contract.base_path,
    )


def _routes(context: Context, namespaces: Namespaces) -> list[BaseRoute]:
    """The public API and the control plane of one namespace's world."""
    return [*api_routes(context), *ControlPlane(context, namespaces).routes()]
