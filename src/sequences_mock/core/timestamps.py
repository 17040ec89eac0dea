"""RFC 3339 timestamps: parse what the `date-time` format admits, write UTC with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["FIRST", "LAST", "TimestampError", "format_timestamp", "later", "parse_timestamp"]

FIRST = datetime.min.replace(tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)


def later(moment: datetime, wait: timedelta) -> datetime:
    """`moment + wait`, or `LAST` when that is past the end of what Python can hold (a clock
    set near year 9999): a step due then is due at the end of time, not an `OverflowError`."""
    try:
        return moment + wait
    except OverflowError:
        return LAST


class TimestampError(ValueError):
    """A string that is not an RFC 3339 timestamp Python can represent."""


def parse_timestamp(text: str, *, clamp: bool = False) -> datetime:
    """Parse an RFC 3339 date-time into an aware UTC datetime.

    Beyond `datetime.fromisoformat` this accepts the lower-case `t`/`z` that RFC 3339 allows,
    keeps only microseconds of longer fractions, and reads a leap second (`23:59:60`) as the last
    microsecond before the next second. An instant Python cannot hold (year 0000, or 9999 pushed
    past the end by its offset) is a `TimestampError`, or with `clamp` the nearest representable
    instant: right for bounds such as list filters and deadlines.
    """
    if (
        len(text) == 20
        and text[19] == "Z"
        and text[10] == "T"
        and text[4] == text[7] == "-"
        and text[13] == text[16] == ":"
        and text[17:19] != "60"
    ):
        # The canonical `2026-03-02T09:00:00Z`, most of what a fixture holds: no rewriting.
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # the general path below says what is wrong
    if len(text) < 20 or text[10] not in "Tt":
        raise TimestampError(f"{text!r} is not an RFC 3339 date-time")
    normalised = text.upper()
    dot = normalised.find(".", 19)
    if dot != -1:
        end = dot + 1
        while end < len(normalised) and normalised[end].isdigit():
            end += 1
        normalised = normalised[:dot] + normalised[dot : min(end, dot + 7)] + normalised[end:]
    leap_second = normalised[17:19] == "60"
    if leap_second:
        normalised = normalised[:17] + "59" + normalised[19:]
    try:
        parsed = datetime.fromisoformat(normalised)
    except ValueError as error:
        if clamp and normalised.startswith("0000-"):
            return FIRST
        raise TimestampError(f"{text!r} is not a representable date-time: {error}") from None
    if parsed.tzinfo is None:
        raise TimestampError(f"{text!r} has no UTC offset")
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError as error:
        # Only year 1 or 9999 can be pushed out of range by their offset.
        if clamp:
            return FIRST if parsed.year == 1 else LAST
        raise TimestampError(f"{text!r} is not a representable date-time: {error}") from None
    return parsed.replace(microsecond=999999) if leap_second else parsed


def format_timestamp(moment: datetime) -> str:
    """Write an aware datetime as RFC 3339 UTC with `Z`, microseconds only when there are any."""
    # In UTC, isoformat() always ends with "+00:00", and it already pads years and omits zero
    # microseconds the way we want.
    return moment.astimezone(UTC).isoformat()[:-6] + "Z"
