"""Queued faults in `sequences_mock.faults`: first queued first used, spent after `times` calls."""

from __future__ import annotations

import pytest

from sequences_mock.contract.openapi import CONTROL_OPENAPI, Contract
from sequences_mock.core.errors import ValidationFailed
from sequences_mock.state.faults import ANY_OPERATION, MAX_PENDING, Faults, NetworkFault


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


def test_a_network_fault_is_one_the_mock_knows() -> None:
    faults = Faults()

    with pytest.raises(ValueError, match="no network fault 'slow'"):
        faults.add("listSequences", network="slow")

    assert faults.pending == []


def test_the_network_faults_are_the_documented_ones() -> None:
    """control.openapi.yaml's enum and the queue's list are the same."""
    schema = Contract.load(CONTROL_OPENAPI).document["components"]["schemas"]["NetworkFault"]
    assert tuple(schema["enum"]) == tuple(NetworkFault)


def test_first_queued_first_used_across_an_operation_and_any() -> None:
    """Interleaved faults for one operation and for any: each call meets the oldest of those
    that match it, whichever queue it is in."""
    faults = Faults()
    queued = [
        faults.add(operation, status=503)
        for operation in ["*", "listSequences", "*", "getSequence", "listSequences", "*"]
    ]

    met = [faults.take("listSequences") for _ in range(5)]

    assert [fault.id if fault else None for fault in met] == [1, 2, 3, 5, 6]
    assert faults.pending == [queued[3]]


def test_pending_lists_every_queue_in_the_order_faults_were_queued() -> None:
    faults = Faults()
    queued = [faults.add(operation, delay_ms=1) for operation in ["b", "*", "a", "b", "*", "a"]]

    assert faults.pending == queued


def test_at_most_the_limit_of_faults_is_pending() -> None:
    """One more is refused, queues nothing, and burns no id; using one makes room."""
    faults = Faults(limit=3)
    for _ in range(3):
        faults.add("listSequences", status=503)

    with pytest.raises(ValidationFailed, match="3 faults are pending"):
        faults.add(ANY_OPERATION, status=503)

    assert len(faults) == 3
    assert faults.take("listSequences") is not None
    assert faults.add(ANY_OPERATION, status=503).id == 4


def test_the_default_limit_is_the_documented_one() -> None:
    control = Contract.load(CONTROL_OPENAPI).document
    response = control["paths"]["/faults"]["get"]["responses"]["200"]
    listed = response["content"]["application/json"]["schema"]["properties"]["faults"]

    assert Faults().limit == MAX_PENDING == listed["maxItems"] == 1000


def test_a_call_takes_nothing_from_other_operations_faults() -> None:
    """1,000 faults of another operation pending: a call of this one meets none and spends
    none of them (what it costs is measured in `make bench`, not here)."""
    busy = Faults()
    for _ in range(MAX_PENDING):
        busy.add("getSequence", status=503)

    assert busy.take("listSequences") is None
    assert len(busy) == MAX_PENDING
    assert busy.take("getSequence") is not None
    assert len(busy) == MAX_PENDING - 1
