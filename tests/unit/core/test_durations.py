"""Step waits: ISO 8601 durations in days, hours, minutes and seconds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sequences_mock.core.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT0S", timedelta(0)),
        ("P0D", timedelta(0)),
        ("P3D", timedelta(days=3)),
        ("PT4H", timedelta(hours=4)),
        ("PT2H30M", timedelta(hours=2, minutes=30)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT90M", timedelta(minutes=90)),
        ("P2DT3H4M5S", timedelta(days=2, hours=3, minutes=4, seconds=5)),
    ],
)
def test_durations_in_days_hours_minutes_and_seconds(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "P", "PT", "P1DT", "P1M", "P1Y", "P2W", "PT1.5S", "-P1D", "p1d", "P1H", "3D", "P1D2H",
     "PT1H ", "P99999999D"],
)  # fmt: skip
def test_anything_else_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_months_are_refused_as_ambiguous() -> None:
    with pytest.raises(DurationError, match="ambiguous"):
        parse_duration("P1M")


@pytest.mark.parametrize("text", ["PT0S", "P3D", "PT2H30M", "P1DT12H", "P2DT3H4M5S", "PT5M"])
def test_formatting_reads_back(text: str) -> None:
    assert format_duration(parse_duration(text)) == text
