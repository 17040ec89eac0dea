"""What `verify` found: findings, a verdict per choice, and the three ways it is written out
(a terminal table, the JSON report, the `choices:` fixture snippet)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from sequences_mock.core.choices import REGISTER

__all__ = ["ChoiceVerdict", "Finding", "Report", "Verdict"]

Kind = Literal["contract_violation", "invariant", "choice"]
Verdict = Literal["confirmed", "contradicted", "inconclusive", "not_probed"]


@dataclass(frozen=True, slots=True)
class ChoiceVerdict:
    """What a probe showed of one choice; `observed_option` is the target's when it showed one."""

    verdict: Verdict
    observed_option: str | None
    probe: str
    detail: str


@dataclass(frozen=True, slots=True)
class Finding:
    probe: str
    kind: Kind
    detail: str
    choice: str | None = None
    verdict: Verdict | None = None
    observed_option: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "kind": self.kind,
            "choice": self.choice,
            "verdict": self.verdict,
            "observed_option": self.observed_option,
            "detail": self.detail,
        }


@dataclass
class Report:
    """Problems found (each distinct one once, with how often it was seen) and the verdicts."""

    target: str
    problems: dict[tuple[Kind, str], tuple[str, int]] = field(default_factory=dict)
    verdicts: dict[str, ChoiceVerdict] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0
    stopped_early: str | None = None

    def problem(self, probe: str, kind: Kind, detail: str) -> None:
        probe_seen, count = self.problems.get((kind, detail), (probe, 0))
        self.problems[(kind, detail)] = (probe_seen, count + 1)

    def choice(self, choice_id: str, verdict: ChoiceVerdict) -> None:
        """Keep the telling verdict: one that names an option beats one that does not, and two
        probes that saw different options make it inconclusive."""
        known = self.verdicts.get(choice_id)
        if known is None or known.observed_option is None:
            self.verdicts[choice_id] = verdict
        elif verdict.observed_option not in (None, known.observed_option):
            detail = (
                f"{known.probe} showed {known.observed_option}, "
                f"{verdict.probe} {verdict.observed_option}"
            )
            self.verdicts[choice_id] = ChoiceVerdict("inconclusive", None, verdict.probe, detail)

    @property
    def failed(self) -> bool:
        """Something is contradicted or violated: the exit status is 1."""
        return bool(self.problems) or any(
            v.verdict == "contradicted" for v in self.verdicts.values()
        )

    def findings(self) -> list[Finding]:
        found = [
            Finding(probe, kind, detail if count == 1 else f"{detail} (seen {count} times)")
            for (kind, detail), (probe, count) in self.problems.items()
        ]
        for choice in REGISTER:
            verdict = self._verdict(choice.id)
            found.append(
                Finding(
                    verdict.probe,
                    "choice",
                    verdict.detail,
                    choice.id,
                    verdict.verdict,
                    verdict.observed_option,
                )
            )
        return found

    def _verdict(self, choice_id: str) -> ChoiceVerdict:
        return self.verdicts.get(
            choice_id, ChoiceVerdict("not_probed", None, "", "no probe reached it")
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "stopped_early": self.stopped_early,
            "findings": [finding.as_json() for finding in self.findings()],
            "choices": {
                choice.id: {
                    "verdict": self._verdict(choice.id).verdict,
                    "observed_option": self._verdict(choice.id).observed_option,
                    "default": choice.default,
                    "switchable": choice.switchable,
                }
                for choice in REGISTER
            },
        }

    def choices_snippet(self) -> str:
        """The fixture's `choices:` section that makes the mock behave as the target showed:
        every switchable choice contradicted, with the target's option (a comment for the
        verify-only ones, which the mock cannot switch)."""
        notes, pinned = [], []
        for choice in REGISTER:
            verdict = self._verdict(choice.id)
            if verdict.verdict != "contradicted" or verdict.observed_option is None:
                continue
            if choice.switchable:
                pinned.append(f"  {choice.id}: {verdict.observed_option}")
            else:
                notes.append(
                    f"# {choice.id}: {verdict.observed_option} (verify-only: not switchable)"
                )
        head = f"# Choices observed on {self.target} by `sequences-mock verify`."
        return "\n".join([head, *notes, "choices:" if pinned else "choices: {}", *pinned]) + "\n"

    def table(self) -> str:
        """The terminal table: every choice's verdict, then every problem."""
        rows = [("choice", "verdict", "observed", "probe / detail")]
        for choice in REGISTER:
            verdict = self._verdict(choice.id)
            option = verdict.observed_option or "-"
            note = verdict.detail if verdict.verdict != "confirmed" else verdict.probe
            rows.append((choice.id, verdict.verdict, option, note))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
            + "  "
            + row[3]
            for row in rows
        ]
        if self.problems:
            lines += ["", f"{len(self.problems)} problems:"]
            for finding in self.findings():
                if finding.kind != "choice":
                    lines.append(f"  [{finding.kind}] {finding.probe}: {finding.detail}")
        else:
            lines += ["", "no contract violations, no broken invariants"]
        summary = f"{self.requests} requests in {self.seconds:.1f} s"
        if self.stopped_early:
            summary += f"; stopped early: {self.stopped_early}"
        lines.append(summary)
        return "\n".join(lines) + "\n"

    def json_text(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n"
