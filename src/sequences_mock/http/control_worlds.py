"""The control operations on the server's worlds: its namespaces and its named snapshots.

Saving dumps and encodes the world, restoring and creating from a snapshot parse and check
one: all of it on a worker thread, while the loop goes on serving (a world is immutable, so a
dump taken from it stays whole).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sequences_mock import fixtures
from sequences_mock.core.errors import ContentTooLarge, NotFound
from sequences_mock.core.names import name_problem
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.core.world import World
from sequences_mock.formats import strict_json
from sequences_mock.http.context import Context
from sequences_mock.http.control_views import world_summary
from sequences_mock.http.namespaces import Namespace, Namespaces
from sequences_mock.http.threads import in_daemon_thread
from sequences_mock.http.views import Body
from sequences_mock.state.collector import LARGE_DOCUMENT_BYTES, return_free_memory
from sequences_mock.state.runtime import Runtime
from sequences_mock.state.snapshots import SnapshotInfo

if TYPE_CHECKING:
    from sequences_mock.http.control import Call

__all__ = ["WorldsPlane", "install_seed"]

Reply = tuple[int, Body]
Handler = Callable[["Call"], Awaitable[Reply]]


class WorldsPlane:
    """The handlers of the namespace and snapshot operations, for the control plane of one
    namespace (`context`); `json_body` reads and checks a call's JSON body."""

    def __init__(
        self,
        context: Context,
        namespaces: Namespaces,
        json_body: Callable[[Call], Awaitable[Any]],
        seed_slot: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self.context = context
        self.namespaces = namespaces
        self.snapshots = namespaces.snapshots
        self._json_body = json_body
        #: A place among the worlds this namespace builds at once (shared with its seeds).
        self._seed_slot = seed_slot

    def handlers(self) -> dict[str, Handler]:
        return {
            "listNamespaces": self.list_namespaces,
            "createNamespace": self.create_namespace,
            "deleteNamespace": self.delete_namespace,
            "listSnapshots": self.list_snapshots,
            "saveSnapshot": self.save_snapshot,
            "restoreSnapshot": self.restore_snapshot,
            "deleteSnapshot": self.delete_snapshot,
        }

    # -- namespaces --------------------------------------------------------------------------

    async def list_namespaces(self, call: Call) -> Reply:
        views = [_namespace_view(namespace) for namespace in self.namespaces.listing()]
        return 200, Body.of({"namespaces": views, "limit": self.namespaces.limit})

    async def create_namespace(self, call: Call) -> Reply:
        request = await self._json_body(call)
        name: str = request["name"]
        source = request.get("from_snapshot")
        initial: World | None = None
        self.namespaces.check_free(name)  # before any work; `create` checks again after it
        if source is not None:
            with self._seed_slot():
                data = await in_daemon_thread(
                    lambda: self._snapshot_bytes(source), name="mock-read"
                )
                initial = await in_daemon_thread(
                    lambda: fixtures.load(
                        fixtures.parse_seed(data, as_json=True), strict_json=True
                    ),
                    name="mock-load",
                )
        namespace = await self.namespaces.create(name, initial, source)
        return 201, Body.of(_namespace_view(namespace))

    async def delete_namespace(self, call: Call) -> Reply:
        name = _path_name(call, "namespace")
        return 200, Body.of(_namespace_view(self.namespaces.delete(name)))

    # -- snapshots ---------------------------------------------------------------------------

    async def list_snapshots(self, call: Call) -> Reply:
        snapshots = self.snapshots
        return 200, Body.of(
            {
                "snapshots": [_snapshot_view(info) for info in snapshots.listing()],
                "refused": [
                    {"name": refused.name, "problems": list(refused.problems)}
                    for refused in sorted(snapshots.refused.values(), key=lambda r: r.name)
                ],
                "limit": snapshots.max_count,
                "bytes_limit": snapshots.max_bytes,
                "stored": "memory" if snapshots.directory is None else "files",
            }
        )

    async def save_snapshot(self, call: Call) -> Reply:
        request = await self._json_body(call)
        world = self.context.runtime.store.world

        def save() -> SnapshotInfo:
            data = strict_json.dumps(fixtures.dump(world))
            return self.snapshots.save(request["name"], data, replace=request.get("replace", False))

        return 201, Body.of(_snapshot_view(await in_daemon_thread(save, name="mock-snapshot")))

    async def restore_snapshot(self, call: Call) -> Reply:
        """Restored as a seed of the snapshot would be: built off the loop, installed on it
        unless a reset or seed ended the world the call arrived in first."""
        name = _path_name(call, "snapshot")
        with self._seed_slot():
            return await self._restore(name)

    async def _restore(self, name: str) -> Reply:
        runtime = self.context.runtime
        generation = runtime.generation
        data = await in_daemon_thread(lambda: self._snapshot_bytes(name), name="mock-read")
        return await install_seed(
            runtime, generation, data, as_json=True, merge=False, thread="mock-restore"
        )

    async def delete_snapshot(self, call: Call) -> Reply:
        name = _path_name(call, "snapshot")
        await in_daemon_thread(lambda: self.snapshots.delete(name), name="mock-delete")
        return 200, Body.of({"deleted": name})

    def _snapshot_bytes(self, name: str) -> bytes:
        """The snapshot's document, if this namespace may load one of its size."""
        data = self.snapshots.read(name)
        limit = self.context.settings.max_seed_bytes
        if len(data) > limit:
            raise ContentTooLarge(
                f"snapshot {name!r} ({len(data):,} bytes) is larger than {limit:,} bytes, the "
                "largest world this namespace may hold"
            )
        return data


def _path_name(call: Call, kind: str) -> str:
    name: str = call.request.path_params["name"]
    problem = name_problem(name)
    if problem is not None:
        raise NotFound(f"no {kind} here: {problem}")
    return name


def _namespace_view(namespace: Namespace) -> dict[str, Any]:
    return {
        "name": namespace.name,
        "from_snapshot": namespace.from_snapshot,
        "requests_recorded": namespace.context.runtime.journal.recorded,
    }


def _snapshot_view(info: SnapshotInfo) -> dict[str, Any]:
    return {"name": info.name, "bytes": info.size, "saved_at": format_timestamp(info.saved_at)}


async def install_seed(
    runtime: Runtime, generation: int, data: bytes, *, as_json: bool, merge: bool, thread: str
) -> Reply:
    """Seed `runtime` with the fixture document `data` (a seed's body, a snapshot's file): parsed,
    checked and built on a worker thread, installed at once, unless a reset or seed ended the
    world `generation` named while `data` was read (`WorldReplaced`)."""
    runtime.check_current(generation)
    basis = runtime.seed_basis(merge=merge)

    def document() -> Any:
        return fixtures.parse_seed(data, as_json=as_json)

    try:
        prepared = await in_daemon_thread(
            lambda: runtime.prepare(basis, document, strict_json=as_json), name=thread
        )
        runtime.install(prepared)  # the world it replaced is freed here
    finally:
        if len(data) >= LARGE_DOCUMENT_BYTES:
            return_free_memory()
    return 200, Body.of(world_summary(runtime))
