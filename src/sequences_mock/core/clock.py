"""The mock clock: every time-based rule reads `now()` from here, never from the system."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sequences_mock.core.errors import InvalidClockChange
from sequences_mock.core.timestamps import LAST, format_timestamp

__all__ = ["Clock"]


class Clock:
    """A settable clock that either stands still (`frozen`) or ticks with an injected time source.

    Time never moves backwards through `set` or `advance`; only `restart` (used by reset and seed)
    may go back.
    """

    def __init__(
        self,
        start: datetime,
        *,
        frozen: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self.restart(start, frozen=frozen)

    def restart(self, start: datetime, *, frozen: bool) -> None:
        """Jump to `start` unconditionally, with the given frozen flag."""
        self._base = start.astimezone(UTC)
        self._anchor = self._monotonic()
        self._frozen = frozen

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> datetime:
        if self._frozen:  # the usual test clock: no time source to read (several reads a call)
            return self._base
        return self._at(self._monotonic())

    def set(self, moment: datetime) -> None:
        """Move to `moment`, which must not be earlier than now."""
        tick = self._monotonic()
        current = self._at(tick)
        if moment < current:
            raise InvalidClockChange(
                f"the clock is at {format_timestamp(current)}; it never moves back to "
                f"{format_timestamp(moment)} (only a reset restarts it)"
            )
        self._base, self._anchor = moment.astimezone(UTC), tick

    def advance(self, seconds: float) -> None:
        """Move forward by `seconds` (not negative)."""
        if not seconds >= 0:  # also refuses NaN
            raise InvalidClockChange(f"advance_seconds must not be negative, not {seconds}")
        tick = self._monotonic()
        try:
            target = self._at(tick) + timedelta(seconds=seconds)
        except OverflowError:
            raise InvalidClockChange(
                f"advancing by {seconds} seconds passes the last representable instant"
            ) from None
        self._base, self._anchor = target, tick

    def freeze(self, frozen: bool) -> None:
        """Stop (or restart) the clock at the current instant."""
        tick = self._monotonic()
        self._base, self._anchor, self._frozen = self._at(tick), tick, frozen

    def _at(self, tick: float) -> datetime:
        if self._frozen:
            return self._base
        try:
            return self._base + timedelta(seconds=tick - self._anchor)
        except OverflowError:
            # A running clock set near year 9999 stops at the last instant instead of failing.
            return LAST

    def __repr__(self) -> str:
        return f"Clock(now={self.now().isoformat()}, frozen={self._frozen})"
