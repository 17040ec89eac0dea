"""The settable mock clock in `sequences_mock.clock`, driven by a fake monotonic source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from builders import NOW
from sequences_mock.core.clock import Clock
from sequences_mock.core.errors import InvalidClockChange

START = NOW


class FakeMonotonic:
    """A monotonic time source whose value the test moves by hand."""

    def __init__(self, value: float = 1000.0) -> None:
        self.value = value

    def __call__(self) -> float:
        return self.value

    def move(self, seconds: float) -> None:
        self.value += seconds


def make_clock(*, frozen: bool, start: datetime = START) -> tuple[Clock, FakeMonotonic]:
    source = FakeMonotonic()
    return Clock(start, frozen=frozen, monotonic=source), source


def test_clock_starts_at_start() -> None:
    """A new clock reads exactly its start instant, whether frozen or ticking."""
    frozen, _ = make_clock(frozen=True)
    ticking, _ = make_clock(frozen=False)
    assert frozen.now() == START
    assert ticking.now() == START
    assert frozen.frozen is True
    assert ticking.frozen is False


def test_clock_start_is_converted_to_utc() -> None:
    """A start with another offset is held as the same instant in UTC."""
    clock = Clock(
        datetime(2026, 3, 2, 11, 0, tzinfo=timezone(timedelta(hours=2))),
        frozen=True,
        monotonic=FakeMonotonic(),
    )
    assert clock.now() == START
    assert clock.now().tzinfo is UTC


def test_clock_is_not_frozen_by_default() -> None:
    """Without `frozen`, a clock ticks."""
    clock = Clock(START, monotonic=FakeMonotonic())
    assert clock.frozen is False


def test_frozen_clock_stands_still_while_source_moves() -> None:
    """A frozen clock reads the same instant however far the time source moves."""
    clock, source = make_clock(frozen=True)
    source.move(3600.0)
    assert clock.now() == START
    source.move(86400.0 * 30)
    assert clock.now() == START


def test_ticking_clock_follows_source() -> None:
    """A ticking clock moves by exactly what the time source moves."""
    clock, source = make_clock(frozen=False)
    source.move(90.0)
    assert clock.now() == START + timedelta(seconds=90)
    source.move(0.25)
    assert clock.now() == START + timedelta(seconds=90.25)


def test_set_forward_moves_frozen_clock() -> None:
    """set() to a later instant moves a frozen clock there, and it stays there."""
    clock, source = make_clock(frozen=True)
    target = START + timedelta(days=3, microseconds=7)
    clock.set(target)
    assert clock.now() == target
    source.move(500.0)
    assert clock.now() == target
    assert clock.frozen is True


def test_set_forward_on_ticking_clock_keeps_ticking_from_target() -> None:
    """set() on a ticking clock jumps to the target and ticks on from there."""
    clock, source = make_clock(frozen=False)
    source.move(10.0)
    target = START + timedelta(hours=1)
    clock.set(target)
    assert clock.now() == target
    source.move(5.0)
    assert clock.now() == target + timedelta(seconds=5)


def test_set_to_now_is_allowed() -> None:
    """set() to exactly the current instant is not a move backwards."""
    clock, _ = make_clock(frozen=True)
    clock.set(START)
    assert clock.now() == START


def test_set_converts_to_utc() -> None:
    """set() with another offset holds the same instant in UTC."""
    clock, _ = make_clock(frozen=True)
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


@pytest.mark.parametrize("frozen", [True, False])
def test_set_backwards_raises_and_leaves_time_unchanged(frozen: bool) -> None:
    """set() to an earlier instant raises InvalidClockChange and the clock does not move."""
    clock, source = make_clock(frozen=frozen)
    source.move(60.0)
    before = clock.now()
    with pytest.raises(InvalidClockChange) as caught:
        clock.set(before - timedelta(microseconds=1))
    assert caught.value.code == "invalid_clock_change"
    assert clock.now() == before
    assert clock.frozen is frozen


def test_set_backwards_message_names_both_instants() -> None:
    """The refusal names the current instant and the refused one."""
    clock, _ = make_clock(frozen=True)
    with pytest.raises(InvalidClockChange) as caught:
        clock.set(START - timedelta(days=1))
    assert "2026-03-02T09:00:00Z" in caught.value.detail
    assert "2026-03-01T09:00:00Z" in caught.value.detail


@pytest.mark.parametrize("frozen", [True, False])
def test_advance_moves_forward(frozen: bool) -> None:
    """advance() moves the clock forward by exactly the given seconds."""
    clock, _ = make_clock(frozen=frozen)
    clock.advance(3600)
    assert clock.now() == START + timedelta(hours=1)
    clock.advance(0.5)
    assert clock.now() == START + timedelta(hours=1, seconds=0.5)
    assert clock.frozen is frozen


def test_advance_zero_is_allowed() -> None:
    """advance(0) is a no-op, not an error."""
    clock, _ = make_clock(frozen=True)
    clock.advance(0)
    assert clock.now() == START


@pytest.mark.parametrize("seconds", [-1, -0.000001, -86400.0])
def test_advance_negative_raises(seconds: float) -> None:
    """advance() with a negative amount raises InvalidClockChange and leaves the time alone."""
    clock, _ = make_clock(frozen=True)
    with pytest.raises(InvalidClockChange, match="must not be negative"):
        clock.advance(seconds)
    assert clock.now() == START


@pytest.mark.parametrize("seconds", [3600, 1e300, float("inf"), 10**30])
def test_advance_past_year_9999_raises_invalid_clock_change(seconds: float) -> None:
    """advance() past the last representable instant raises InvalidClockChange, not overflow."""
    late = datetime(9999, 12, 31, 23, 0, 0, tzinfo=UTC)
    clock, _ = make_clock(frozen=True, start=late)
    with pytest.raises(InvalidClockChange, match="last representable instant"):
        clock.advance(seconds)
    assert clock.now() == late


def test_advance_to_the_last_instant_is_allowed() -> None:
    """advance() up to 9999-12-31T23:59:59.999999 is still representable and allowed."""
    late = datetime(9999, 12, 31, 23, 0, 0, tzinfo=UTC)
    clock, _ = make_clock(frozen=True, start=late)
    clock.advance(3599.999999)
    assert clock.now() == datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def test_freeze_keeps_current_instant() -> None:
    """freeze(True) on a ticking clock stops it at the instant it had reached."""
    clock, source = make_clock(frozen=False)
    source.move(42.0)
    clock.freeze(True)
    assert clock.frozen is True
    assert clock.now() == START + timedelta(seconds=42)
    source.move(100.0)
    assert clock.now() == START + timedelta(seconds=42)


def test_unfreeze_keeps_current_instant_then_ticks() -> None:
    """freeze(False) on a frozen clock starts ticking from where it stood, without a jump."""
    clock, source = make_clock(frozen=True)
    source.move(1000.0)
    clock.freeze(False)
    assert clock.frozen is False
    assert clock.now() == START
    source.move(7.0)
    assert clock.now() == START + timedelta(seconds=7)


@pytest.mark.parametrize("frozen", [True, False])
def test_freeze_to_same_state_keeps_instant(frozen: bool) -> None:
    """freeze() with the clock's current flag changes neither the flag nor the instant."""
    clock, source = make_clock(frozen=frozen)
    source.move(3.0)
    before = clock.now()
    clock.freeze(frozen)
    assert clock.now() == before
    assert clock.frozen is frozen


def test_restart_may_go_backwards() -> None:
    """restart() jumps to any instant, earlier ones included, with the new frozen flag."""
    clock, source = make_clock(frozen=False)
    source.move(3600.0)
    earlier = START - timedelta(days=365)
    clock.restart(earlier, frozen=True)
    assert clock.now() == earlier
    assert clock.frozen is True
    source.move(10.0)
    assert clock.now() == earlier


def test_restart_ticking_counts_from_restart() -> None:
    """A ticking restart counts source time from the restart, not from construction."""
    clock, source = make_clock(frozen=True)
    source.move(500.0)
    clock.restart(START, frozen=False)
    assert clock.now() == START
    source.move(2.0)
    assert clock.now() == START + timedelta(seconds=2)


def test_set_after_restart_backwards_is_checked_against_new_time() -> None:
    """After a restart back in time, set() compares with the restarted instant."""
    clock, _ = make_clock(frozen=True)
    clock.set(START + timedelta(days=10))
    clock.restart(START, frozen=True)
    clock.set(START + timedelta(days=1))
    assert clock.now() == START + timedelta(days=1)
