"""Checks of a whole fixture document: its shape, duplicate ids, references and the state rules."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from datetime import datetime
from importlib import resources
from typing import Any

from sequences_mock.core.domain import MANUAL_STEPS, Status
from sequences_mock.core.durations import DurationError, parse_duration
from sequences_mock.core.errors import FieldProblem
from sequences_mock.core.timestamps import TimestampError, parse_timestamp
from sequences_mock.formats import strict_json
from sequences_mock.formats.schema import Validator, compile_schema
from sequences_mock.state.problem_limits import MAX_PROBLEMS, Bounded, item_schema_problems
from sequences_mock.state.records import Moments

__all__ = [
    "COLLECTIONS",
    "MAX_PROBLEMS",
    "Label",
    "check",
    "duplicate_problems",
    "index_label",
    "reference_problems",
    "shape_problems",
]

#: Collections in document order, each with the field that identifies its items.
COLLECTIONS = {
    "workspaces": "id",
    "api_keys": "key",
    "companies": "id",
    "contacts": "id",
    "templates": "id",
    "contact_lists": "id",
    "sequences": "id",
}
#: Fields besides the identifying one that no two items of a collection may share.
ALSO_UNIQUE = {"api_keys": ("name",)}
#: Fields that point at another collection, and the collection they point at.
REFERENCES = {
    "contacts": {"company_id": "companies"},
    "sequences": {
        "contact_id": "contacts",
        "template_id": "templates",
        "contact_list_id": "contact_lists",
    },
}
SINGULAR = {
    "companies": "company",
    "contacts": "contact",
    "templates": "template",
    "contact_lists": "contact list",
}
TIMESTAMP_FIELDS = (
    "last_step_executed_at",
    "created_at",
    "updated_at",
    "paused_until",
    "next_step_at",
)
#: Statuses the clock acts on by itself; the others have no `next_step_at`.
SCHEDULED = frozenset({Status.FOUND, Status.ACTIVE, Status.WAITING_FOR_LEAD})
PROGRESS_FIELDS = ("next_step", "next_step_at", "skipped_steps")

Label = Callable[[str, int], str]
#: The collections other items point at (see `REFERENCES`), whose items' workspaces are looked up.
_REFERENCED = {
    "workspaces",
    *(target for fields in REFERENCES.values() for target in fields.values()),
}


_SCHEMA = json.loads((resources.files("sequences_mock") / "fixture.schema.json").read_text())


class _Validator:
    """The fixture schema, compiled once per process on first use."""

    compiled: Validator | None = None

    @classmethod
    def get(cls) -> Validator:
        if cls.compiled is None:
            cls.compiled = compile_schema(_SCHEMA)
        return cls.compiled


def check(
    document: Any,
    *,
    strict_json: bool = False,
    moments: Moments | None = None,
    limit: int = MAX_PROBLEMS,
) -> list[FieldProblem]:
    """Every problem in a whole fixture document, up to `limit`: shape first, then references
    and state rules.

    `strict_json` says the document came from `strict_json.loads`, which already refused everything
    JSON cannot hold, so the walk that looks for such values (YAML's extras) is skipped. The
    timestamps parsed on the way are kept in `moments`, for building the world after.
    """
    problems, plain = shape_problems(document, strict_json=strict_json, limit=limit)
    if len(problems) < limit:
        problems += duplicate_problems(plain, index_label, limit - len(problems))
    if len(problems) < limit:
        moments = Moments() if moments is None else moments
        problems += reference_problems(plain, index_label, moments, limit - len(problems))
    return problems


def index_label(collection: str, index: int) -> str:
    """How a problem names an item of the document checked: by its position."""
    return f"{collection}[{index}]"


def shape_problems(
    document: Any, *, strict_json: bool, limit: int = MAX_PROBLEMS
) -> tuple[list[FieldProblem], Any]:
    """Schema problems, plus what YAML can hold but JSON cannot, up to `limit`; also the
    JSON-only copy checked (None when the limit stopped the copy)."""
    problems = Bounded(limit)
    plain = document
    if not strict_json:
        with problems.stop_when_full():
            plain = _plain_json(document, "", problems, set(), 1)
        if len(problems) == limit:  # the walk stopped part way: there is no copy to check
            return list(problems), None
    reported = {problem.name for problem in problems}
    # A value dropped from the copy would show up again as a schema error at the same path.
    with problems.stop_when_full():
        problems += (
            problem
            for problem in item_schema_problems(_Validator.get(), plain, COLLECTIONS, limit)
            if problem.name not in reported
        )
    return list(problems), plain


def _plain_json(
    value: Any, path: str, problems: list[FieldProblem], seen: set[int], depth: int
) -> Any:
    """A copy without what JSON cannot hold (non-string keys, binary, NaN, lone surrogates, YAML
    aliases, absurd nesting), each reported by path.

    Aliases are refused because one can make a document loop or expand exponentially.
    """
    if isinstance(value, dict | list):
        if id(value) in seen:
            problems.append(FieldProblem("body", path, "repeats a YAML anchor; use no aliases"))
            return None
        if depth > strict_json.MAX_DEPTH:
            problems.append(
                FieldProblem("body", path, f"nests deeper than {strict_json.MAX_DEPTH}")
            )
            return None
        seen.add(id(value))
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            if isinstance(key, str) and _is_text(key):
                name = f"{path}.{key}" if path else key
                plain[key] = _plain_json(item, name, problems, seen, depth + 1)
            else:
                problems.append(FieldProblem("body", path, f"key {key!r} is not a string"))
        return plain
    if isinstance(value, list):
        return [
            _plain_json(item, f"{path}[{i}]", problems, seen, depth + 1)
            for i, item in enumerate(value)
        ]
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(FieldProblem("body", path, f"{value} is not a JSON number"))
        return None
    if isinstance(value, str) and not _is_text(value):
        problems.append(FieldProblem("body", path, "holds a lone surrogate, not Unicode text"))
        return None
    if value is not None and not isinstance(value, str | int | float | bool):
        problems.append(FieldProblem("body", path, f"a {type(value).__name__} is not JSON data"))
        return None
    return value


def _is_text(value: str) -> bool:
    """False for strings with lone surrogates, which no JSON encoder can write out."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _items(document: Any, collection: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The well-formed items of a collection, so checks can run on a partly broken document."""
    items = document.get(collection) if isinstance(document, dict) else None
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def duplicate_problems(
    document: Any, label: Label, limit: int = MAX_PROBLEMS
) -> list[FieldProblem]:
    """Ids, and the other fields that must be unique, used twice in one collection (up to
    `limit` of them)."""
    problems = Bounded(limit)
    with problems.stop_when_full():
        _find_duplicates(document, label, problems)
    return list(problems)


def _find_duplicates(document: Any, label: Label, problems: list[FieldProblem]) -> None:
    for collection, id_field in COLLECTIONS.items():
        for unique_field in (id_field, *ALSO_UNIQUE.get(collection, ())):
            first_seen: dict[str, int] = {}
            for index, item in _items(document, collection):
                identity = item.get(unique_field)
                if not isinstance(identity, str):
                    continue
                if identity in first_seen:
                    problems.append(
                        FieldProblem(
                            "body",
                            f"{label(collection, index)}.{unique_field}",
                            f"duplicate {unique_field} {identity}, first used at "
                            f"{label(collection, first_seen[identity])}",
                        )
                    )
                else:
                    first_seen[identity] = index


_UNKNOWN = object()


def reference_problems(
    document: Any, label: Label, moments: Moments, limit: int = MAX_PROBLEMS
) -> list[FieldProblem]:
    """Unknown or cross-workspace references, then the state rules of each sequence (up to
    `limit` problems)."""
    problems = Bounded(limit)
    with problems.stop_when_full():
        _find_reference_problems(document, label, moments, problems)
    return list(problems)


def _find_reference_problems(
    document: Any, label: Label, moments: Moments, problems: Bounded
) -> None:

    def problem(collection: str, index: int, field: str, message: str) -> None:
        problems.append(FieldProblem("body", f"{label(collection, index)}.{field}", message))

    workspace_of = {
        collection: {
            item[id_field]: item.get("workspace_id")
            for _, item in _items(document, collection)
            if isinstance(item.get(id_field), str)
        }
        for collection, id_field in COLLECTIONS.items()
        if collection in _REFERENCED
    }
    workspaces = workspace_of["workspaces"]
    steps_of: dict[str, list[str]] = {}
    for index, item in _items(document, "templates"):
        steps = item.get("steps", [])
        if isinstance(item.get("id"), str) and isinstance(steps, list):
            steps_of[item["id"]] = [str(s.get("type")) for s in steps if isinstance(s, dict)]
        for field, message in _template_rule_problems(item):
            problem("templates", index, field, message)
    rule_problems: list[tuple[int, str, str]] = []
    for collection in COLLECTIONS:
        if collection == "workspaces":
            continue
        references = [
            (field, workspace_of[target], SINGULAR[target])
            for field, target in REFERENCES.get(collection, {}).items()
        ]
        is_sequence = collection == "sequences"
        for index, item in _items(document, collection):
            workspace_id = item.get("workspace_id")
            if isinstance(workspace_id, str) and workspace_id not in workspaces:
                problem(collection, index, "workspace_id", f"unknown workspace {workspace_id}")
            for field, owners, singular in references:
                value = item.get(field)
                if value is None or not isinstance(value, str):
                    continue
                owner = owners.get(value, _UNKNOWN)
                if owner is _UNKNOWN:
                    problem(collection, index, field, f"unknown {singular} {value}")
                elif owner != workspace_id:
                    problem(collection, index, field, f"{singular} {value} is in another workspace")
            if is_sequence and len(rule_problems) < problems.limit:
                template_id = item.get("template_id")
                # A template_id of the wrong type is a schema problem, reported already.
                steps = steps_of.get(template_id) if isinstance(template_id, str) else None
                for field, message in _sequence_rule_problems(item, moments, steps):
                    rule_problems.append((index, field, message))
    # Listed after every reference problem, as they always were.
    for index, field, message in rule_problems:
        problem("sequences", index, field, message)
    clock = document.get("clock") if isinstance(document, dict) else None
    if isinstance(clock, dict) and isinstance(clock.get("now"), str):
        try:
            parse_timestamp(clock["now"])
        except TimestampError as error:
            problems.append(FieldProblem("body", "clock.now", str(error)))
    lifecycle = document.get("lifecycle") if isinstance(document, dict) else None
    delay = lifecycle.get("activation_delay") if isinstance(lifecycle, dict) else None
    if isinstance(delay, str):
        problems += [
            FieldProblem("body", "lifecycle.activation_delay", message)
            for message in _duration_problems(delay)
        ]


def _duration_problems(text: str) -> list[str]:
    try:
        parse_duration(text)
    except DurationError as error:
        return [str(error)]
    return []


def _template_rule_problems(template: dict[str, Any]) -> Iterator[tuple[str, str]]:
    steps = template.get("steps")
    if not isinstance(steps, list):
        return
    for index, step in enumerate(steps):
        wait = step.get("wait") if isinstance(step, dict) else None
        if isinstance(wait, str):
            for message in _duration_problems(wait):
                yield f"steps[{index}].wait", message


def _sequence_rule_problems(
    sequence: dict[str, Any], parsed: Moments, steps: list[str] | None
) -> Iterator[tuple[str, str]]:
    moments: dict[str, datetime] = {}
    for field in TIMESTAMP_FIELDS:
        value = sequence.get(field)
        if isinstance(value, str):
            try:
                moments[field] = parsed[value]
            except TimestampError as error:
                yield field, str(error)
    status = sequence.get("status")
    if status == Status.WAITING_FOR_LEAD and "paused_until" not in sequence:
        yield "paused_until", "a WAITING_FOR_LEAD sequence needs a paused_until deadline"
    if status != Status.WAITING_FOR_LEAD and "paused_until" in sequence:
        yield "paused_until", f"only a WAITING_FOR_LEAD sequence has a deadline, not {status}"
    if status != Status.STOPPED_EARLY and "stop_reason" in sequence:
        yield "stop_reason", f"only a STOPPED_EARLY sequence has a stop reason, not {status}"
    created, updated = moments.get("created_at"), moments.get("updated_at")
    if created and updated and updated < created:
        yield "updated_at", "is earlier than created_at"
    if status != Status.REFUSED and "refusal_reason" in sequence:
        yield "refusal_reason", f"only a REFUSED sequence has a refusal reason, not {status}"
    if steps is not None:
        yield from _progress_problems(sequence, status, steps)


def _progress_problems(
    sequence: dict[str, Any], status: Any, steps: list[str]
) -> Iterator[tuple[str, str]]:
    """A run's progress against its template's steps (`steps`: their types, in order)."""
    if not steps:
        for field in PROGRESS_FIELDS:
            if field in sequence:
                yield field, "only a run of a template with steps has progress"
        return
    count = len(steps)
    step = sequence.get("next_step")
    if isinstance(step, int) and step > count:
        yield "next_step", f"is past the end of its template's {count} steps"
        return
    if status in SCHEDULED and step == count:
        yield "next_step", f"a {status} run has a step left to run, not past the last step"
    if status == Status.WAITING_FOR_USER:
        manual = [i for i, kind in enumerate(steps) if kind in MANUAL_STEPS]
        if not manual:
            yield "status", "a WAITING_FOR_USER run waits on a call or task; its template has none"
        elif isinstance(step, int) and step not in manual:
            on = f"step {step} ({steps[step]})" if step < count else "the end"
            yield "next_step", f"a WAITING_FOR_USER run waits on a call or task, not {on}"
    if status not in SCHEDULED and sequence.get("next_step_at") is not None:
        yield "next_step_at", f"only a FOUND, ACTIVE or WAITING_FOR_LEAD run has one, not {status}"
    skipped = sequence.get("skipped_steps")
    if isinstance(skipped, int) and isinstance(step, int) and skipped > step:
        yield "skipped_steps", f"is more than the {step} steps behind the run"
