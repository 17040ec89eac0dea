"""The mock clock: every time-based rule reads `now()` from here, never from the system."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sequences_mock.errors import InvalidClockChange
from sequences_mock.timestamps import format_timestamp

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
        if self._frozen:
            return self._base
        return self._base + timedelta(seconds=self._monotonic() - self._anchor)

    def set(self, moment: datetime) -> None:
        """Move to `moment`, which must not be earlier than now."""
        current = self.now()
        if moment < current:
            raise InvalidClockChange(
                f"the clock is at {format_timestamp(current)}; it never moves back to "
                f"{format_timestamp(moment)} (only a reset restarts it)"
            )
        self._base, self._anchor = moment.astimezone(UTC), self._monotonic()

    def advance(self, seconds: float) -> None:
        """Move forward by `seconds` (not negative)."""
        if not seconds >= 0:  # also refuses NaN
            raise InvalidClockChange(f"advance_seconds must not be negative, not {seconds}")
        try:
            target = self.now() + timedelta(seconds=seconds)
        except OverflowError:
            raise InvalidClockChange(
                f"advancing by {seconds} seconds passes the last representable instant"
            ) from None
        self.set(target)

    def freeze(self, frozen: bool) -> None:
        """Stop (or restart) the clock at the current instant."""
        self._base, self._anchor, self._frozen = self.now(), self._monotonic(), frozen

    def __repr__(self) -> str:
        return f"Clock(now={self.now().isoformat()}, frozen={self._frozen})"
