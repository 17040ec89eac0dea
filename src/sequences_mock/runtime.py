"""What one running mock owns (contract, clock, store) and how it resets or reseeds them."""

from __future__ import annotations

from typing import Any

from sequences_mock import fixtures
from sequences_mock.clock import Clock
from sequences_mock.contract import Contract
from sequences_mock.settings import Settings
from sequences_mock.store import ClockSetting, Store, World

__all__ = ["Runtime"]


class Runtime:
    """The state of one app instance; nothing here is shared between two apps in one process."""

    def __init__(self, settings: Settings, contract: Contract, initial: World) -> None:
        self.settings = settings
        self.contract = contract
        self.initial = initial
        self.clock = Clock(settings.wall(), monotonic=settings.monotonic)
        self.store = self._fresh_store(initial, initial.clock)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        document = fixtures.read_document(settings.fixtures or fixtures.DEFAULT_FIXTURES)
        return cls(settings, Contract.load(), fixtures.load(document))

    def reset(self) -> None:
        """Back to the fixtures the server started with: state and clock alike."""
        self.store = self._fresh_store(self.initial, self.initial.clock)

    def seed(self, document: Any, *, merge: bool = False) -> None:
        """Load a fixture document (whole, or `merge`d by id); nothing changes if it is invalid.

        A document with a `clock` section also sets the clock; without one the clock runs on.
        """
        world = fixtures.merge(self.store.world, document) if merge else fixtures.load(document)
        clock = world.clock if isinstance(document, dict) and "clock" in document else None
        self.store = self._fresh_store(world, clock, keep_clock=clock is None)

    def _fresh_store(
        self, world: World, clock: ClockSetting | None, *, keep_clock: bool = False
    ) -> Store:
        if not keep_clock:
            if clock is not None and clock.now is not None:
                self.clock.restart(clock.now, frozen=clock.frozen)
            else:
                self.clock.restart(self.settings.wall(), frozen=False)
        return Store(world, self.clock)
