"""`assert_called`: which journal entries match, and a failure message showing the near misses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["JOURNAL_FIELDS", "called_message", "check_expectation", "differences"]

#: The fields of a `GET /__mock/requests` entry a keyword of `assert_called` can name.
JOURNAL_FIELDS = (
    "seq",
    "time",
    "method",
    "path",
    "path_truncated_from",
    "query",
    "query_truncated_from",
    "operation",
    "path_params",
    "body",
    "body_text",
    "body_truncated_from",
    "status",
    "code",
    "contract_violation",
    "api_key",
    "fault",
    "network",
    "duration_ms",
)
#: How many near misses a failure lists (the most recent ones).
NEAR_MISSES = 10


def check_expectation(
    operation: str,
    times: int | None,
    match: Mapping[str, Any],
    operations: Mapping[str, tuple[str, ...]],
) -> None:
    """Refuse what could never match, whether or not there were calls: an unknown operation,
    a keyword that is neither a journal field nor one of its path parameters, a bad `times`."""
    if operation not in operations:
        known = ", ".join(operations) or "none"
        raise ValueError(f"no operation {operation!r} in the mock's contract; use one of {known}")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise ValueError(f"times must be a whole number of at least 0, not {times!r}")
    parameters = operations[operation]
    unknown = sorted(set(match) - set(JOURNAL_FIELDS) - set(parameters))
    if unknown:
        fields = ", ".join(JOURNAL_FIELDS)
        names = ", ".join(parameters) or "none"
        raise TypeError(
            f"assert_called() cannot match on {', '.join(map(repr, unknown))}: use a journal "
            f"field ({fields}) or a path parameter of {operation} ({names})"
        )


def differences(call: Mapping[str, Any], match: Mapping[str, Any]) -> list[str]:
    """How a journal entry differs from what was expected, one line per field."""
    found = []
    for name, expected in match.items():
        actual = call[name] if name in call else call.get("path_params", {}).get(name)
        if not _contains(actual, expected):
            found.append(f"{name} was {actual!r}, not {expected!r}")
    return found


def _contains(actual: Any, expected: Any) -> bool:
    """Equality, except that a mapping needs only the expected items (recursively)."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return all(key in actual and _contains(actual[key], v) for key, v in expected.items())
    return bool(actual == expected)


def called_message(
    operation: str,
    times: int | None,
    match: Mapping[str, Any],
    calls: list[dict[str, Any]],
    hits: list[dict[str, Any]],
    all_calls: Callable[[], list[dict[str, Any]]],
) -> str:
    wanted = f"exactly {times} time{'s' * (times != 1)}" if times is not None else "at least once"
    condition = ", ".join(f"{name}={value!r}" for name, value in match.items())
    lines = [
        f"expected {operation} to be called {wanted}"
        + (f" with {condition}" if condition else "")
        + f"; {len(hits)} matching call{'s' * (len(hits) != 1)} of {len(calls)}",
    ]
    misses = [call for call in calls if call not in hits]
    if misses:
        lines.append("near misses:")
        for call in misses[-NEAR_MISSES:]:
            why = "; ".join(differences(call, match))
            lines.append(
                f"  #{call['seq']} {call['method']} {call['path']} -> {call['status']}: {why}"
            )
    elif not calls:
        seen: dict[str, int] = {}
        for call in all_calls():
            label = call["operation"] or f"{call['method']} {call['path']}"
            seen[label] = seen.get(label, 0) + 1
        recorded = ", ".join(f"{label} x{n}" for label, n in seen.items()) or "nothing"
        lines.append(f"calls recorded: {recorded}")
    return "\n".join(lines)
