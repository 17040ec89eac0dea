"""Choices inferred, not assumed: a stateful probe's steps on the target against the same probe
on a mock world built from what the target returned, once under each option."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sequences_mock.core.choices import BY_ID
from sequences_mock.verify.report import ChoiceVerdict
from sequences_mock.verify.scenarios import Steps
from sequences_mock.verify.target import Caller
from sequences_mock.verify.world import MockWorld

__all__ = ["Probe", "compare_with_worlds", "verdict_from_option"]

#: A stateful probe, ready to run on a caller (the target, or a world).
Probe = Callable[[Caller], Awaitable[Steps]]


async def compare_with_worlds(
    name: str,
    probe: Probe,
    target: Steps,
    document: Mapping[str, Any],
    world: MockWorld,
    touched: Mapping[str, Sequence[str]],
    inferred: dict[str, str],
) -> dict[str, ChoiceVerdict]:
    """For each choice in `touched` (choice id: the steps that show it), in order: which options
    make a world answer those steps as the target did. The other choices run under what was
    inferred so far (`inferred`, updated with each contradiction), so one difference does not
    pass for another."""
    verdicts = {}
    for choice_id, step_names in touched.items():
        choice = BY_ID[choice_id]
        missing = [step for step in step_names if step not in target.seen]
        if missing:
            why = "; ".join(target.skipped.get(step, f"{step} did not run") for step in missing)
            verdicts[choice_id] = ChoiceVerdict("inconclusive", None, name, why)
            continue
        wanted = {step: target.seen[step] for step in step_names}
        matching = []
        for option in choice.options:
            switched = {**inferred, choice_id: option}
            await world.load(document, {k: v for k, v in switched.items() if BY_ID[k].default != v})
            seen = (await probe(world)).seen
            if {step: seen.get(step) for step in step_names} == wanted:
                matching.append(option)
        verdicts[choice_id] = _verdict(name, choice.default, matching, wanted)
        if verdicts[choice_id].verdict == "contradicted":
            inferred[choice_id] = matching[0]
    return verdicts


def _verdict(
    probe: str, default: str, matching: list[str], wanted: Mapping[str, Any]
) -> ChoiceVerdict:
    shown = "; ".join(f"{step}: {_brief(seen)}" for step, seen in wanted.items())
    if len(matching) == 1:
        return verdict_from_option(probe, default, matching[0], shown)
    if not matching:
        return ChoiceVerdict(
            "inconclusive", None, probe, f"no option answers as the target: {shown}"
        )
    return ChoiceVerdict(
        "inconclusive", None, probe, f"options {', '.join(matching)} all answer {shown}"
    )


def verdict_from_option(probe: str, default: str, option: str, shown: str) -> ChoiceVerdict:
    """`confirmed` when the target showed the mock's default, else `contradicted`."""
    if option == default:
        return ChoiceVerdict("confirmed", option, probe, shown)
    return ChoiceVerdict("contradicted", option, probe, shown)


def _brief(seen: Mapping[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in seen.items() if value is not None)
