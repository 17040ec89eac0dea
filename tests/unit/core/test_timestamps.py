"""RFC 3339 parsing and formatting in `sequences_mock.timestamps`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sequences_mock.core.timestamps import TimestampError, format_timestamp, parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T09:00:00Z", datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00+00:00", datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00-00:00", datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00+02:00", datetime(2026, 3, 2, 7, 0, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00-05:30", datetime(2026, 3, 2, 14, 30, 0, tzinfo=UTC)),
        ("2026-03-01T23:30:00-01:00", datetime(2026, 3, 2, 0, 30, 0, tzinfo=UTC)),
        ("2026-03-02t09:00:00z", datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)),
        ("2026-03-02t09:00:00+01:00", datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00.5Z", datetime(2026, 3, 2, 9, 0, 0, 500000, tzinfo=UTC)),
        ("2026-03-02T09:00:00.123456Z", datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)),
        ("2026-03-02T09:00:00.1234567Z", datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)),
        (
            "2026-03-02T09:00:00.123456999999Z",
            datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC),
        ),
        (
            "2026-03-02T09:00:00.9999999+01:00",
            datetime(2026, 3, 2, 8, 0, 0, 999999, tzinfo=UTC),
        ),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59Z", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("9999-12-31T23:59:59+23:59", datetime(9999, 12, 31, 0, 0, 59, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_accepts_rfc3339(text: str, expected: datetime) -> None:
    """An RFC 3339 date-time parses to the same instant, expressed in UTC."""
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC
    assert parsed.utcoffset() == timedelta(0)


def test_parse_timestamp_truncates_long_fractions_without_rounding() -> None:
    """Digits past the sixth are dropped, never rounded up into the next second."""
    assert parse_timestamp("2026-03-02T09:00:59.99999999Z") == datetime(
        2026, 3, 2, 9, 0, 59, 999999, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "0000-01-01T00:00:00Z",
        "0000-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-23:59",
        "9999-12-31T23:30:00-01:00",
        "2026-03-02T09:00:00",
        "2026-03-02T09:00:00.123456",
        "2026-03-02t09:00:00",
        "",
        "garbage",
        "not a timestamp at all",
        "2026-03-02 09:00:00Z",
        "2026-03-02",
        "2026-13-02T09:00:00Z",
        "2026-02-30T09:00:00Z",
        "2026-03-02T25:00:00Z",
        "2026-03-02T09:00:00+25:00",
        "2026-03-02T09:00:00Q",
        "2026-03-02T09:00Z",
    ],
)
def test_parse_timestamp_refuses(text: str) -> None:
    """Strings without an offset, out of Python's range, or not a date-time raise TimestampError."""
    with pytest.raises(TimestampError):
        parse_timestamp(text)


def test_timestamp_error_is_a_value_error() -> None:
    """TimestampError is a ValueError, so callers catching ValueError keep working."""
    assert issubclass(TimestampError, ValueError)


def test_parse_timestamp_error_quotes_the_input() -> None:
    """The error message names the refused text."""
    with pytest.raises(TimestampError, match="'0000-01-01T00:00:00Z'"):
        parse_timestamp("0000-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC), "2026-03-02T09:00:00Z"),
        (datetime(2026, 3, 2, 9, 0, 0, 500000, tzinfo=UTC), "2026-03-02T09:00:00.500000Z"),
        (datetime(2026, 3, 2, 9, 0, 0, 1, tzinfo=UTC), "2026-03-02T09:00:00.000001Z"),
        (datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC), "2026-03-02T09:00:00.123456Z"),
        (
            datetime(2026, 3, 2, 11, 0, 0, tzinfo=timezone(timedelta(hours=2))),
            "2026-03-02T09:00:00Z",
        ),
        (
            datetime(2026, 3, 1, 20, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
            "2026-03-02T01:00:00Z",
        ),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
        (datetime(999, 5, 6, 7, 8, 9, tzinfo=UTC), "0999-05-06T07:08:09Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_format_timestamp(moment: datetime, expected: str) -> None:
    """Formatting writes UTC with `Z`, and a 6-digit fraction only when microseconds are set."""
    assert format_timestamp(moment) == expected


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 9, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 3, 2, 9, 0, 0, 999999, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 15, 30, 250000, tzinfo=timezone(timedelta(hours=2))),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 5, 6, 7, 8, 9, 10, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_parse_format_round_trip(moment: datetime) -> None:
    """Parsing a formatted instant gives it back, and formatting that again is stable."""
    text = format_timestamp(moment)
    assert parse_timestamp(text) == moment
    assert format_timestamp(parse_timestamp(text)) == text


@pytest.mark.parametrize(
    "text",
    ["2026-03-02T09:00:00Z", "2026-03-02T09:00:00.000001Z", "2026-03-02T09:00:00.120000Z"],
)
def test_format_parse_round_trip(text: str) -> None:
    """A canonical timestamp string survives parse then format unchanged."""
    assert format_timestamp(parse_timestamp(text)) == text


def test_leap_second_reads_as_the_last_microsecond_of_its_minute() -> None:
    """RFC 3339 allows 23:59:60; it sorts after :59 and before the next minute."""
    assert parse_timestamp("2016-12-31T23:59:60Z") == datetime(
        2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0000-01-01T00:00:00Z", datetime.min.replace(tzinfo=UTC)),
        ("0001-01-01T00:00:00+01:00", datetime.min.replace(tzinfo=UTC)),
        ("9999-12-31T23:59:59-23:59", datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_clamp_turns_unrepresentable_bounds_into_the_nearest_instant(text, expected) -> None:
    """With clamp, instants outside Python's range become its first or last instant."""
    assert parse_timestamp(text, clamp=True) == expected
    with pytest.raises(TimestampError):
        parse_timestamp(text)


@pytest.mark.parametrize("text", ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z"])
def test_clamp_does_not_hide_impossible_dates(text) -> None:
    """Only out-of-range years clamp; a day or month that does not exist stays an error."""
    with pytest.raises(TimestampError):
        parse_timestamp(text, clamp=True)
