"""`SharedCpu`: a call runs with a partner thread on the caller's CPU, and both get theirs back."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sequences_mock.testing import cpu
from sequences_mock.testing.cpu import SharedCpu

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux's"
)


@pytest.fixture
def partner() -> Iterator[int]:
    """A thread that waits (as a server's does between requests): its native id."""
    release = threading.Event()
    started = threading.Event()
    ids: list[int] = []

    def wait() -> None:
        ids.append(threading.get_native_id())
        started.set()
        release.wait(30)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    started.wait(30)
    yield ids[0]
    release.set()
    thread.join(30)


def cpus(thread: int) -> set[int]:
    return os.sched_getaffinity(thread)


def test_a_call_runs_with_both_threads_on_the_callers_cpu_and_both_get_theirs_back(
    partner: int,
) -> None:
    own_before, partner_before = cpus(0), cpus(partner)
    shared = SharedCpu(partner)

    during = shared.run(lambda: (cpus(0), cpus(partner)))

    assert shared.active
    assert len(during[0]) == 1
    assert during[0] <= own_before
    assert during[1] == during[0]
    assert (cpus(0), cpus(partner)) == (own_before, partner_before)


def test_both_threads_get_their_cpus_back_when_the_call_raises(partner: int) -> None:
    own_before, partner_before = cpus(0), cpus(partner)
    shared = SharedCpu(partner)

    def failing() -> None:
        raise LookupError("the call failed")

    with pytest.raises(LookupError, match="the call failed"):
        shared.run(failing)

    assert (cpus(0), cpus(partner)) == (own_before, partner_before)
    assert shared.active


def test_a_callers_own_narrower_set_is_what_it_gets_back(partner: int) -> None:
    own_before = cpus(0)
    narrowed = {min(own_before)}
    os.sched_setaffinity(0, narrowed)
    try:
        during = SharedCpu(partner).run(lambda: cpus(partner))
        after = cpus(0)
    finally:
        os.sched_setaffinity(0, own_before)

    assert during == narrowed
    assert after == narrowed


def test_switched_off_it_leaves_every_thread_where_it_is(partner: int) -> None:
    partner_before = cpus(partner)
    shared = SharedCpu(partner, enabled=False)

    assert not shared.active
    assert shared.run(lambda: cpus(partner)) == partner_before


def test_a_refusal_of_the_system_lets_this_call_and_the_next_run_unpinned(
    partner: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_before, partner_before = cpus(0), cpus(partner)
    shared = SharedCpu(partner)
    set_cpus = cpu._set_cpus
    attempts: list[tuple[int, set[int]]] = []

    def refuse_the_partners_pin(thread: int, mask: Any) -> None:
        attempts.append((thread, set(mask)))
        if thread == partner and len(set(mask)) == 1:
            raise PermissionError("not allowed here")
        set_cpus(thread, mask)

    monkeypatch.setattr(cpu, "_set_cpus", refuse_the_partners_pin)

    assert shared.run(lambda: "answered") == "answered"
    tried = len(attempts)
    assert shared.run(lambda: "again") == "again"

    assert not shared.active
    assert len(attempts) == tried  # no second try
    assert (cpus(0), cpus(partner)) == (own_before, partner_before)


def test_a_thread_the_partner_starts_during_a_call_gets_the_partners_cpus_after_it(
    partner: int,
) -> None:
    partner_before = cpus(partner)
    started: list[int] = []
    release = threading.Event()

    def start_a_thread_pinned_as_its_parent() -> set[int]:
        during = cpus(0)

        def work() -> None:
            started.append(threading.get_native_id())
            release.wait(30)

        # As if the partner had started it: a new thread copies its parent's CPUs.
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        while not started:
            pass
        os.sched_setaffinity(started[0], during)
        return during

    during = SharedCpu(partner).run(start_a_thread_pinned_as_its_parent)
    try:
        assert len(during) == 1
        assert cpus(started[0]) == partner_before
    finally:
        release.set()


def test_a_partner_that_ends_after_the_start_leaves_the_callers_cpus_alone(
    partner: int,
) -> None:
    own_before = cpus(0)
    running = [True]
    shared = SharedCpu(partner, alive=lambda: running[0])
    running[0] = False

    assert shared.run(lambda: cpus(0)) == own_before
    assert cpus(0) == own_before


def test_a_partner_that_has_ended_leaves_calls_running() -> None:
    ended: list[int] = []
    thread = threading.Thread(target=lambda: ended.append(threading.get_native_id()))
    thread.start()
    thread.join(30)
    own_before = cpus(0)
    shared = SharedCpu(ended[0])

    assert shared.run(lambda: "answered") == "answered"
    assert not shared.active
    assert cpus(0) == own_before
