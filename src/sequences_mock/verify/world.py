"""An in-process mock whose world is built from what the target returned, so that one probe can
run on it under each option of a choice and be compared with the target's answers."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from sequences_mock.app import create_app
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.settings import Settings
from sequences_mock.verify.target import OWN_KEY, Exchange, exchange_of

__all__ = ["MockWorld", "world_document"]

FINISHED = frozenset({"SUCCEEDED", "FAILED", "STOPPED_EARLY", "COMPLETED", "REFUSED"})
#: One manual step a long way off: a WAITING_FOR_USER run has a task to wait on, and no run
#: moves by itself while a probe runs.
_STUB_STEPS = [{"type": "task", "wait": "P3650D"}]


def world_document(
    runs: Iterable[Mapping[str, Any]],
    key: str,
    now: datetime,
    company_runs: Iterable[str] = (),
) -> dict[str, Any]:
    """A fixture holding `runs` as the target returned them, in the workspace of the first, with
    `key` for it; the contacts of `company_runs` all work at one company, every other contact
    at none. Contact lists are stubs, and so are templates, whose defaults are the variables
    their runs showed (a run shows the same under either `variables_view` then); the clock
    runs from `now`."""
    runs = [dict(run) for run in runs]
    workspace = str(runs[0]["workspace_id"])
    together = set(company_runs)
    company = str(uuid.uuid4())
    contacts: dict[str, str | None] = {}
    templates: dict[str, dict[str, str]] = {}
    lists: set[str] = set()
    sequences = []
    for run in runs:
        contact = run.get("contact_id")
        if isinstance(contact, str):
            contacts[contact] = company if run["id"] in together else contacts.get(contact)
        templates.setdefault(str(run["template_id"]), {}).update(run.get("variables") or {})
        if isinstance(run.get("contact_list_id"), str):
            lists.add(run["contact_list_id"])
        sequences.append(_mock_run(run, workspace, now))
    return {
        "clock": {"now": format_timestamp(now), "frozen": False},
        "workspaces": [{"id": workspace, "name": "verify"}],
        "api_keys": [
            {"key": key, "workspace_id": workspace, "scopes": ["sequences:read", "sequences:write"]}
        ],
        "companies": [{"id": company, "workspace_id": workspace, "name": "verify"}],
        "contacts": [
            {
                "id": contact,
                "workspace_id": workspace,
                "company_id": company_id,
                "first_name": "Verify",
                "last_name": contact[:8],
                "email": f"{contact[:8]}@verify.invalid",
            }
            for contact, company_id in contacts.items()
        ],
        "templates": [
            {
                "id": template,
                "workspace_id": workspace,
                "name": "verify",
                "variables": variables,
                "steps": _STUB_STEPS,
            }
            for template, variables in templates.items()
        ],
        "contact_lists": [
            {"id": id_, "workspace_id": workspace, "name": "verify"} for id_ in sorted(lists)
        ],
        "sequences": sequences,
    }


def _mock_run(run: Mapping[str, Any], workspace: str, now: datetime) -> dict[str, Any]:
    """A run as read, with what the mock needs and the public API does not show."""
    fields = [
        "id",
        "template_id",
        "contact_id",
        "status",
        "variables",
        "contact_list_id",
        "last_step_executed_at",
        "created_at",
        "updated_at",
    ]
    record = {name: run.get(name) for name in fields}
    record["workspace_id"] = workspace
    record["variables"] = dict(run.get("variables") or {})
    status = record["status"]
    if status == "WAITING_FOR_LEAD":
        record["paused_until"] = format_timestamp(now + timedelta(days=1))
    elif status == "STOPPED_EARLY":
        record["stop_reason"] = "LOSE"
    record["next_step"] = 1 if status in FINISHED else 0
    return record


class MockWorld:
    """A mock app in this process, reached over ASGI; `load` replaces its world."""

    def __init__(self) -> None:
        self.key = "sk_verify_" + secrets.token_hex(12)
        self._app = create_app(Settings())
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self._app), base_url="http://verify.invalid"
        )

    async def __aenter__(self) -> MockWorld:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.aclose()

    async def load(self, document: Mapping[str, Any], choices: Mapping[str, str]) -> None:
        """Seed `document`, then switch `choices`; a refusal is a bug of `verify`: it raises."""
        seeded = await self._client.post("/__mock/seed", json=document)
        if seeded.status_code != 200:
            raise RuntimeError(f"verify built a world the mock refused: {seeded.text}")
        if choices:
            switched = await self._client.post("/__mock/choices", json={"choices": dict(choices)})
            if switched.status_code != 200:
                raise RuntimeError(f"the mock refused choices {dict(choices)}: {switched.text}")

    async def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        json: Any = None,
        key: str | None = OWN_KEY,
    ) -> Exchange:
        token = self.key if key == OWN_KEY else key
        headers = {"authorization": f"Bearer {token}"} if token is not None else {}
        items = tuple((query or {}).items())
        response = await self._client.request(
            method, path, params=list(items), json=json, headers=headers
        )
        return exchange_of(operation, method, path, items, response)
