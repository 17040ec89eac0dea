"""Seeding pauses the garbage collector, and always gives it back as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from sequences_mock.core.errors import InvalidFixtures
from sequences_mock.state.collector import collector_paused
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
