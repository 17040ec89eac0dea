"""A fixture document holding runs as a target returned them: what `verify` builds its mock
worlds from, and what `proxy --record` writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sequences_mock.core.domain import Status
from sequences_mock.core.lifecycle import NON_TERMINAL
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.fixtures.records import SEQUENCE_RECORD_FIELDS

__all__ = ["PUBLIC_FIELDS", "runs_document"]

FINISHED = frozenset(status.value for status in Status if status not in NON_TERMINAL)
#: One manual step a long way off: a WAITING_FOR_USER run has a task to wait on, and no run
#: moves by itself for ten years.
_STUB_STEPS = [{"type": "task", "wait": "P3650D"}]
#: How long after the clock's start a run waiting on a deadline the API does not show moves on.
_HIDDEN_DEADLINE = timedelta(days=1)
#: A run's fields the public API shows, but its workspace (which a document has as it is).
PUBLIC_FIELDS = tuple(name for name in SEQUENCE_RECORD_FIELDS if name != "workspace_id")


def runs_document(
    runs: Iterable[Mapping[str, Any]],
    keys: Mapping[str, str],
    now: datetime,
    *,
    company_runs: Iterable[str] = (),
    frozen: bool = False,
) -> dict[str, Any]:
    """A fixture holding `runs` as read, in their workspaces, with `keys` ({workspace id: key},
    both scopes). The contacts of `company_runs` work at one company, every other contact at
    none. Contact lists are stubs, and so are templates, whose defaults are the variables their
    runs showed (a run shows the same under either `variables_view` then). The clock starts at
    `now`; a WAITING_FOR_LEAD run resumes and a FOUND run activates a day later (neither deadline
    is public; a FOUND run seeded without one would be due at once, so read as ACTIVE)."""
    runs = [dict(run) for run in runs]
    together = set(company_runs)
    workspaces = list(dict.fromkeys([*(str(run["workspace_id"]) for run in runs), *keys]))
    companies = {workspace: str(uuid.uuid4()) for workspace in workspaces}
    contacts: dict[str, tuple[str, str | None]] = {}
    templates: dict[str, tuple[str, dict[str, str]]] = {}
    lists: dict[str, str] = {}
    for run in runs:
        workspace = str(run["workspace_id"])
        contact = run.get("contact_id")
        if isinstance(contact, str):
            company = companies[workspace] if run["id"] in together else None
            contacts[contact] = (workspace, company or contacts.get(contact, ("", None))[1])
        template = templates.setdefault(str(run["template_id"]), (workspace, {}))
        template[1].update(run.get("variables") or {})
        if isinstance(run.get("contact_list_id"), str):
            lists[run["contact_list_id"]] = workspace
    return {
        "clock": {"now": format_timestamp(now), "frozen": frozen},
        "workspaces": [{"id": workspace, "name": "recorded"} for workspace in workspaces],
        "api_keys": [
            {"key": key, "workspace_id": workspace, "scopes": ["sequences:read", "sequences:write"]}
            for workspace, key in keys.items()
        ],
        "companies": [
            {"id": company, "workspace_id": workspace, "name": "recorded"}
            for workspace, company in companies.items()
        ],
        "contacts": [
            {
                "id": contact,
                "workspace_id": workspace,
                "company_id": company,
                "first_name": "Recorded",
                "last_name": contact[:8],
                "email": f"{contact[:8]}@recorded.invalid",
            }
            for contact, (workspace, company) in contacts.items()
        ],
        "templates": [
            {
                "id": template,
                "workspace_id": workspace,
                "name": "recorded",
                "variables": variables,
                "steps": [dict(step) for step in _STUB_STEPS],
            }
            for template, (workspace, variables) in templates.items()
        ],
        "contact_lists": [
            {"id": list_id, "workspace_id": workspace, "name": "recorded"}
            for list_id, workspace in lists.items()
        ],
        "sequences": [_mock_run(run, now) for run in runs],
    }


def _mock_run(run: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """A run as read, with what the mock needs and the public API does not show."""
    record = {name: run.get(name) for name in PUBLIC_FIELDS}
    record["workspace_id"] = str(run["workspace_id"])
    record["variables"] = dict(run.get("variables") or {})
    status = record["status"]
    if status == "WAITING_FOR_LEAD":
        record["paused_until"] = format_timestamp(now + _HIDDEN_DEADLINE)
    elif status == "FOUND":
        record["next_step_at"] = format_timestamp(now + _HIDDEN_DEADLINE)
    elif status == "STOPPED_EARLY":
        record["stop_reason"] = "LOSE"
    record["next_step"] = 1 if status in FINISHED else 0
    return record
