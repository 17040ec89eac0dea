"""A stand-in for the vendor's service, written from the vendor's docs (not from the mock), that
breaks openapi.yaml in five known ways, so tests can check `verify` and `proxy` report each:

- an extra field: a run read alone carries `owner_email`;
- a missing field: listed runs lack `last_step_executed_at`;
- another error body: refusals are `application/json` `{"error": ...}`, not problem documents;
- 400 for a 422: a `size` out of 1..100 is a 400;
- no `WWW-Authenticate` on a 401.

Otherwise it does what the docs say: lists filtered, sorted and paged, variables merged as
overrides (`null` removes one), pause from ACTIVE (again while WAITING_FOR_LEAD, to a new
deadline) into the future only, resume from WAITING_FOR_LEAD, stop with a reason.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KEY, OTHER_KEY = "vendor-key-acme-0001", "vendor-key-globex-0002"
WORKSPACES = {
    KEY: "11111111-1111-4111-8111-111111111111",
    OTHER_KEY: "22222222-2222-4222-8222-222222222222",
}
TEMPLATE = "33333333-3333-4333-8333-333333333333"
STATUSES = ["ACTIVE", "WAITING_FOR_LEAD", "WAITING_FOR_USER", "SUCCEEDED", "ACTIVE", "FOUND"]


def _run(index: int, workspace: str) -> dict[str, Any]:
    stamp = f"2026-01-{index + 1:02d}T10:00:00Z"
    return {
        "id": f"44444444-4444-4444-8444-{index:012d}",
        "workspace_id": workspace,
        "contact_id": f"55555555-5555-4555-8555-{index:012d}",
        "template_id": TEMPLATE,
        "status": STATUSES[index % len(STATUSES)],
        "variables": {"first_name": f"Contact {index}"},
        "contact_list_id": None,
        "last_step_executed_at": stamp,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status)


class VendorDouble:
    """The app and its runs (fresh for each instance)."""

    def __init__(self) -> None:
        self.runs = {run["id"]: run for run in [_run(i, WORKSPACES[KEY]) for i in range(12)]}
        extra = _run(99, WORKSPACES[OTHER_KEY])
        self.runs[extra["id"]] = extra
        self.app = Starlette(
            routes=[
                Route("/v1/sequences", self.list, methods=["GET"]),
                Route("/v1/sequences/{id}", self.one, methods=["GET", "PATCH"]),
                Route("/v1/sequences/{id}/{action}", self.act, methods=["POST"]),
            ]
        )

    def _workspace(self, request: Request) -> str | Response:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or key not in WORKSPACES:
            document = {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "detail": "a valid API key is required",
                "code": "unauthenticated",
            }
            return JSONResponse(document, 401, media_type="application/problem+json")
        return WORKSPACES[key]

    async def list(self, request: Request) -> Response:
        workspace = self._workspace(request)
        if isinstance(workspace, Response):
            return workspace
        query = request.query_params
        size, page = int(query.get("size", "10")), int(query.get("page", "1"))
        if not 1 <= size <= 100:
            document = {
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": "size must be between 1 and 100",
                "code": "validation_error",
                "errors": [{"in": "query", "name": "size", "message": "out of range"}],
            }
            return JSONResponse(document, 400, media_type="application/problem+json")
        runs = [r for r in self.runs.values() if r["workspace_id"] == workspace]
        for name in ("status", "template_id"):
            if name in query:
                runs = [r for r in runs if r[name] == query[name]]
        if "created_after" in query:
            runs = [r for r in runs if r["created_at"] > query["created_after"]]
        if "created_before" in query:
            runs = [r for r in runs if r["created_at"] < query["created_before"]]
        sort_by = query.get("sort_by", "created_at")
        # Ties in id order both ways: a stable sort of the runs in id order.
        runs.sort(key=lambda r: r["id"])
        runs.sort(key=lambda r: r[sort_by], reverse=query.get("order", "asc") == "desc")
        total = len(runs)
        pages = math.ceil(total / size)
        items = [
            {k: v for k, v in r.items() if k != "last_step_executed_at"}
            for r in runs[(page - 1) * size : page * size]
        ]
        body = {"items": items, "total": total, "total_pages": pages, "has_more": page < pages}
        return JSONResponse(body)

    def _find(self, request: Request) -> dict[str, Any] | Response:
        workspace = self._workspace(request)
        if isinstance(workspace, Response):
            return workspace
        run = self.runs.get(request.path_params["id"])
        if run is None or run["workspace_id"] != workspace:
            return _error(404, "not found")
        return run

    async def one(self, request: Request) -> Response:
        run = self._find(request)
        if isinstance(run, Response):
            return run
        if request.method == "PATCH":
            changes = (await request.json()).get("variables", {})
            for name, value in changes.items():
                if value is None:
                    run["variables"].pop(name, None)
                else:
                    run["variables"][name] = value
            run["updated_at"] = _now()
        return JSONResponse({**run, "owner_email": "owner@vendor.example"})

    async def act(self, request: Request) -> Response:
        run = self._find(request)
        if isinstance(run, Response):
            return run
        action = request.path_params["action"]
        body = await request.json() if await request.body() else {}
        if action == "pause":
            if run["status"] not in ("ACTIVE", "WAITING_FOR_LEAD"):
                return _error(409, f"cannot pause a {run['status']} sequence")
            if body.get("paused_until", "") <= _now():
                return _error(422, "paused_until must be in the future")
            run["status"] = "WAITING_FOR_LEAD"
        elif action == "resume":
            if run["status"] != "WAITING_FOR_LEAD":
                return _error(409, f"cannot resume a {run['status']} sequence")
            run["status"] = "ACTIVE"
        elif action == "stop":
            if body.get("reason") not in ("WIN", "LOSE"):
                return _error(422, "reason is required")
            if run["status"] in ("SUCCEEDED", "FAILED", "STOPPED_EARLY", "COMPLETED", "REFUSED"):
                return _error(409, f"cannot stop a {run['status']} sequence")
            run["status"] = "STOPPED_EARLY"
        else:
            return _error(404, "not found")
        run["updated_at"] = _now()
        return JSONResponse({**run, "owner_email": "owner@vendor.example"})
