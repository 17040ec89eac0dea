"""The suite's coverage: every test's calls added up, per operation and declared status.

`GET /__mock/coverage` answers for the calls since the last reset, and the pytest plugin resets
before every test, so the suite's answer is built here: each harvest adds what the mock counted
since the one before. Workers of pytest-xdist each keep one and hand it over as plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["UNMATCHED", "SuiteCoverage", "Tallies"]

#: Calls no operation of the contract matched (router 404s and 405s under /v1).
UNMATCHED = "(unmatched)"

#: Calls per status text ("200"), per operation id (or `UNMATCHED`).
Tallies = dict[str, dict[str, int]]


def tallies_of(document: Mapping[str, Any]) -> Tallies:
    """The per-status counts of a `GET /__mock/coverage` answer."""
    tallies: Tallies = {
        operation["operation"]: {str(k): int(v) for k, v in operation["statuses"].items()}
        for operation in document.get("operations", ())
    }
    unmatched = (document.get("unmatched") or {}).get("statuses") or {}
    tallies[UNMATCHED] = {str(k): int(v) for k, v in unmatched.items()}
    return tallies


class SuiteCoverage:
    """Calls per operation and status over a whole test session, and what each one declares."""

    def __init__(self) -> None:
        #: Per operation id: `method`, `path` and the `declared` statuses (ints), as the mock said.
        self.operations: dict[str, dict[str, Any]] = {}
        self.tallies: Tallies = {}

    # -- adding up -----------------------------------------------------------------------------

    def add(self, document: Mapping[str, Any], counted: Tallies) -> Tallies:
        """Add what `document` counts beyond `counted` (what this mock had already reported).

        Returns the counts to pass as `counted` next time. Counts that went down mean the mock
        forgot its tallies in between (a reset nobody harvested before): all of them are new.
        """
        for operation in document.get("operations", ()):
            self.operations.setdefault(
                operation["operation"],
                {
                    "method": operation["method"],
                    "path": operation["path"],
                    "declared": [int(status) for status in operation["declared"]],
                },
            )
        current = tallies_of(document)
        forgot = any(
            n < counted.get(operation, {}).get(status, 0)
            for operation, statuses in current.items()
            for status, n in statuses.items()
        ) or any(
            sum(current.get(operation, {}).values()) < sum(statuses.values())
            for operation, statuses in counted.items()
        )
        for operation, statuses in current.items():
            before = {} if forgot else counted.get(operation, {})
            for status, n in statuses.items():
                self._count(operation, status, n - before.get(status, 0))
        return current

    def merge(self, data: Mapping[str, Any]) -> None:
        """Add another session's (an xdist worker's) `to_data()`."""
        for operation, facts in data.get("operations", {}).items():
            self.operations.setdefault(operation, dict(facts))
        for operation, statuses in data.get("tallies", {}).items():
            for status, n in statuses.items():
                self._count(operation, status, int(n))

    def to_data(self) -> dict[str, Any]:
        """Plain data (JSON, and what execnet carries from an xdist worker)."""
        return {"operations": self.operations, "tallies": self.tallies}

    def _count(self, operation: str, status: str, n: int) -> None:
        if n > 0:
            statuses = self.tallies.setdefault(operation, {})
            statuses[status] = statuses.get(status, 0) + n

    # -- reporting -----------------------------------------------------------------------------

    @property
    def used(self) -> bool:
        """Whether any mock reported to it (no table for a session that never used one)."""
        return bool(self.operations)

    def report(self) -> dict[str, Any]:
        """The suite's coverage in the shape of `GET /__mock/coverage`, with a percentage."""
        operations = []
        declared_count = exercised_count = calls_count = 0
        for name, facts in self.operations.items():
            statuses = {int(k): v for k, v in self.tallies.get(name, {}).items()}
            declared = sorted(facts["declared"])
            exercised = [status for status in declared if status in statuses]
            calls = sum(statuses.values())
            declared_count += len(declared)
            exercised_count += len(exercised)
            calls_count += calls
            operations.append(
                {
                    "operation": name,
                    "method": facts["method"],
                    "path": facts["path"],
                    "calls": calls,
                    "statuses": {str(status): n for status, n in sorted(statuses.items())},
                    "declared": declared,
                    "exercised": exercised,
                    "unexercised": [status for status in declared if status not in statuses],
                    "undeclared": sorted(set(statuses) - set(declared)),
                }
            )
        unmatched = self.tallies.get(UNMATCHED, {})
        return {
            "operations": operations,
            "unmatched": {
                "calls": sum(unmatched.values()),
                "statuses": dict(sorted(unmatched.items(), key=lambda item: int(item[0]))),
            },
            "summary": {
                "operations": len(operations),
                "operations_called": sum(operation["calls"] > 0 for operation in operations),
                "calls": calls_count,
                "declared_statuses": declared_count,
                "exercised_statuses": exercised_count,
                "percent": percent(exercised_count, declared_count),
            },
        }

    def summary_line(self) -> str:
        summary = self.report()["summary"]
        calls = summary["calls"]
        return (
            f"sequences-mock coverage: {summary['exercised_statuses']} of "
            f"{summary['declared_statuses']} declared statuses exercised "
            f"({summary['percent']:.1f}%) by {calls:,} call{'s' * (calls != 1)} to "
            f"{summary['operations_called']} of {summary['operations']} operations"
        )

    def table(self) -> list[str]:
        """Operations down, declared statuses across: how often each was answered, `-` never."""
        report = self.report()
        columns = sorted({status for op in report["operations"] for status in op["declared"]})
        header = ["operation", "calls", *map(str, columns)]
        rows = []
        for operation in report["operations"]:
            cells = [operation["operation"], str(operation["calls"])]
            for status in columns:
                answered = operation["statuses"].get(str(status))
                declared = status in operation["declared"]
                cells.append(str(answered) if answered else "-" if declared else "")
            rows.append(cells)
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines = [
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in [header, *rows]
        ]
        lines.append("(a number: answers with that status; -: declared, never answered)")
        undeclared = [
            f"{op['operation']} {', '.join(map(str, op['undeclared']))}"
            for op in report["operations"]
            if op["undeclared"]
        ]
        if undeclared:
            lines.append(f"undeclared statuses answered: {'; '.join(undeclared)}")
        if report["unmatched"]["calls"]:
            statuses = ", ".join(f"{s} x{n}" for s, n in report["unmatched"]["statuses"].items())
            lines.append(f"calls no operation matched: {statuses}")
        return lines


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
