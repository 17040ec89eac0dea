"""Per-run history in `sequences_mock.state.history`: order, causes, the per-run bound."""

from __future__ import annotations

from datetime import timedelta

import pytest

from builders import NOW
from sequences_mock.core.domain import Status
from sequences_mock.core.events import Event, EventKind
from sequences_mock.core.ids import IdSource
from sequences_mock.state.history import Cause, History

T0 = NOW
RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"


def step(n: int) -> Event:
    return Event(T0 + timedelta(hours=n), EventKind.STEP_RAN, Status.ACTIVE, Status.ACTIVE, n)


def test_records_keep_order_and_cause() -> None:
    history = History()
    history.record(RUN, [step(0), step(1)], Cause.CLOCK)
    paused = Event(T0, EventKind.PAUSED, Status.ACTIVE, Status.WAITING_FOR_LEAD)
    history.record(RUN, [paused], Cause.API, request_seq=7)
    records = history.of(RUN)
    assert [record.event.step for record in records] == [0, 1, None]
    assert [(r.cause, r.request_seq) for r in records] == [("clock", None)] * 2 + [("api", 7)]
    assert history.of("another") == []


def test_each_run_keeps_at_most_its_bound_and_counts_what_it_dropped() -> None:
    history = History(per_run=3)
    history.record(RUN, [step(n) for n in range(5)], Cause.CLOCK)
    history.record(RUN, [step(5)], Cause.CLOCK)
    assert [record.event.step for record in history.of(RUN)] == [3, 4, 5]
    assert history.dropped(RUN) == 3
    assert len(history) == 3


def test_forget_and_clear() -> None:
    history = History()
    history.record(RUN, [step(0)], Cause.CLOCK)
    history.record("other", [step(0)], Cause.CLOCK)
    history.forget([RUN])
    assert (history.of(RUN), len(history)) == ([], 1)
    history.clear()
    assert len(history) == 0


def test_a_history_keeps_at_least_one_event() -> None:
    with pytest.raises(ValueError, match="at least one"):
        History(per_run=0)


def test_ids_are_lower_case_uuid4_and_repeat_after_a_restart() -> None:
    ids = IdSource(seed=3)
    first = [ids.new() for _ in range(3)]
    assert all(len(i) == 36 and i == i.lower() and i[14] == "4" for i in first)
    assert len(set(first)) == 3
    ids.restart()
    assert [ids.new() for _ in range(3)] == first
    assert IdSource(seed=4).new() != first[0]


def test_every_run_together_keeps_at_most_the_total() -> None:
    """One clock move over 100,000 runs of 100 steps once kept 10 million events (2 GB): past
    the total, the runs recorded least recently lose their history, counted as dropped."""
    history = History(per_run=10, total=50)
    runs = [f"run-{n}" for n in range(20)]
    for run in runs:
        history.record(run, [step(n) for n in range(5)], Cause.CLOCK)
    history.record(runs[0], [step(5)], Cause.API)  # recorded again: now the most recent

    assert len(history) <= 50
    assert history.of(runs[1]) == []
    assert history.dropped(runs[1]) == 5
    assert [record.event.step for record in history.of(runs[0])] == [5]
    assert [record.event.step for record in history.of(runs[-1])] == [0, 1, 2, 3, 4]
