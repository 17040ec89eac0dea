"""What one running mock holds (clock, store, journal, faults, the world it started with), and
resetting or reseeding it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NamedTuple

from sequences_mock import fixtures
from sequences_mock.core.choices import DEFAULT_CHOICES, Choices
from sequences_mock.core.clock import Clock
from sequences_mock.core.errors import WorldReplaced
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.fixtures.documents import MAX_DOCUMENT_BYTES
from sequences_mock.state.collector import collector_paused
from sequences_mock.state.faults import Faults
from sequences_mock.state.history import History
from sequences_mock.state.journal import DEFAULT_JOURNAL_SIZE, JOURNAL_BYTES, Journal
from sequences_mock.state.store import Store

__all__ = ["CATCH_UP_SLICE_SECONDS", "Prepared", "Runtime", "SeedBasis"]

_WALL_CLOCK = partial(datetime.now, UTC)
#: The longest the clock's events keep the event loop at once (a clock move, or a call
#: catching up on a ticking clock); the server answers others between the slices.
CATCH_UP_SLICE_SECONDS = 0.05


class SeedBasis(NamedTuple):
    """What a seed starts from: the world's generation, the world to merge into (None to
    replace it) and the clock's now, the instant the new world is scheduled at unless its
    document sets the clock; for a merge, the runs' history and its version then."""

    generation: int
    current: World | None
    now: datetime
    history: History | None = None
    version: int = 0


class Prepared(NamedTuple):
    """A seeded world built and indexed, waiting to replace the one of `generation`."""

    generation: int
    store: Store
    restart_clock: bool
    clock: ClockSetting | None
    history: History
    #: For a merge: the history's version it was built against, and the runs it replaced.
    version: int | None = None
    merged_runs: tuple[str, ...] = ()


class Runtime:
    """The state of one app instance; nothing here is shared between two apps in one process.

    `wall` and `monotonic` are the time sources the mock clock reads; tests inject their own.
    `choices`: the command line's options for the choice register; they go on top of the
    fixture's (so a reset comes back to both), and under a seeded document's.
    """

    def __init__(
        self,
        initial: World,
        *,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        journal_bytes: int = JOURNAL_BYTES,
        wall: Callable[[], datetime] = _WALL_CLOCK,
        monotonic: Callable[[], float] = time.monotonic,
        choices: Mapping[str, str] | None = None,
    ) -> None:
        #: The choices a seeded document's go on top of: the defaults and the command line's.
        self.base_choices = DEFAULT_CHOICES.with_overrides(choices or {})
        self.initial = replace(initial, choices=initial.choices.with_overrides(choices or {}))
        self._wall = wall
        self.clock = Clock(wall(), monotonic=monotonic)
        self.journal = Journal(journal_size, journal_bytes)
        self._on_new_world: list[Callable[[], None]] = []
        #: The clock's events are being applied a slice at a time (see `caught_up`): calls
        #: that read or change runs wait for it.
        self.moving = False
        #: Counts the worlds: every reset and seed ends one (see `check_current`).
        self.generation = 0
        self._building = threading.Lock()
        self.reset()

    @classmethod
    def from_fixtures(
        cls,
        path: str | Path | Traversable | None = None,
        *,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        wall: Callable[[], datetime] = _WALL_CLOCK,
        monotonic: Callable[[], float] = time.monotonic,
        max_bytes: int = MAX_DOCUMENT_BYTES,
        choices: Mapping[str, str] | None = None,
    ) -> Runtime:
        """A runtime on the fixture file at `path` (the packaged default world without one).

        Raises `MalformedDocument` for an unreadable file, `ContentTooLarge` for one over
        `max_bytes`, `InvalidFixtures` listing its problems.
        """
        document = fixtures.read_document(path or fixtures.DEFAULT_FIXTURES, max_bytes=max_bytes)
        world = fixtures.load(document)
        return cls(
            world, journal_size=journal_size, wall=wall, monotonic=monotonic, choices=choices
        )

    def when_world_replaced(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every reset and seed, to drop what derives from the old world."""
        self._on_new_world.append(callback)

    def reset(self) -> None:
        """Back to the fixtures the server started with: state, clock, journal and faults.

        A store the fixtures built and nothing changed since is kept (a test that only read
        leaves one): building it again gives the same, at several times the cost. Only on a
        clock the fixtures freeze: a clock that ticks, or starts on the wall clock, schedules
        the runs at another instant each time.
        """
        self._restart_clock(self.initial.clock)
        setting = self.initial.clock
        kept = getattr(self, "store", None)  # None on the first reset, from __init__
        if kept is None or not (setting and setting.frozen and kept.built_from(self.initial)):
            self._history = History()
            self.store = Store(
                self.initial,
                self.clock,
                current_request=self.journal.next_seq,
                history=self._history,
            )
        self.journal.clear()
        self.faults = Faults()
        self._world_replaced()

    def set_choices(self, overrides: Mapping[str, str]) -> Choices:
        """Switch the current world's choices (till the next reset or seed); raises
        `ValidationFailed` naming the allowed ids and options, and then changes nothing."""
        self.store.choices = self.store.choices.with_overrides(overrides)
        return self.store.choices

    def behind(self) -> bool:
        """The clock's events are being applied, or some are due that nobody applied yet."""
        return self.moving or self.store.has_due()

    async def caught_up(self) -> None:
        """Apply every clock event due, `CATCH_UP_SLICE_SECONDS` at a time with the server
        answering between, or wait while another call does it. A reset or seed meanwhile ends
        it: the new world has a schedule of its own."""
        if self.moving:
            while self.moving:
                await asyncio.sleep(0.002)
            return
        store = self.store
        self.moving = True
        try:
            while not store.catch_up(until=time.perf_counter() + CATCH_UP_SLICE_SECONDS):
                await asyncio.sleep(0)
                if self.store is not store:
                    break
        finally:
            self.moving = False

    def change_clock(
        self,
        *,
        now: datetime | None = None,
        advance_seconds: float | None = None,
        frozen: bool | None = None,
        catch_up: bool = True,
    ) -> None:
        """Set the clock to `now` or move it `advance_seconds` on, and freeze or thaw it; then
        every run catches up (unless `catch_up` is false: the caller awaits `caught_up`). A
        refused change (`InvalidClockChange`: back in time, or past what the clock can hold)
        leaves the clock as it was."""
        clock = self.clock
        if now is not None:
            clock.set(now)
        elif advance_seconds is not None:
            clock.advance(advance_seconds)
        if frozen is not None:
            clock.freeze(frozen)
        if catch_up:
            self.store.catch_up()

    def check_current(self, generation: int) -> None:
        """Raise `WorldReplaced` unless the world of `generation` is still the current one."""
        if generation != self.generation:
            raise WorldReplaced(
                "a reset or seed replaced the world this request arrived in; it changed "
                "nothing: send it again"
            )

    def seed(self, document: Any, *, merge: bool = False, strict_json: bool = False) -> None:
        """Load a fixture document (whole, or `merge`d by id); nothing changes if it is invalid.

        A document with a `clock` section also sets the clock; without one the clock runs on.
        `strict_json`: the document came from `strict_json.loads` (see `fixtures.check`).
        """
        basis = self.seed_basis(merge=merge)
        self.install(self.prepare(basis, lambda: document, strict_json=strict_json))

    def seed_basis(self, *, merge: bool) -> SeedBasis:
        """What a seed is built against, read where the world is changed (the event loop)."""
        if not merge:
            return SeedBasis(self.generation, None, self.clock.now())
        world = self.store.world
        return SeedBasis(
            self.generation, world, self.clock.now(), self._history, self._history.version
        )

    def prepare(
        self, basis: SeedBasis, document: Callable[[], Any], *, strict_json: bool = False
    ) -> Prepared:
        """Parse (`document()`), check and build a seeded world without touching the current
        one, so it may run on a worker thread while the loop serves; one build at a time.

        Raises what `document()` raises, `InvalidFixtures`, or `WorldReplaced` when a reset or
        seed ended the basis' world before the build began.
        """
        # Indexing the new store allocates as much as building its world; pausing twice (a
        # caller that also pauses around parsing) is harmless.
        with self._building, collector_paused():
            self.check_current(basis.generation)
            parsed = document()
            world = (
                fixtures.merge(basis.current, parsed, strict_json=strict_json)
                if basis.current is not None
                else fixtures.load(parsed, strict_json=strict_json, choices=self.base_choices)
            )
            restart = isinstance(parsed, dict) and "clock" in parsed
            setting = world.clock if restart else None
            now = setting.now if setting else self._wall() if restart else basis.now
            # A merge keeps the runs' history (those it replaces are forgotten on install).
            history = basis.history if basis.history is not None else History()
            store = Store(
                world, self.clock, current_request=self.journal.next_seq, now=now, history=history
            )
        if basis.history is None:
            return Prepared(basis.generation, store, restart, setting, history)
        return Prepared(
            basis.generation, store, restart, setting, history, basis.version, _run_ids(parsed)
        )

    def install(self, prepared: Prepared) -> None:
        """Make a prepared world the current one, unless a reset or seed came first, or (for a
        merge) a run changed while it was built: the merge would undo that change."""
        self.check_current(prepared.generation)
        if prepared.version is not None and prepared.version != self._history.version:
            raise WorldReplaced(
                "a run changed while the merge was built (a write was answered, or the clock "
                "moved it); the merge changed nothing: send it again"
            )
        prepared.history.forget(prepared.merged_runs)
        self._history = prepared.history
        if prepared.restart_clock:
            self._restart_clock(prepared.clock)
        self.store = prepared.store
        self._world_replaced()

    def _world_replaced(self) -> None:
        self.generation += 1
        for callback in self._on_new_world:
            callback()

    def _restart_clock(self, setting: ClockSetting | None) -> None:
        """Start the clock where a fixture says, or on the wall clock when it says nothing."""
        if setting is None:
            self.clock.restart(self._wall(), frozen=False)
        else:
            self.clock.restart(setting.now, frozen=setting.frozen)


def _run_ids(document: Any) -> tuple[str, ...]:
    """The ids of the runs a (valid) merge document sets."""
    runs = document.get("sequences", []) if isinstance(document, dict) else []
    return tuple(str(run["id"]).lower() for run in runs)
