"""`proxy --record`: the runs seen through the proxy, kept as last read, written as a fixture
the mock serves (`serve --fixtures`)."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from sequences_mock.core.domain import Status
from sequences_mock.core.timestamps import TimestampError, parse_timestamp
from sequences_mock.verify.documents import PUBLIC_FIELDS, runs_document

__all__ = ["MAX_RECORDED_RUNS", "Recorder"]

#: Runs a recording keeps; past it the run read longest ago is dropped.
MAX_RECORDED_RUNS = 10_000
_STATUSES = frozenset(status.value for status in Status)
_RUN_OPERATIONS = frozenset(
    {"getSequence", "updateSequence", "pauseSequence", "resumeSequence", "stopSequence"}
)


class Recorder:
    """The runs in the upstream's 200 answers, by id, the last read of each winning."""

    def __init__(self, path: Path, max_runs: int = MAX_RECORDED_RUNS) -> None:
        self.path = path
        self.max_runs = max_runs
        self._runs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        #: One generated key per workspace, made once: never the key a caller sent.
        self._keys: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._runs)

    def saw(self, operation: str | None, status: int, body: Any) -> None:
        """Keep the runs of a 200 answer: each with every public field the mock needs and a
        status it knows (a field the contract does not name is left out of the fixture)."""
        if status != 200 or not isinstance(body, dict):
            return
        if operation == "listSequences":
            items = body.get("items")
            for item in items if isinstance(items, list) else []:
                self._keep(item)
        elif operation in _RUN_OPERATIONS:
            self._keep(body)

    def _keep(self, run: Any) -> None:
        if not isinstance(run, dict) or not _recordable(run):
            return
        self._runs.pop(run["id"], None)
        self._runs[run["id"]] = run
        workspace = run.get("workspace_id")
        if isinstance(workspace, str) and workspace not in self._keys:
            self._keys[workspace] = "sk_recorded_" + secrets.token_hex(12)
        while len(self._runs) > self.max_runs:
            self._runs.popitem(last=False)

    def document(self) -> dict[str, Any]:
        """The fixture: its clock frozen at the latest moment the runs show (or now)."""
        runs = list(self._runs.values())
        workspaces = {run["workspace_id"] for run in runs}
        keys = {ws: key for ws, key in self._keys.items() if ws in workspaces}
        return runs_document(runs, keys, _latest(runs), frozen=True)

    def write(self) -> None:
        """Write the fixture (an empty world when nothing was recorded)."""
        text = yaml.safe_dump(self.document(), sort_keys=False, allow_unicode=True)
        header = "# Recorded by `sequences-mock proxy --record`: runs as the upstream answered.\n"
        self.path.write_text(header + text, encoding="utf-8")


def _recordable(run: dict[str, Any]) -> bool:
    return (
        all(name in run for name in PUBLIC_FIELDS)
        and all(isinstance(run.get(name), str) for name in ("id", "workspace_id", "template_id"))
        and run.get("status") in _STATUSES
        and isinstance(run.get("variables"), dict)
    )


def _latest(runs: list[dict[str, Any]]) -> datetime:
    latest = datetime.now(UTC).replace(microsecond=0)
    for run in runs:
        for name in ("created_at", "updated_at", "last_step_executed_at"):
            try:
                latest = max(latest, parse_timestamp(str(run.get(name)), clamp=True))
            except TimestampError:
                continue
    return latest
