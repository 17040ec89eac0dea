"""The line `serve` prints per call, and how the lines reach the terminal."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import UTC, datetime
from pathlib import Path
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
            {"fault": 4, "network": "reset"},
            f"#7 POST /v1/sequences/{RUN}/stop 200 fault=4 network=reset 0.41ms",
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
        (
            {"method": "GET", "path": "/v1/sequences", "warnings": ("statuses", "a\nb")},
            "#7 GET /v1/sequences 200 IGNORED-PARAMETERS=statuses,a\\nb 0.41ms",
        ),
    ],
    ids=[
        "ok",
        "refused",
        "query",
        "fault",
        "network",
        "violation",
        "control characters",
        "warnings",
    ],
)
def test_a_call_is_one_line_with_what_an_operator_looks_for(
    changes: dict[str, Any], line: str
) -> None:
    """Method, path (and query), status, problem code, fault, duration; never two lines."""
    assert call_line(entry(**changes)) == line + "\n"


def test_the_log_writes_exactly_the_line_of_each_call() -> None:
    """Repeated calls differ in number and duration only; a violation is never taken for the
    same call without one; the remembered parts stay bounded."""
    calls = [
        entry(seq=1),
        entry(seq=2, duration_ms=12.5),
        entry(seq=3, status=500, code="mock_contract_violation", contract_violation="x"),
        entry(seq=4, status=500, code="mock_contract_violation"),
        entry(seq=5),
        *(entry(seq=6 + n, query_string=b"n=%d" % n) for n in range(CallLog.MIDDLES + 5)),
        entry(seq=9999),
    ]
    stream = io.StringIO()
    log = CallLog(stream)

    for call in calls:
        log(call)
    log.drain()

    assert stream.getvalue() == "".join(call_line(call) for call in calls)
    assert len(log._middles) <= CallLog.MIDDLES


def test_outside_an_event_loop_each_line_is_written_at_once() -> None:
    stream = io.StringIO()
    log = CallLog(stream)

    log(entry())
    log.drain()

    assert stream.getvalue() == call_line(entry())


def test_in_the_server_loop_a_burst_is_one_write_after_the_first_line() -> None:
    """The first call after a quiet spell shows at once; the burst behind it waits for the
    interval and goes out in one write; after a quiet interval the next line is immediate."""
    stream = io.StringIO()
    log = CallLog(stream, interval=0.05)

    def numbers() -> list[str]:
        log.drain()
        return [line.split()[0] for line in stream.getvalue().splitlines()]

    async def calls() -> list[list[str]]:
        seen = []
        for seq in range(1, 4):
            log(entry(seq=seq))
        seen.append(numbers())
        await asyncio.sleep(0.08)
        seen.append(numbers())
        await asyncio.sleep(0.1)
        log(entry(seq=4))
        seen.append(numbers())
        return seen

    first, after_interval, after_quiet = asyncio.run(calls())

    assert first == ["#1"]
    assert after_interval == ["#1", "#2", "#3"]
    assert after_quiet == ["#1", "#2", "#3", "#4"]


def test_close_writes_what_waits_at_shutdown() -> None:
    stream = io.StringIO()
    log = CallLog(stream, interval=60)

    async def two_calls() -> None:
        log(entry(seq=1))
        log(entry(seq=2))

    asyncio.run(two_calls())
    log.drain()
    assert stream.getvalue() == call_line(entry(seq=1))
    log.close()

    assert stream.getvalue() == call_line(entry(seq=1)) + call_line(entry(seq=2))


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


class StalledStream(io.StringIO):
    """An output nobody reads: each write waits until `go` is set (a full pipe, Ctrl-S)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    def write(self, text: str) -> int:
        self.go.wait()
        return super().write(text)


def test_a_stalled_output_drops_and_counts_lines_and_never_blocks_the_caller() -> None:
    """With the output taken by nothing, calls go on at once; past the budget lines are dropped
    and counted, and the count is written once the output takes text again."""
    stream = StalledStream()
    log = CallLog(stream, budget=10 * len(call_line(entry())))

    for seq in range(1, 101):
        log(entry(seq=seq))  # outside a loop each line is handed over at once
    dropped = log.dropped
    stream.go.set()
    log.drain()
    log(entry(seq=101))
    log.drain()

    assert 80 <= dropped < 100
    lines = stream.getvalue().splitlines()
    assert f"# {dropped} call lines dropped: the output was full" in lines
    assert lines[-1].startswith("#101 ")


def test_a_regular_file_has_each_line_once_the_call_is_answered(tmp_path: Path) -> None:
    """`serve > file` then reading the file at once (a CI step) finds every answered call."""
    with (tmp_path / "calls.log").open("w") as stream:
        log = CallLog(stream)
        log(entry())

        assert (tmp_path / "calls.log").read_text() == call_line(entry())
