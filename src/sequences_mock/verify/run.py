"""One `verify` run: the read probes, then the write probes on the runs the user named, each
compared with mock worlds; the verify-only choices read off the target's answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sequences_mock.contract.openapi import Contract
from sequences_mock.core.choices import BY_ID
from sequences_mock.core.timestamps import TimestampError, parse_timestamp
from sequences_mock.verify.documents import runs_document
from sequences_mock.verify.inference import Probe, compare_with_worlds, verdict_from_option
from sequences_mock.verify.reads import read_probes
from sequences_mock.verify.report import ChoiceVerdict, Report
from sequences_mock.verify.scenarios import Steps, company_stop, stop_run, write_run
from sequences_mock.verify.session import Session
from sequences_mock.verify.target import BudgetExhausted, Target
from sequences_mock.verify.world import MockWorld

__all__ = ["Plan", "verify"]

#: Per probe, the switchable choices it shows and the steps that show each, in the order they
#: are inferred (a choice's worlds run under those inferred before it).
WRITE_RUN = {
    "variables_view": ["update_remove"],
    "noop_update_timestamp": ["update_noop"],
    "update_from": ["update_set"],
    "pause_from": ["pause"],
    "repause": ["pause_again"],
    "resume_when_not_paused": ["resume_again"],
}
STOP_RUN = {"stop_scope_default": ["stop_without_scope"], "update_from": ["update_stopped"]}
COMPANY_STOP = {"company_stop_scope": ["company_stop"]}
#: The flag that probes a choice no probe reached.
FLAGS = {
    **dict.fromkeys(WRITE_RUN, "--write-run"),
    **dict.fromkeys([*STOP_RUN, "stop_reason", "refused_transition_status"], "--stop-run"),
    "company_stop_scope": "--company-stop-run with --same-company-run",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """The runs the user named, and the only ones written to."""

    write_runs: Sequence[str] = ()
    stop_runs: Sequence[str] = ()
    company_stop_runs: Sequence[str] = ()
    same_company_runs: Sequence[str] = ()
    other_key: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


async def verify(
    target: Target,
    plan: Plan,
    contract: Contract,
    now: Callable[[], datetime] = _now,
    monotonic: Callable[[], float] = time.monotonic,
) -> Report:
    """Probe `target`; requests beyond its budget end the run early (said in the report)."""
    report = Report(target=target.base_url)
    session = Session(target, contract, report)
    started = monotonic()
    try:
        listed = await read_probes(session, plan.other_key)
        await _write_probes(session, plan, _target_now(now(), listed))
    except BudgetExhausted as error:
        report.stopped_early = str(error)
    if not target.dry_run:
        _error_body(session)
        for choice_id, flag in FLAGS.items():
            if choice_id not in report.verdicts:
                why = f"not probed: name a run with {flag}"
                report.choice(choice_id, ChoiceVerdict("not_probed", None, "", why))
    report.requests = target.sent
    report.seconds = monotonic() - started
    return report


def _target_now(wall: datetime, runs: Sequence[Mapping[str, Any]]) -> datetime:
    """The target's now, as far as verify can tell: this machine's, or the latest timestamp the
    target showed when that is later (a sandbox whose clock runs ahead)."""
    latest = wall.replace(microsecond=0)
    for run in runs:
        for name in ("created_at", "updated_at", "last_step_executed_at"):
            try:
                moment = parse_timestamp(str(run.get(name)), clamp=True)
            except TimestampError:
                continue
            latest = max(latest, moment)
    return latest


async def _write_probes(session: Session, plan: Plan, now: datetime) -> None:
    inferred: dict[str, str] = {}
    async with MockWorld() as world:
        for run in plan.write_runs:
            probe = partial(write_run, run_id=run, now=now)
            await _compare(session, world, f"--write-run {run}", probe, WRITE_RUN, inferred, now)
        for run in plan.stop_runs:
            name = f"--stop-run {run}"
            steps = await _compare(
                session, world, name, partial(stop_run, run_id=run), STOP_RUN, inferred, now
            )
            _stop_verdicts(session, name, steps)
        for run in plan.company_stop_runs:
            probe = partial(company_stop, run_id=run, same_company=plan.same_company_runs)
            name = f"--company-stop-run {run}"
            await _compare(session, world, name, probe, COMPANY_STOP, inferred, now, company=True)


async def _compare(
    session: Session,
    world: MockWorld,
    name: str,
    probe: Probe,
    touched: Mapping[str, Sequence[str]],
    inferred: dict[str, str],
    now: datetime,
    *,
    company: bool = False,
) -> Steps:
    session.probe = name
    steps = await probe(session)
    if session.dry_run:
        return steps  # listed only: no answers to build a world from
    if not steps.runs or not all(run.get("id") for run in steps.runs):
        for choice_id in touched:
            why = "a named run could not be read"
            session.report.choice(choice_id, ChoiceVerdict("inconclusive", None, name, why))
        return steps
    ids = [str(run["id"]) for run in steps.runs] if company else []
    keys = {str(steps.runs[0]["workspace_id"]): world.key}
    document = runs_document(steps.runs, keys, now, company_runs=ids)
    verdicts = await compare_with_worlds(name, probe, steps, document, world, touched, inferred)
    for choice_id, verdict in verdicts.items():
        detail = "; ".join([verdict.detail, *steps.notes])
        session.report.choice(choice_id, replace(verdict, detail=detail))
    return steps


def _stop_verdicts(session: Session, name: str, steps: Steps) -> None:
    """The verify-only choices a stop shows: whether `reason` is required, and which status
    refuses a stop of a stopped run."""
    report = session.report
    without = steps.seen.get("stop_without_reason", {}).get("status")
    reason = {422: "required", 200: "optional"}.get(without) if isinstance(without, int) else None
    if reason is not None:
        shown = f"a stop without a reason: {without}"
        report.choice("stop_reason", _verify_only(name, "stop_reason", reason, shown))
    again = steps.seen.get("stop_again", {}).get("status")
    if again in (409, 422, 400):
        shown = f"a second stop: {again}"
        choice_id = "refused_transition_status"
        report.choice(choice_id, _verify_only(name, choice_id, str(again), shown))


def _error_body(session: Session) -> None:
    """Every refusal the target sent was a problem document with a `code`, or not."""
    refusals = [e for e in session.target.exchanges if e.status >= 400]
    if not refusals:
        return
    others = sorted(
        {
            f"{e.operation} {e.status} ({e.media_type})"
            for e in refusals
            if e.media_type != "application/problem+json" or "code" not in e.json_object
        }
    )
    option = "other" if others else "problem_json"
    detail = (
        f"not problem+json with a code: {', '.join(others)}"
        if others
        else (f"{len(refusals)} refusals, each problem+json with a code")
    )
    session.report.choice("error_body", _verify_only("refusals", "error_body", option, detail))


def _verify_only(probe: str, choice_id: str, option: str, shown: str) -> ChoiceVerdict:
    return verdict_from_option(probe, BY_ID[choice_id].default, option, shown)
