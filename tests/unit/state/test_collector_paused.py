"""Seeding pauses the garbage collector, and always gives it back as it found it."""

from __future__ import annotations

import gc
import platform
import threading
from collections.abc import Iterator

import pytest

from sequences_mock.core.errors import InvalidFixtures
from sequences_mock.state import collector
from sequences_mock.state.collector import collector_paused, return_free_memory
from sequences_mock.state.runtime import Runtime


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_nested_pause_leaves_the_collector_off_until_the_outer_one_ends(collector_on):
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_seeding_gives_the_collector_back_even_when_the_document_is_refused(collector_on):
    runtime = Runtime.from_fixtures()
    runtime.seed({"workspaces": []})
    assert gc.isenabled()
    with pytest.raises(InvalidFixtures):
        runtime.seed({"workspaces": "not a list"})
    assert gc.isenabled()


def test_freed_memory_is_handed_back_again_and_again() -> None:
    """Each trim ends and lets the next one run: a stuck one would keep every later seed's
    freed memory in the process."""
    if platform.libc_ver()[0] == "glibc":  # what CI and the container image run on
        assert collector._MALLOC_TRIM is not None
    for _ in range(3):
        return_free_memory()
        for thread in threading.enumerate():
            if thread.name == "mock-trim":
                thread.join(10)
        assert not any(thread.name == "mock-trim" for thread in threading.enumerate())

    assert collector._TRIMMING.acquire(blocking=False)
    collector._TRIMMING.release()
