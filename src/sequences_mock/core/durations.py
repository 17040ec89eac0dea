"""ISO 8601 durations in days, hours, minutes and seconds (`P3D`, `PT2H30M`), as step waits use.

Years, months and weeks are refused: a month has no fixed length, and a mock that guesses one
makes tests pass or fail by the calendar.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["DurationError", "format_duration", "parse_duration"]

_DURATION = re.compile(
    r"P(?:(?P<days>[0-9]{1,5})D)?"
    r"(?:T(?:(?P<hours>[0-9]{1,6})H)?(?:(?P<minutes>[0-9]{1,8})M)?(?:(?P<seconds>[0-9]{1,10})S)?)?"
)
#: The longest wait a step may have: far beyond any real cadence, and far from datetime's end.
LONGEST = timedelta(days=3660)


class DurationError(ValueError):
    """Text that is not a duration this mock accepts."""


def parse_duration(text: str) -> timedelta:
    """`P3D` → 3 days, `PT2H30M` → 2½ hours, `PT0S` → zero; at most `LONGEST`."""
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise DurationError(
            f"{text!r} is not an ISO 8601 duration in days, hours, minutes and seconds "
            "(such as P3D or PT2H30M; years, months and weeks are refused as ambiguous)"
        )
    parts = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    duration = timedelta(**parts)
    if duration > LONGEST:
        raise DurationError(f"{text!r} is longer than {LONGEST.days} days")
    return duration


def format_duration(duration: timedelta) -> str:
    """The shortest text `parse_duration` reads back as `duration` (whole seconds)."""
    seconds = int(duration.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(
        f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if value
    )
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return text if text != "P" else "PT0S"
