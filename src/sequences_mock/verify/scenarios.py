"""The stateful probes: one script per kind of run the user names, run alike on the target and
on mock worlds. Each returns what matters of each step (status code, the run's status, which
runs changed, what `variables` kept), never a timestamp's value: only whether one moved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.verify.checks import instant
from sequences_mock.verify.target import Caller, Exchange

__all__ = ["PROBE_VARIABLE", "Steps", "company_stop", "stop_run", "write_run"]

#: A `paused_until` in the past whatever the target's clock says.
LONG_AGO = {"paused_until": "2000-01-01T00:00:00Z"}
#: The variable a write probe sets and removes again.
PROBE_VARIABLE = "sequences_mock_verify"


@dataclass
class Steps:
    """What each step of a probe showed, by step name; `skipped` says why a step did not run."""

    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    #: The runs the probe read first, as the target returned them (a world is built from them).
    runs: list[dict[str, Any]] = field(default_factory=list)
    #: What the probe saw beyond the compared steps, for the report.
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, exchange: Exchange, **more: Any) -> None:
        self.seen[name] = {"status": exchange.status, "run_status": _run_status(exchange), **more}


def _run_status(exchange: Exchange) -> Any:
    return exchange.json_object.get("status") if exchange.status == 200 else None


def _variables(exchange: Exchange) -> dict[str, Any]:
    variables = exchange.json_object.get("variables")
    return variables if isinstance(variables, dict) else {}


def _later(after: Exchange, before: Exchange) -> bool | None:
    """Whether `after`'s `updated_at` is later than `before`'s (None when either has none)."""
    first, second = before.json_object.get("updated_at"), after.json_object.get("updated_at")
    if not isinstance(first, str) or not isinstance(second, str):
        return None
    return instant(second) > instant(first)


def _at(moment: datetime) -> dict[str, str]:
    return {"paused_until": format_timestamp(moment)}


async def write_run(caller: Caller, run_id: str, now: datetime) -> Steps:
    """Update (set, the same again, remove), pause, pause again, resume, resume again, pause in
    the past; then put the variables and a pause back as far as the API allows."""
    path = f"/v1/sequences/{run_id}"
    steps = Steps()
    before = await caller.call("getSequence", "GET", path)
    steps.runs.append(before.json_object)
    original = _variables(before)
    update = "updateSequence", "PATCH", path
    first = await caller.call(*update, json={"variables": {PROBE_VARIABLE: "1"}})
    steps.add("update_set", first, has_variable=PROBE_VARIABLE in _variables(first))
    same = await caller.call(*update, json={"variables": {PROBE_VARIABLE: "1"}})
    removal = dict.fromkeys([*original, PROBE_VARIABLE])
    removed = await caller.call(*update, json={"variables": removal})
    kept = sorted(name for name in original if name in _variables(removed))
    steps.add("update_remove", removed, defaults_show=bool(kept))
    if _later(removed, first):
        steps.add("update_noop", same, touched=_later(same, first))
    else:
        steps.skipped["update_noop"] = (
            "updated_at did not move across two updates that changed something (a clock that "
            "stands still, or one-second timestamps)"
        )
    if original:
        await caller.call(*update, json={"variables": original})
    pause = "pauseSequence", "POST", f"{path}/pause"
    steps.add("pause", await caller.call(*pause, json=_at(now + timedelta(days=1))))
    steps.add("pause_again", await caller.call(*pause, json=_at(now + timedelta(days=2))))
    resume = "resumeSequence", "POST", f"{path}/resume"
    steps.add("resume", await caller.call(*resume))
    steps.add("resume_again", await caller.call(*resume))
    steps.add("pause_in_the_past", await caller.call(*pause, json=LONG_AGO))
    if before.json_object.get("status") == "WAITING_FOR_LEAD":
        # Its old deadline is not public: paused again for a day.
        await caller.call(*pause, json=_at(now + timedelta(days=1)))
    return steps


async def stop_run(caller: Caller, run_id: str) -> Steps:
    """Stop without a reason, without a scope, then with both (CONTACT); update the stopped
    run and take that back; stop it again."""
    path = f"/v1/sequences/{run_id}"
    steps = Steps()
    before = await caller.call("getSequence", "GET", path)
    steps.runs.append(before.json_object)
    stop = "stopSequence", "POST", f"{path}/stop"
    no_reason = await caller.call(*stop, json={"scope": "CONTACT"})
    steps.add("stop_without_reason", no_reason)
    if no_reason.status == 200:
        steps.skipped["stop_without_scope"] = "the stop without a reason already stopped the run"
    else:
        no_scope = await caller.call(*stop, json={"reason": "LOSE"})
        steps.add("stop_without_scope", no_scope)
        if no_scope.status != 200:
            await caller.call(*stop, json={"reason": "LOSE", "scope": "CONTACT"})
    update = "updateSequence", "PATCH", path
    changed = await caller.call(*update, json={"variables": {PROBE_VARIABLE: "1"}})
    steps.add("update_stopped", changed)
    if changed.status == 200:
        await caller.call(*update, json={"variables": {PROBE_VARIABLE: None}})
    steps.add("stop_again", await caller.call(*stop, json={"reason": "LOSE", "scope": "CONTACT"}))
    return steps


async def company_stop(caller: Caller, run_id: str, same_company: Sequence[str]) -> Steps:
    """Stop a run with scope COMPANY; which of the runs named as being at its company ended
    (and which other runs of its template, listed before and after)."""
    steps = Steps()
    before = await caller.call("getSequence", "GET", f"/v1/sequences/{run_id}")
    steps.runs.append(before.json_object)
    template = before.json_object.get("template_id")
    listed_before = await _template_runs(caller, template)
    named_before = {}
    for other in same_company:
        named_before[other] = await caller.call("getSequence", "GET", f"/v1/sequences/{other}")
        steps.runs.append(named_before[other].json_object)
    body = {"reason": "LOSE", "scope": "COMPANY"}
    stopped = await caller.call("stopSequence", "POST", f"/v1/sequences/{run_id}/stop", json=body)
    ended = []
    for other, read in named_before.items():
        after = await caller.call("getSequence", "GET", f"/v1/sequences/{other}")
        was, now = read.json_object.get("status"), after.json_object.get("status")
        if was != now and now == "STOPPED_EARLY":
            ended.append(f"{other} ({was})")
    steps.add("company_stop", stopped, ended=sorted(ended))
    listed_after = await _template_runs(caller, template)
    others = sorted(
        f"{run} ({status})"
        for run, status in listed_before.items()
        if run != run_id and run not in named_before and listed_after.get(run) != status
    )
    if others:
        steps.notes.append(f"other runs of the template changed too: {', '.join(others)}")
    return steps


async def _template_runs(caller: Caller, template: Any) -> Mapping[str, Any]:
    """The first hundred runs of `template`, by id, with their status."""
    if not isinstance(template, str):
        return {}
    query = {"template_id": template, "size": "100"}
    page = await caller.call("listSequences", "GET", "/v1/sequences", query=query)
    items = page.json_object.get("items")
    return {
        item["id"]: item.get("status")
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and "id" in item
    }
