"""The suite's coverage: every test's calls added up, per operation and declared status.

`GET /__mock/coverage` answers for the calls since the last reset, and the pytest plugin resets
before every test, so the suite's answer is built here: each harvest adds what the mock counted
since the one before. Workers of pytest-xdist each keep one and hand it over as plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

__all__ = ["FAULT_ONLY", "UNMATCHED", "SuiteCoverage", "Tallies", "parse_ignore"]

#: Declared statuses no call of a consumer gets by the mock's own rules: a fault must inject
#: them (429, 5xx), or the request must name another host (421, the mock's loopback guard).
#: The suite's coverage leaves them out unless told to count every declared status.
FAULT_ONLY = frozenset({421, 429, 500, 502, 503, 504})

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


def parse_ignore(values: Iterable[str]) -> list[tuple[str, str]]:
    """`OP:STATUS` patterns (shell wildcards, comma-separated or repeated): `stopSequence:409`,
    `*:5*`, `updateSequence` (every status). `ValueError` for an empty part."""
    patterns = []
    for value in values:
        for item in value.split(","):
            operation, _, status = item.strip().partition(":")
            if not operation or (_ and not status):
                raise ValueError(f"ignore {item!r}: give OPERATION:STATUS, wildcards allowed")
            patterns.append((operation, status or "*"))
    return patterns


class SuiteCoverage:
    """Calls per operation and status over a whole test session, and what each one declares.

    A declared status counts unless an `ignore` pattern (operation, status) matches it or,
    without `count_all`, it is in `FAULT_ONLY`; the report lists the others as `excluded`.
    """

    def __init__(self, ignore: Iterable[tuple[str, str]] = (), *, count_all: bool = False) -> None:
        #: Per operation id: `method`, `path` and the `declared` statuses (ints), as the mock said.
        self.operations: dict[str, dict[str, Any]] = {}
        self.tallies: Tallies = {}
        self.ignore = list(ignore)
        self.count_all = count_all

    def counts(self, operation: str, status: int) -> bool:
        """Whether the declared `status` of `operation` is one the gate counts."""
        if not self.count_all and status in FAULT_ONLY:
            return False
        return not any(
            fnmatchcase(operation, op) and fnmatchcase(str(status), st) for op, st in self.ignore
        )

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
        declared_count = exercised_count = calls_count = excluded_count = 0
        for name, facts in self.operations.items():
            statuses = {int(k): v for k, v in self.tallies.get(name, {}).items()}
            every = sorted(facts["declared"])
            declared = [status for status in every if self.counts(name, status)]
            exercised = [status for status in declared if status in statuses]
            calls = sum(statuses.values())
            declared_count += len(declared)
            excluded_count += len(every) - len(declared)
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
                    "excluded": [status for status in every if status not in declared],
                    "undeclared": sorted(set(statuses) - set(every)),
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
                "excluded_statuses": excluded_count,
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
            + (f"; {summary['excluded_statuses']} left out" if summary["excluded_statuses"] else "")
        )

    def table(self) -> list[str]:
        """Operations down, declared statuses across: how often each was answered, `-` never."""
        report = self.report()
        columns = sorted(
            {status for op in report["operations"] for status in op["declared"] + op["excluded"]}
        )
        header = ["operation", "calls", *map(str, columns)]
        rows = []
        for operation in report["operations"]:
            cells = [operation["operation"], str(operation["calls"])]
            for status in columns:
                answered = operation["statuses"].get(str(status))
                if answered:
                    cells.append(str(answered))
                elif status in operation["declared"]:
                    cells.append("-")
                else:
                    cells.append("x" if status in operation["excluded"] else "")
            rows.append(cells)
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines = [
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in [header, *rows]
        ]
        lines.append(
            "(a number: answers with that status; -: declared, never answered; "
            "x: not counted, see --sequences-mock-coverage-all and -ignore)"
        )
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
