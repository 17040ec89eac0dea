"""The JSON shapes of the control plane (declared in control.openapi.yaml): journal entries,
coverage, faults, the clock."""

from __future__ import annotations

from typing import Any, NamedTuple

from starlette.datastructures import QueryParams

from sequences_mock.contract.openapi import Contract
from sequences_mock.contract.validation import parse_json
from sequences_mock.core.choices import REGISTER, Choices
from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import Sequence
from sequences_mock.core.errors import MalformedJson
from sequences_mock.core.events import Event
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.fixtures.records import run_record
from sequences_mock.state.faults import Fault
from sequences_mock.state.feed import Feed, FeedItem
from sequences_mock.state.history import Cause, Record
from sequences_mock.state.journal import Entry, Journal
from sequences_mock.state.runtime import Runtime
from sequences_mock.state.store import Store

__all__ = [
    "choices_view",
    "clock_change_view",
    "clock_view",
    "coverage_rows",
    "coverage_view",
    "entry_view",
    "events_view",
    "fault_view",
    "history_view",
    "run_view",
    "world_summary",
]


def clock_view(clock: Clock) -> dict[str, Any]:
    return {"now": format_timestamp(clock.now()), "frozen": clock.frozen}


def clock_change_view(clock: Clock, recorded_before: int, recorded_after: int) -> dict[str, Any]:
    """The clock after a change, and the `seq` range of the events it fired."""
    fired = recorded_after - recorded_before
    return {
        **clock_view(clock),
        "fired": fired,
        "first_seq": recorded_before + 1 if fired else None,
        "last_seq": recorded_after if fired else None,
    }


def choices_view(choices: Choices) -> dict[str, Any]:
    """The register, in order, with `choices`' current option for each."""
    return {
        "choices": [
            {
                "id": choice.id,
                "question": choice.question,
                "options": list(choice.options),
                "default": choice.default,
                "current": choices[choice.id],
                "switchable": choice.switchable,
                "docs": choice.docs,
            }
            for choice in REGISTER
        ]
    }


def world_summary(runtime: Runtime) -> dict[str, Any]:
    return {"clock": clock_view(runtime.clock), "counts": runtime.store.counts()}


def entry_view(entry: Entry) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for name, value in QueryParams(entry.query_string).multi_items():
        previous = query.get(name)
        query[name] = value if previous is None else [*_as_list(previous), value]
    view: dict[str, Any] = {
        "seq": entry.seq,
        "time": format_timestamp(entry.time),
        "method": entry.method,
        "path": entry.path,
        "query": query,
        "operation": entry.operation,
        "path_params": dict(entry.path_params),
        "body": None,
        "status": entry.status,
        "code": entry.code,
        "contract_violation": entry.contract_violation,
        "api_key": f"…{entry.api_key_suffix}" if entry.api_key_suffix is not None else None,
        "fault": entry.fault,
        "network": entry.network,
        "violations": list(entry.violations),
        "duration_ms": round(entry.duration_ms, 3),
        "warnings": [
            {
                "in": "query",
                "name": name,
                "message": f"is not a query parameter of {entry.operation}; it was ignored",
            }
            for name in entry.warnings
        ],
    }
    if entry.path_size:
        view["path_truncated_from"] = entry.path_size
    if entry.query_size:
        view["query_truncated_from"] = entry.query_size
    if entry.body:
        if entry.body_size > len(entry.body):
            view["body_text"] = entry.body.decode("utf-8", "replace")
            view["body_truncated_from"] = entry.body_size
        else:
            try:
                view["body"] = parse_json(entry.body)
            except MalformedJson:
                view["body_text"] = entry.body.decode("utf-8", "replace")
    return view


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class CoverageRow(NamedTuple):
    """What the coverage of one operation says whatever its calls: read once from the contract."""

    operation: str
    method: str
    path: str
    declared: list[int]


def coverage_rows(contract: Contract) -> list[CoverageRow]:
    return [
        CoverageRow(op.operation_id, op.method, op.path, sorted(op.responses))
        for op in contract.operations
    ]


def coverage_view(rows: list[CoverageRow], journal: Journal) -> dict[str, Any]:
    """Per operation (`coverage_rows` of the contract): calls, responses per status, declared
    statuses exercised."""
    operations = []
    called = declared_count = exercised_count = 0
    for operation_id, method, path, declared in rows:
        calls, statuses = journal.tally(operation_id)
        called += calls > 0
        declared_count += len(declared)
        exercised_count += sum(status in statuses for status in declared)
        operations.append(
            {
                "operation": operation_id,
                "method": method,
                "path": path,
                "calls": calls,
                "statuses": {str(status): n for status, n in sorted(statuses.items())},
                "declared": list(declared),
                "exercised": [status for status in declared if status in statuses],
                "unexercised": [status for status in declared if status not in statuses],
                "undeclared": sorted(status for status in statuses if status not in declared),
            }
        )
    unmatched_calls, unmatched = journal.tally(None)
    return {
        "operations": operations,
        "unmatched": {
            "calls": unmatched_calls,
            "statuses": {str(status): n for status, n in sorted(unmatched.items())},
        },
        "summary": {
            "operations": len(operations),
            "operations_called": called,
            "declared_statuses": declared_count,
            "exercised_statuses": exercised_count,
            "warned_calls": journal.warned,
        },
    }


def fault_view(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "operation": fault.operation,
        "status": fault.status,
        "times": fault.times,
        "delay_ms": fault.delay_ms,
        "retry_after": fault.retry_after,
        "network": fault.network,
    }


def run_view(store: Store, sequence: Sequence) -> dict[str, Any]:
    """A run in the fixture format, as `/__mock/state` shows it."""
    template = store.template(sequence.template_id)
    return run_record(sequence, template is not None and bool(template.steps))


def history_view(sequence_id: str, records: list[Record], dropped: int) -> dict[str, Any]:
    return {
        "sequence_id": sequence_id,
        "events": [
            _event_view(record.event, record.cause, record.request_seq) for record in records
        ],
        "dropped": dropped,
    }


def events_view(items: list[FeedItem], feed: Feed) -> dict[str, Any]:
    return {
        "events": [
            {
                "seq": item.seq,
                "sequence_id": item.sequence_id,
                **_event_view(item.event, item.cause, item.request_seq),
            }
            for item in items
        ],
        "recorded": feed.recorded,
        "dropped": feed.dropped,
        "size": feed.size,
    }


def _event_view(event: Event, cause: Cause, request_seq: int | None) -> dict[str, Any]:
    return {
        "at": format_timestamp(event.at),
        "event": event.kind.value,
        "from": event.before.value if event.before else None,
        "to": event.after.value if event.after else None,
        "step": event.step,
        "cause": cause.value,
        "request_seq": request_seq,
    }
