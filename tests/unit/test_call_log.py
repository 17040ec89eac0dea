"""The line `serve` prints per call, and how the lines reach the terminal."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from sequences_mock.call_log import CallLog, call_line
from sequences_mock.state.journal import Entry, Journal

RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"


def entry(**changes: Any) -> Entry:
    values: dict[str, Any] = {
        "seq": 7,
        "time": datetime(2026, 3, 2, 9, tzinfo=UTC),
        "method": "POST",
        "path": f"/v1/sequences/{RUN}/stop",
        "query_string": b"",
        "operation": "stopSequence",
        "path_params": {"sequence_id": RUN},
        "body": b'{"reason": "WIN"}',
        "body_size": 17,
        "status": 200,
        "code": None,
        "contract_violation": None,
        "api_key_suffix": "rite",
        "fault": None,
        "duration_ms": 0.4149,
    }
    values.update(changes)
    return Entry(**values)


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({}, f"#7 POST /v1/sequences/{RUN}/stop 200 0.41ms"),
        (
            {"status": 409, "code": "invalid_state_transition"},
            f"#7 POST /v1/sequences/{RUN}/stop 409 invalid_state_transition 0.41ms",
        ),
        (
            {"method": "GET", "path": "/v1/sequences", "query_string": b"status=ACTIVE&size=2"},
            "#7 GET /v1/sequences?status=ACTIVE&size=2 200 0.41ms",
        ),
        (
            {"status": 503, "code": "service_unavailable", "fault": 3, "duration_ms": 250.0},
            f"#7 POST /v1/sequences/{RUN}/stop 503 service_unavailable fault=3 250.00ms",
        ),
        (
            {"status": 500, "code": "mock_contract_violation", "contract_violation": "x"},
            f"#7 POST /v1/sequences/{RUN}/stop 500 mock_contract_violation CONTRACT-VIOLATION"
            " 0.41ms",
        ),
        (
            {"path": "/v1/sequences/a\nb\x1b[31m"},
            "#7 POST /v1/sequences/a\\nb\\x1b[31m 200 0.41ms",
        ),
    ],
    ids=["ok", "refused", "query", "fault", "violation", "control characters"],
)
def test_a_call_is_one_line_with_what_an_operator_looks_for(
    changes: dict[str, Any], line: str
) -> None:
    """Method, path (and query), status, problem code, fault, duration; never two lines."""
    assert call_line(entry(**changes)) == line + "\n"


def test_outside_an_event_loop_each_line_is_written_at_once() -> None:
    stream = io.StringIO()
    log = CallLog(stream)

    log(entry())

    assert stream.getvalue() == call_line(entry())


def test_in_the_server_loop_lines_go_out_together_within_the_interval() -> None:
    """A burst of calls is one write after `interval`, not a write per call."""
    stream = io.StringIO()
    log = CallLog(stream, interval=0.05)

    async def burst() -> tuple[str, str]:
        for seq in range(1, 4):
            log(entry(seq=seq))
        before = stream.getvalue()
        await asyncio.sleep(0.2)
        return before, stream.getvalue()

    before, after = asyncio.run(burst())

    assert before == ""
    assert [line.split()[0] for line in after.splitlines()] == ["#1", "#2", "#3"]


def test_flush_writes_what_waits_at_shutdown() -> None:
    stream = io.StringIO()
    log = CallLog(stream, interval=60)

    async def one_call() -> None:
        log(entry())

    asyncio.run(one_call())
    assert stream.getvalue() == ""
    log.flush()

    assert stream.getvalue() == call_line(entry())


def test_a_closed_stream_stops_the_log_not_the_server() -> None:
    """Nobody reads any more (a closed pipe): later calls are not logged, and nothing raises."""
    stream = io.StringIO()
    log = CallLog(stream)
    stream.close()

    log(entry())
    log(entry(seq=8))


def test_the_journal_hands_each_new_entry_to_its_listener() -> None:
    journal = Journal(size=2)
    seen: list[Entry] = []
    journal.listener = seen.append
    for status in (200, 404, 409):
        journal.record(
            time=datetime(2026, 3, 2, tzinfo=UTC),
            method="GET",
            path="/v1/sequences",
            query_string=b"",
            operation="listSequences",
            path_params={},
            body=b"",
            status=status,
            code=None,
            contract_violation=None,
            api_key=None,
            fault=None,
            duration_ms=0.1,
        )

    assert [(e.seq, e.status) for e in seen] == [(1, 200), (2, 404), (3, 409)]
