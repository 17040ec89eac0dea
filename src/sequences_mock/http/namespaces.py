"""Namespaces: worlds of their own on one server, each under the base URL `/ns/{name}`.

A named namespace is a whole app of its own (runtime, caches, endpoints) over the contracts the
server compiled once; the bare paths are the default namespace, and reach it without a look-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from starlette.types import ASGIApp, Receive, Scope, Send

from sequences_mock.core.errors import DuplicateId, LimitReached, MockError, NotFound
from sequences_mock.core.names import name_problem
from sequences_mock.core.world import World
from sequences_mock.http.context import Context
from sequences_mock.http.problems import problem_for, problem_response
from sequences_mock.http.threads import in_daemon_thread
from sequences_mock.state.snapshots import Snapshots

__all__ = [
    "DEFAULT_NAMESPACE",
    "NAMESPACE_JOURNAL_BYTES",
    "NAMESPACE_PREFIX",
    "NAMESPACE_RENDER_BUDGET",
    "NAMESPACE_SEED_BYTES",
    "Namespace",
    "NamespaceRouter",
    "Namespaces",
    "inner_path",
]

NAMESPACE_PREFIX = "/ns/"
DEFAULT_NAMESPACE = "default"
MiB = 1024 * 1024
#: What one named namespace may hold besides its world (bounded by its seeds): its journal's
#: entries and its kept renderings, in bytes. Smaller than the default world's, since a server
#: holds up to `--max-namespaces` of them.
NAMESPACE_JOURNAL_BYTES = 2 * MiB
NAMESPACE_RENDER_BUDGET = 4 * MiB
#: The largest fixture document a named namespace is seeded, restored or created from.
NAMESPACE_SEED_BYTES = 16 * MiB


class Namespace(NamedTuple):
    """One world of the server: its name, its context, its app, the snapshot it started from."""

    name: str
    context: Context
    app: ASGIApp
    from_snapshot: str | None


#: Builds the app that serves one namespace's context (the same routes as the default one).
AppBuilder = Callable[[Context, "Namespaces"], ASGIApp]


class Namespaces:
    """The default namespace and at most `limit` named ones, and the server's snapshots.

    A named namespace is created by its first call or on demand, and goes only when deleted:
    past the limit a new one is refused, never made room for.
    """

    def __init__(
        self, default: Context, snapshots: Snapshots, build: AppBuilder, *, limit: int
    ) -> None:
        self.default = default
        self.snapshots = snapshots
        self.limit = limit
        self._build = build
        self._named: dict[str, Namespace] = {}
        #: Namespaces being created (their store is built off the loop), by name.
        self._pending: dict[str, asyncio.Future[Namespace]] = {}
        self._default: Namespace | None = None

    def existing(self, name: str) -> ASGIApp | None:
        """The app of the named namespace `name`, if it exists (the hot path: no await)."""
        found = self._named.get(name)
        return found.app if found is not None else None

    async def app_for(self, name: str) -> ASGIApp:
        """The app of namespace `name`, created from the starting world on first use.

        Raises `NotFound` for a name that cannot be one, `LimitReached` past the limit.
        """
        found = self._named.get(name)
        if found is not None:
            return found.app
        if name == DEFAULT_NAMESPACE:
            return self._default_namespace().app
        problem = name_problem(name)
        if problem is not None:
            raise NotFound(f"no namespace here: {problem}")
        pending = self._pending.get(name)
        if pending is not None:  # its first call is creating it: wait for that
            return (await asyncio.shield(pending)).app
        return (await self.create(name)).app

    async def create(
        self, name: str, initial: World | None = None, from_snapshot: str | None = None
    ) -> Namespace:
        """A new namespace on `initial` (the server's starting world without one), its store
        built and indexed on a worker thread: a large world must not stall the other calls.

        Raises `DuplicateId` for a name taken, `LimitReached` past the limit.
        """
        self.check_free(name)
        created: asyncio.Future[Namespace] = asyncio.get_running_loop().create_future()
        self._pending[name] = created
        try:
            world = initial or self.default.runtime.initial
            context = await in_daemon_thread(lambda: self._context(world), name="mock-namespace")
            namespace = Namespace(name, context, self._build(context, self), from_snapshot)
            self._named[name] = namespace
            created.set_result(namespace)
            return namespace
        except BaseException as error:
            created.set_exception(error)
            created.exception()  # handed to this caller; waiters, if any, get it too
            raise
        finally:
            del self._pending[name]

    def _context(self, initial: World) -> Context:
        settings = self.default.settings
        seed_bytes = min(settings.max_seed_bytes, NAMESPACE_SEED_BYTES)
        settings = replace(settings, max_seed_bytes=seed_bytes)
        return self.default.sibling(
            initial,
            settings,
            journal_bytes=NAMESPACE_JOURNAL_BYTES,
            render_budget=NAMESPACE_RENDER_BUDGET,
        )

    def check_free(self, name: str) -> None:
        """Raise `DuplicateId` when `name` is taken, `LimitReached` when the server holds as
        many named namespaces as it may."""
        if name == DEFAULT_NAMESPACE or name in self._named or name in self._pending:
            raise DuplicateId(f"a namespace {name!r} exists")
        if len(self._named) + len(self._pending) >= self.limit:
            raise LimitReached(
                f"this mock holds at most {self.limit} namespaces (--max-namespaces): "
                "delete one first (DELETE /__mock/namespaces/{name})"
            )

    def delete(self, name: str) -> Namespace:
        """Forget namespace `name` and its world; raises `NotFound`, `DuplicateId` (default)."""
        if name == DEFAULT_NAMESPACE:
            raise DuplicateId("the default namespace cannot be deleted: reset it instead")
        try:
            return self._named.pop(name)
        except KeyError:
            raise NotFound(f"no namespace {name!r}: GET /__mock/namespaces lists them") from None

    def listing(self) -> list[Namespace]:
        """Every namespace, the default first, then the named ones by name."""
        return [self._default_namespace(), *sorted(self._named.values())]

    def _default_namespace(self) -> Namespace:
        if self._default is None:
            app = self._build(self.default, self)
            self._default = Namespace(DEFAULT_NAMESPACE, self.default, app, None)
        return self._default


def inner_path(path: str) -> str:
    """A path under `/ns/` as its namespace sees it: `/ns/a/__mock/reset` → `/__mock/reset`."""
    return "/" + path[len(NAMESPACE_PREFIX) :].partition("/")[2]


class NamespaceRouter:
    """The ASGI app of every call under `/ns/{name}`: on to that namespace's app, with the
    prefix taken off its path, so that the namespace sees itself at the root and its journal
    shows `/v1/...` as the default one's does. (The guard hands these calls over.)"""

    def __init__(self, namespaces: Namespaces) -> None:
        self.namespaces = namespaces

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        name, _, rest = path[_PREFIX_LENGTH:].partition("/")
        try:
            app = self.namespaces.existing(name) or await self.namespaces.app_for(name)
        except MockError as refusal:
            await problem_response(problem_for(refusal, scope["method"], path))(
                scope, receive, send
            )
            return
        inner = dict(scope)  # the server's own scope stays as it was (uvicorn reads it)
        inner["path"] = "/" + rest
        # The path as sent, percent-escapes and all, would still carry the prefix.
        inner.pop("raw_path", None)
        await app(inner, receive, send)


_PREFIX_LENGTH = len(NAMESPACE_PREFIX)
