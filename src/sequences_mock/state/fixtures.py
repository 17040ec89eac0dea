"""Fixture documents: read YAML or JSON, check them whole, build a `World`, and dump one back."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sequences_mock.core.domain import (
    ApiKey,
    Company,
    Contact,
    ContactList,
    Sequence,
    Status,
    StopReason,
    Template,
    Workspace,
)
from sequences_mock.core.errors import FieldProblem, InvalidFixtures, MalformedDocument
from sequences_mock.core.timestamps import TimestampError, format_timestamp, parse_timestamp
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.formats import safe_yaml, strict_json
from sequences_mock.formats.schema import Validator, compile_schema, schema_problems

__all__ = [
    "DEFAULT_FIXTURES",
    "check",
    "dump",
    "load",
    "merge",
    "parse_document",
    "read_document",
    "sequence_record",
]

DEFAULT_FIXTURES = resources.files("sequences_mock") / "_data" / "default.yaml"

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
#: Enum members by value: a dictionary lookup, several times cheaper than calling the enum.
STATUSES = {status.value: status for status in Status}
STOP_REASONS = {reason.value: reason for reason in StopReason}
TIMESTAMP_FIELDS = ("last_step_executed_at", "created_at", "updated_at", "paused_until")

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


# -- reading -----------------------------------------------------------------------------------


def read_document(path: str | Path | Traversable) -> Any:
    """Read and parse a fixture file (JSON when it ends in `.json`, YAML otherwise)."""
    if isinstance(path, str):
        path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MalformedDocument(f"cannot read {path}: {error.strerror or error}") from None
    return parse_document(
        data, yaml_syntax=not path.name.lower().endswith(".json"), source=str(path)
    )


def parse_document(data: bytes, *, yaml_syntax: bool, source: str = "document") -> Any:
    """Parse fixture text; a syntax error becomes a `MalformedDocument` naming line and column."""
    try:
        if yaml_syntax:
            return safe_yaml.load(data)
        return strict_json.loads(data)
    except (safe_yaml.YAMLError, ValueError, RecursionError) as error:
        message = " ".join(str(error).split())
        raise MalformedDocument(
            f"{source} is not valid {'YAML' if yaml_syntax else 'JSON'}: {message}"
        ) from None


# -- checking ----------------------------------------------------------------------------------


def check(document: Any, *, strict_json: bool = False) -> list[FieldProblem]:
    """Every problem in a whole fixture document: shape first, then references and state rules.

    `strict_json` says the document came from `strict_json.loads`, which already refused everything
    JSON cannot hold, so the walk that looks for such values (YAML's extras) is skipped.
    """
    return _check(document, strict_json, _Moments())


def _check(document: Any, strict_json: bool, moments: _Moments) -> list[FieldProblem]:
    problems, plain = _shape_problems(document, strict_json=strict_json)
    problems += _duplicate_problems(plain, _index_label)
    problems += _reference_problems(plain, _index_label, moments)
    return problems


def load(document: Any, *, strict_json: bool = False) -> World:
    """Check a whole document and build its world, or raise with every problem found."""
    moments = _Moments()
    problems = _check(document, strict_json, moments)
    if problems:
        raise _invalid(problems)
    return _build(document, moments)


def merge(current: World, incoming: Any, *, strict_json: bool = False) -> World:
    """Upsert `incoming`'s items into `current` by id; checked as a whole before anything changes.

    Problems name the incoming document's paths (`sequences[2].template_id`); an item of the
    current state that the merge breaks is named by id.
    """
    problems, _ = _shape_problems(incoming, strict_json=strict_json)
    problems += _duplicate_problems(incoming, _index_label)
    if problems:
        raise _invalid(problems)
    merged = dump(current)
    origins: dict[str, list[str]] = {}
    for collection, id_field in COLLECTIONS.items():
        items = merged.setdefault(collection, [])
        labels = [f"{collection}[{id_field}={item[id_field]}] (current state)" for item in items]
        position = {item[id_field]: index for index, item in enumerate(items)}
        for index, item in enumerate(incoming.get(collection, [])):
            label = _index_label(collection, index)
            if item[id_field] in position:
                items[position[item[id_field]]] = item
                labels[position[item[id_field]]] = label
            else:
                items.append(item)
                labels.append(label)
        origins[collection] = labels
    if "clock" in incoming:
        merged["clock"] = incoming["clock"]
    moments = _Moments()

    def origin(collection: str, index: int) -> str:
        return origins[collection][index]

    # Ids are unique after an upsert by id; other unique fields (an API key's name) may clash.
    problems = _duplicate_problems(merged, origin)
    problems += _reference_problems(merged, origin, moments)
    if problems:
        raise _invalid(problems)
    return _build(merged, moments)


def _invalid(problems: list[FieldProblem]) -> InvalidFixtures:
    count = len(problems)
    return InvalidFixtures(
        f"the fixture document has {count} problem{'s' if count != 1 else ''}", problems
    )


def _index_label(collection: str, index: int) -> str:
    return f"{collection}[{index}]"


def _shape_problems(document: Any, *, strict_json: bool) -> tuple[list[FieldProblem], Any]:
    """Schema problems, plus what YAML can hold but JSON cannot; also the JSON-only copy checked."""
    problems: list[FieldProblem] = []
    plain = document if strict_json else _plain_json(document, "", problems, set(), 1)
    reported = {problem.name for problem in problems}
    # A value dropped from the copy would show up again as a schema error at the same path.
    problems += [
        problem
        for problem in schema_problems(_Validator.get(), plain, "body")
        if problem.name not in reported
    ]
    return problems, plain


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


def _duplicate_problems(document: Any, label: Label) -> list[FieldProblem]:
    problems = []
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
    return problems


_UNKNOWN = object()


class _Moments(dict[str, datetime]):
    """Timestamps parsed once per document, though both checking and building read them."""

    def __missing__(self, text: str) -> datetime:
        moment = self[text] = parse_timestamp(text)
        return moment


def _reference_problems(document: Any, label: Label, moments: _Moments) -> list[FieldProblem]:
    problems: list[FieldProblem] = []

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
            if workspace_id not in workspaces and isinstance(workspace_id, str):
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
            if is_sequence:
                for field, message in _sequence_rule_problems(item, moments):
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
    return problems


def _sequence_rule_problems(
    sequence: dict[str, Any], parsed: _Moments
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
    deadline = moments.get("paused_until")
    if deadline and updated and deadline <= updated:
        yield "paused_until", "must be after updated_at (a pause ends after it was set)"


# -- building and dumping ----------------------------------------------------------------------


def _build(document: dict[str, Any], moments: _Moments) -> World:
    def moment(value: str | None) -> datetime | None:
        return None if value is None else moments[value]

    clock = document.get("clock")
    return World(
        clock=(
            ClockSetting(parse_timestamp(clock["now"]), clock.get("frozen", False))
            if clock
            else None
        ),
        workspaces={w["id"]: Workspace(w["id"], w["name"]) for w in document.get("workspaces", [])},
        api_keys={
            k["key"]: ApiKey(k["key"], k["workspace_id"], frozenset(k["scopes"]), k.get("name"))
            for k in document.get("api_keys", [])
        },
        companies={
            c["id"]: Company(c["id"], c["workspace_id"], c["name"])
            for c in document.get("companies", [])
        },
        contacts={
            c["id"]: Contact(
                c["id"],
                c["workspace_id"],
                c["company_id"],
                c["first_name"],
                c["last_name"],
                c["email"],
            )
            for c in document.get("contacts", [])
        },
        templates={
            t["id"]: Template(t["id"], t["workspace_id"], t["name"], dict(t["variables"]))
            for t in document.get("templates", [])
        },
        contact_lists={
            c["id"]: ContactList(c["id"], c["workspace_id"], c["name"])
            for c in document.get("contact_lists", [])
        },
        # Positional, in field order: a third faster than keywords, which counts at 100k items.
        sequences={
            s["id"]: Sequence(
                s["id"],
                s["workspace_id"],
                s["contact_id"],
                s["template_id"],
                STATUSES[s["status"]],
                dict(s["variables"]),
                s["contact_list_id"],
                moment(s["last_step_executed_at"]),
                moments[s["created_at"]],
                moments[s["updated_at"]],
                moment(s.get("paused_until")),
                STOP_REASONS[s["stop_reason"]] if "stop_reason" in s else None,
            )
            for s in document.get("sequences", [])
        },
    )


def dump(world: World) -> dict[str, Any]:
    """The world as a fixture document; loading it back gives the same world."""
    document: dict[str, Any] = {}
    if world.clock is not None:
        document["clock"] = {"now": format_timestamp(world.clock.now), "frozen": world.clock.frozen}
    document["workspaces"] = [{"id": w.id, "name": w.name} for w in world.workspaces.values()]
    document["api_keys"] = [
        {
            "key": k.key,
            **({"name": k.name} if k.name is not None else {}),
            "workspace_id": k.workspace_id,
            "scopes": sorted(k.scopes),
        }
        for k in world.api_keys.values()
    ]
    document["companies"] = [
        {"id": c.id, "workspace_id": c.workspace_id, "name": c.name}
        for c in world.companies.values()
    ]
    document["contacts"] = [
        {
            "id": c.id,
            "workspace_id": c.workspace_id,
            "company_id": c.company_id,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "email": c.email,
        }
        for c in world.contacts.values()
    ]
    document["templates"] = [
        {"id": t.id, "workspace_id": t.workspace_id, "name": t.name, "variables": dict(t.variables)}
        for t in world.templates.values()
    ]
    document["contact_lists"] = [
        {"id": c.id, "workspace_id": c.workspace_id, "name": c.name}
        for c in world.contact_lists.values()
    ]
    document["sequences"] = [_dump_sequence(s) for s in world.sequences.values()]
    return document


def sequence_record(
    sequence: Sequence, timestamp: Callable[[datetime], str] = format_timestamp
) -> dict[str, Any]:
    """The documented fields as JSON data: the public shape, and the core of a fixture item.

    `timestamp` writes each date-time (the renderer passes a remembering `format_timestamp`).
    """
    last_step = sequence.last_step_executed_at
    return {
        "id": sequence.id,
        "workspace_id": sequence.workspace_id,
        "contact_id": sequence.contact_id,
        "template_id": sequence.template_id,
        "status": sequence.status.value,
        "variables": dict(sequence.variables),
        "contact_list_id": sequence.contact_list_id,
        "last_step_executed_at": timestamp(last_step) if last_step else None,
        "created_at": timestamp(sequence.created_at),
        "updated_at": timestamp(sequence.updated_at),
    }


def _dump_sequence(sequence: Sequence) -> dict[str, Any]:
    item = sequence_record(sequence)
    if sequence.paused_until is not None:
        item["paused_until"] = format_timestamp(sequence.paused_until)
    if sequence.stop_reason is not None:
        item["stop_reason"] = sequence.stop_reason.value
    return item
