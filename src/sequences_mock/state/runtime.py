"""What one running mock holds (clock, store, journal, faults, the world it started with), and
resetting or reseeding it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sequences_mock.core.clock import Clock
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.state import fixtures
from sequences_mock.state.collector import collector_paused
from sequences_mock.state.faults import Faults
from sequences_mock.state.journal import DEFAULT_JOURNAL_SIZE, Journal
from sequences_mock.state.store import Store

__all__ = ["Runtime"]

_WALL_CLOCK = partial(datetime.now, UTC)


class Runtime:
    """The state of one app instance; nothing here is shared between two apps in one process.

    `wall` and `monotonic` are the time sources the mock clock reads; tests inject their own.
    """

    def __init__(
        self,
        initial: World,
        *,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        wall: Callable[[], datetime] = _WALL_CLOCK,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.initial = initial
        self._wall = wall
        self.clock = Clock(wall(), monotonic=monotonic)
        self.journal = Journal(journal_size)
        self._on_new_world: list[Callable[[], None]] = []
        self.reset()

    @classmethod
    def from_fixtures(
        cls,
        path: str | Path | Traversable | None = None,
        *,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        wall: Callable[[], datetime] = _WALL_CLOCK,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> Runtime:
        """A runtime on the fixture file at `path` (the packaged default world without one).

        Raises `MalformedDocument` for an unreadable file, `InvalidFixtures` listing every problem.
        """
        document = fixtures.read_document(path or fixtures.DEFAULT_FIXTURES)
        world = fixtures.load(document)
        return cls(world, journal_size=journal_size, wall=wall, monotonic=monotonic)

    def when_world_replaced(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every reset and seed, to drop what derives from the old world."""
        self._on_new_world.append(callback)

    def reset(self) -> None:
        """Back to the fixtures the server started with: state, clock, journal and faults."""
        self._restart_clock(self.initial.clock)
        self.store = Store(self.initial, self.clock, current_request=self.journal.next_seq)
        self.journal.clear()
        self.faults = Faults()
        self._world_replaced()

    def seed(self, document: Any, *, merge: bool = False, strict_json: bool = False) -> None:
        """Load a fixture document (whole, or `merge`d by id); nothing changes if it is invalid.

        A document with a `clock` section also sets the clock; without one the clock runs on.
        `strict_json`: the document came from `strict_json.loads` (see `fixtures.check`).
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
            self.store = Store(world, self.clock, current_request=self.journal.next_seq)
        self._world_replaced()

    def _world_replaced(self) -> None:
        for callback in self._on_new_world:
            callback()

    def _restart_clock(self, setting: ClockSetting | None) -> None:
        """Start the clock where a fixture says, or on the wall clock when it says nothing."""
        if setting is None:
            self.clock.restart(self._wall(), frozen=False)
        else:
            self.clock.restart(setting.now, frozen=setting.frozen)
