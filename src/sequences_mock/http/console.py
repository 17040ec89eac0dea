"""The console: a web page at `/__mock/ui` to watch and steer the mock, and the control-plane
reads it needs beyond the others (a workspace's runs page by page, one run, the workspaces).

The page is three files of the package, served as they are: no build step, no external request.
It holds no data of the world, so it is served without the control token; its script asks for
the token and sends it on every call (see `guard`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from sequences_mock.core.domain import Status
from sequences_mock.http.control_call import Call, Reply
from sequences_mock.http.control_views import run_view
from sequences_mock.http.views import Body
from sequences_mock.state.queries import ListQuery
from sequences_mock.state.runtime import Runtime

__all__ = ["CONSOLE_HEADERS", "Console"]

_FILES = resources.files("sequences_mock") / "_data" / "console"
#: The page may load only its own script and style and talk only to this mock; it may not be
#: framed (its buttons change the world), and it sends no Referer anywhere.
CONSOLE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class Console:
    """The console's operations of `control.openapi.yaml`, by operationId."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def handlers(self) -> dict[str, Callable[[Call], Awaitable[Reply]]]:
        return {
            "getConsole": self._file("index.html"),
            "getConsoleScript": self._file("console.js"),
            "getConsoleStyle": self._file("console.css"),
            "listWorkspaces": self.workspaces,
            "listRuns": self.runs,
            "getRun": self.run,
        }

    def _file(self, name: str) -> Callable[[Call], Awaitable[Reply]]:
        body = _page_file(name)

        async def serve(call: Call) -> Reply:
            return 200, body

        return serve

    async def workspaces(self, call: Call) -> Reply:
        store = self.runtime.store
        world = store.setup
        counts = store.run_counts()
        catalog: dict[str, dict[str, Any]] = {
            workspace.id: {
                "id": workspace.id,
                "name": workspace.name,
                "templates": [],
                "runs": {
                    status.value: count
                    for status, count in sorted(counts.get(workspace.id, {}).items())
                },
                "api_keys": [],
            }
            for workspace in world.workspaces.values()
        }
        for template in world.templates.values():
            catalog[template.workspace_id]["templates"].append(
                {
                    "id": template.id,
                    "name": template.name,
                    "steps": [
                        {"type": step.type.value, "wait_seconds": int(step.wait.total_seconds())}
                        for step in template.steps
                    ],
                }
            )
        for key in world.api_keys.values():
            catalog[key.workspace_id]["api_keys"].append(
                {"key": key.key, "name": key.name, "scopes": sorted(key.scopes)}
            )
        return 200, Body.of({"workspaces": list(catalog.values())})

    async def runs(self, call: Call) -> Reply:
        """Newest first; an unknown workspace has no runs, like a filter that matches none."""
        query: dict[str, Any] = call.query
        status = query.get("status")
        store = self.runtime.store
        page = store.list_sequences(
            query["workspace_id"],
            ListQuery(
                status=Status(status) if status is not None else None,
                template_id=query.get("template_id"),
                order="desc",
                page=query["page"],
                size=query["size"],
            ),
        )
        return 200, Body.of(
            {
                "runs": [run_view(store, run) for run in page.items],
                "total": page.total,
                "page": page.page,
                "size": page.size,
            }
        )

    async def run(self, call: Call) -> Reply:
        store = self.runtime.store
        return 200, Body.of(run_view(store, store.run(call.request.path_params["sequence_id"])))


@cache
def _page_file(name: str) -> Body:
    """One of the page's packaged files, read once a process: every namespace's control plane
    serves the same bytes, and a namespace is made on a first call."""
    text = _FILES.joinpath(name).read_text(encoding="utf-8")
    return Body(text, text.encode())
