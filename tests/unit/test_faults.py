"""Queued faults in `sequences_mock.faults`: first queued first used, spent after `times` calls."""

from __future__ import annotations

import pytest

from sequences_mock.state.faults import ANY_OPERATION, Faults


def test_a_new_fault_has_an_id_and_defaults() -> None:
    """A fault applies once, without delay, status or Retry-After unless told; ids count up."""
    faults = Faults()

    first = faults.add("listSequences", status=503)
    second = faults.add("getSequence", delay_ms=20)

    assert (first.id, first.times, first.delay_ms, first.retry_after) == (1, 1, 0, None)
    assert (second.id, second.status, second.delay_ms) == (2, None, 20)
    assert faults.pending == [first, second]


def test_nothing_pending_means_no_fault() -> None:
    """With no faults queued every call goes through untouched."""
    faults = Faults()

    assert faults.take("listSequences") is None
    assert not faults


def test_times_counts_down_and_a_spent_fault_is_gone() -> None:
    """A fault for 3 calls meets exactly the next 3 matching calls; pending shows what is left."""
    faults = Faults()
    fault = faults.add("pauseSequence", status=409, times=3)

    remaining = []
    for _ in range(3):
        taken = faults.take("pauseSequence")
        assert taken is not None
        assert (taken.id, taken.status) == (fault.id, 409)
        remaining.append([pending.times for pending in faults.pending])

    assert remaining == [[2], [1], []]
    assert faults.take("pauseSequence") is None
    assert not faults


def test_the_first_queued_matching_fault_is_used_first() -> None:
    """Faults for the same operation are used in the order they were queued."""
    faults = Faults()
    first = faults.add("listSequences", status=503, times=2)
    second = faults.add(ANY_OPERATION, status=429)

    taken = [faults.take("listSequences") for _ in range(4)]

    assert [fault.id if fault else None for fault in taken] == [first.id, first.id, second.id, None]


def test_a_fault_for_one_operation_lets_others_through() -> None:
    """An operation-specific fault is skipped by other operations and stays pending for its own."""
    faults = Faults()
    pause = faults.add("pauseSequence", status=503)
    anything = faults.add(ANY_OPERATION, status=500)

    assert faults.take("getSequence") == anything
    assert faults.take("getSequence") is None
    assert faults.pending == [pause]
    assert faults.take("pauseSequence") == pause


@pytest.mark.parametrize(
    "operation",
    [
        "listSequences",
        "getSequence",
        "updateSequence",
        "pauseSequence",
        "resumeSequence",
        "stopSequence",
    ],
)
def test_any_operation_matches_every_operation(operation) -> None:
    """A fault queued for "*" is met by whichever operation is called next."""
    faults = Faults()
    fault = faults.add(ANY_OPERATION, status=503)

    assert faults.take(operation) == fault


def test_clear_drops_every_pending_fault() -> None:
    """After clear no call meets a fault."""
    faults = Faults()
    faults.add("listSequences", status=503, times=5)
    faults.add(ANY_OPERATION, delay_ms=10)

    faults.clear()

    assert faults.pending == []
    assert not faults
    assert faults.take("listSequences") is None


@pytest.mark.parametrize("times", [0, -1])
def test_a_fault_applies_at_least_once(times) -> None:
    """times below 1 is refused and queues nothing."""
    faults = Faults()

    with pytest.raises(ValueError, match="at least once"):
        faults.add("listSequences", status=503, times=times)

    assert faults.pending == []
