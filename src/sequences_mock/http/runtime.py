"""What one running mock owns (contract, clock, store, journal, faults); resetting, reseeding."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sequences_mock.contract.openapi import Contract
from sequences_mock.contract.validation import CheckedItems
from sequences_mock.core.clock import Clock
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.http.views import Renderer
from sequences_mock.settings import Settings
from sequences_mock.state import fixtures
from sequences_mock.state.faults import Faults
from sequences_mock.state.journal import Journal
from sequences_mock.state.store import Store

__all__ = ["Runtime", "collector_paused"]


class Runtime:
    """The state of one app instance; nothing here is shared between two apps in one process."""

    def __init__(self, settings: Settings, contract: Contract, initial: World) -> None:
        self.settings = settings
        self.contract = contract
        self.initial = initial
        self.clock = Clock(settings.wall(), monotonic=settings.monotonic)
        self.journal = Journal(settings.journal_size)
        self.renderer = Renderer()
        self.checked_items = CheckedItems()
        self.reset()

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        document = fixtures.read_document(settings.fixtures or fixtures.DEFAULT_FIXTURES)
        return cls(settings, Contract.load(), fixtures.load(document))

    def reset(self) -> None:
        """Back to the fixtures the server started with: state, clock, journal and faults."""
        self._restart_clock(self.initial.clock)
        self.store = Store(self.initial, self.clock)
        self.journal.clear()
        self.faults = Faults()

    def seed(self, document: Any, *, merge: bool = False, strict_json: bool = False) -> None:
        """Load a fixture document (whole, or `merge`d by id); nothing changes if it is invalid.

        A document with a `clock` section also sets the clock; without one the clock runs on.
        `strict_json`: the document came from `_json.loads` (see `fixtures.check`).
        """
        # Indexing the new store allocates as much as building its world; pausing twice (a
        # caller that also pauses around parsing) is harmless.
        with collector_paused():
            world = (
                fixtures.merge(self.store.world, document, strict_json=strict_json)
                if merge
                else fixtures.load(document, strict_json=strict_json)
            )
            if isinstance(document, dict) and "clock" in document:
                self._restart_clock(world.clock)
            self.store = Store(world, self.clock)
        self.renderer.clear()

    def _restart_clock(self, setting: ClockSetting | None) -> None:
        """Start the clock where a fixture says, or on the wall clock when it says nothing."""
        if setting is None:
            self.clock.restart(self.settings.wall(), frozen=False)
        else:
            self.clock.restart(setting.now, frozen=setting.frozen)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a world.

    Building 100,000 sequences allocates millions of objects, and every allocation threshold
    crossed runs a collection that walks all of them: a third of a large seed's time, and none of
    these objects are cyclic garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
