"""`Deadlines`: due ids come out once, in time order; moved and cleared ones never; size bounded."""

from __future__ import annotations

from datetime import datetime, timedelta

from builders import NOW
from sequences_mock.state.deadlines import Deadlines

MINUTE = timedelta(minutes=1)


def drain(deadlines: Deadlines, now: datetime) -> list[str]:
    due = []
    while (id_ := deadlines.pop_due(now)) is not None:
        due.append(id_)
    return due


def test_due_ids_come_out_in_time_order_ties_by_id() -> None:
    """Everything at or before now, earliest first; an id is popped once."""
    deadlines = Deadlines()
    for id_, minutes in [("c", 3), ("a", 1), ("e", 9), ("b", 3), ("d", 5)]:
        deadlines.track(id_, NOW + minutes * MINUTE)
    assert deadlines.pop_due(NOW) is None
    assert drain(deadlines, NOW + 5 * MINUTE) == ["a", "b", "c", "d"]
    assert drain(deadlines, NOW + 5 * MINUTE) == []
    assert drain(deadlines, NOW + 9 * MINUTE) == ["e"]
    assert len(deadlines) == 0


def test_a_moved_deadline_fires_only_at_its_new_moment() -> None:
    """Moved later, the old moment passes silently; moved earlier, the old one never fires."""
    deadlines = Deadlines()
    deadlines.track("later", NOW + MINUTE)
    deadlines.track("later", NOW + 10 * MINUTE)
    deadlines.track("earlier", NOW + 10 * MINUTE)
    deadlines.track("earlier", NOW + 2 * MINUTE)
    assert drain(deadlines, NOW + 5 * MINUTE) == ["earlier"]
    assert drain(deadlines, NOW + 20 * MINUTE) == ["later"]


def test_a_cleared_deadline_never_fires() -> None:
    """Cleared, then set again to the same moment, an id fires once."""
    deadlines = Deadlines()
    deadlines.track("cleared", NOW + MINUTE)
    deadlines.track("cleared", None)
    deadlines.track("again", NOW + MINUTE)
    deadlines.track("again", None)
    deadlines.track("again", NOW + MINUTE)
    assert drain(deadlines, NOW + MINUTE) == ["again"]
    # The stale entries were dropped on the way.
    assert len(deadlines) == 0


def test_tracking_the_same_moment_again_adds_nothing() -> None:
    deadlines = Deadlines()
    for _ in range(3):
        deadlines.track("a", NOW + MINUTE)
    assert len(deadlines) == 1


def test_stale_entries_are_rebuilt_away_past_the_bound() -> None:
    """However often deadlines move, the heap holds at most twice the live ones plus the bound."""
    deadlines = Deadlines(stale_kept=10)
    deadlines.track("held", NOW + 60 * MINUTE)
    sizes = []
    for n in range(200):
        deadlines.track("moved", NOW + timedelta(seconds=n + 1))
        sizes.append(len(deadlines))
    assert max(sizes) <= 2 * 2 + 10 + 1
    assert min(sizes[20:]) <= 2  # rebuilt down to the live entries, more than once
    assert drain(deadlines, NOW + 200 * timedelta(seconds=1)) == ["moved"]
    assert drain(deadlines, NOW + 60 * MINUTE) == ["held"]


def test_earliest_is_the_next_moment_held_or_none() -> None:
    """The cheap check before any pop: the top of the heap, stale or not; None when empty."""
    deadlines = Deadlines()
    assert deadlines.earliest is None
    deadlines.track("b", NOW + 2 * MINUTE)
    deadlines.track("a", NOW + MINUTE)
    assert deadlines.earliest == NOW + MINUTE
    deadlines.track("a", None)
    assert deadlines.earliest == NOW + MINUTE  # stale until popped past
    assert deadlines.pop_due(NOW + MINUTE) is None
    assert deadlines.earliest == NOW + 2 * MINUTE
    assert deadlines.pop_due(NOW + 2 * MINUTE) == "b"
    assert deadlines.earliest is None
