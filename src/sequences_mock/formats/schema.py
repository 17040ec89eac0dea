"""Draft 2020-12 validation errors as `FieldProblem`s, shared by every layer that validates.

A hostile document can break a schema in a hundred thousand places, so a check is bounded:
it names at most `MAX_PROBLEMS` problems, none longer than `MAX_ECHO` characters of input.
"""

from __future__ import annotations

import json
import re
from itertools import islice
from typing import Any

import jsonschema_rs

from sequences_mock.core.errors import FieldProblem, Location, field_path
from sequences_mock.formats.valid_sources import Source, ValidSources

__all__ = [
    "MAX_ECHO",
    "MAX_ENTRIES",
    "MAX_PROBLEMS",
    "Validator",
    "compile_schema",
    "schema_problems",
    "shorten",
]

#: The problems one check names at most; the answer says how many more there were.
MAX_PROBLEMS = 100
#: The entries of each object and array an invalid document's errors are looked for in: more
#: than any `maxProperties` or `maxItems` of the mock's schemas, so those are still seen.
MAX_ENTRIES = 1000
#: The characters of a problem's name or message at most: enough to recognise the input,
#: never a copy of a megabyte value.
MAX_ECHO = 200


class Validator:
    """A schema, compiled on first use, with the document it was compiled from (to name missing
    and unexpected properties without asking the validator for the offending instance).

    On first use: a test session touches a few of the contracts' 85 schemas, and compiling them
    all cost every session 40-50 ms before its first test; `serve` compiles them all up front
    (`Contract.compile_all`).
    """

    __slots__ = ("_compiled", "_sources", "schema")

    def __init__(self, schema: dict[str, Any], sources: ValidSources | None = None) -> None:
        self.schema = schema
        self._compiled: jsonschema_rs.Validator | None = None
        self._sources = sources

    def compile(self) -> jsonschema_rs.Validator:
        """The compiled schema (compiled now if it was not yet)."""
        if self._compiled is None:
            self._compiled = jsonschema_rs.Draft202012Validator(self.schema, validate_formats=True)
        return self._compiled

    def is_valid(self, instance: Any, source: Source | None = None) -> bool:
        """Whether `instance` is valid. `source`, when given, determines `instance` entirely (the
        bytes it was parsed from or is sent as): with `sources`, one found valid is remembered,
        and the same source again is not checked again."""
        sources = self._sources
        if source is not None and sources is not None and (self, source) in sources.valid:
            return True
        compiled = self._compiled
        if compiled is None:
            compiled = self.compile()
        valid: bool = compiled.is_valid(instance)
        if valid and source is not None and sources is not None:
            sources.add(self, source)
        return valid

    def errors(self, instance: Any) -> list[dict[str, Any]]:
        """Every error as `{"schemaLocation", "instanceLocation", "error"}`.

        `evaluate` is used rather than `iter_errors`: the latter builds every error before the
        first is handed over, each with its instance turned into Python objects, which made one
        object of 10,000 bad names take seconds and gigabytes (each error carried the object).
        """
        return self.compile().evaluate(instance).errors()  # type: ignore[return-value]


def compile_schema(schema: dict[str, Any], sources: ValidSources | None = None) -> Validator:
    return Validator(schema, sources)


def schema_problems(
    validator: Validator,
    instance: Any,
    location: Location,
    *,
    limit: int = MAX_PROBLEMS,
    source: Source | None = None,
) -> list[FieldProblem]:
    """The first `limit` ways `instance` breaks the schema, named by path (each shortened);
    `source` as `Validator.is_valid` takes it."""
    if validator.is_valid(instance, source):
        return []  # the usual case, and cheaper than an evaluation
    errors = validator.errors(_trimmed(instance))
    if not errors:  # every mistake lies past the first `MAX_ENTRIES` of some object or array
        errors = validator.errors(instance)
    problems: list[FieldProblem] = []
    for error in errors:
        if len(problems) >= limit:
            break
        problems += _named(validator, instance, location, error, limit - len(problems))
    if not problems:  # never call an invalid document valid, whatever the errors looked like
        message = errors[0]["error"] if errors else "does not match its schema"
        problems.append(_problem(location, [], message))
    return problems[:limit]


def _trimmed(value: Any) -> Any:
    """`value` with each object and array cut to its first `MAX_ENTRIES`: what the errors are
    looked for in, so that their number (and the time to list them) is bounded."""
    if isinstance(value, dict):
        entries = value.items() if len(value) <= MAX_ENTRIES else islice(value.items(), MAX_ENTRIES)
        return {name: _trimmed(item) for name, item in entries}
    if isinstance(value, list):
        return [_trimmed(item) for item in value[:MAX_ENTRIES]]
    return value


def _named(
    validator: Validator, instance: Any, location: Location, error: dict[str, Any], room: int
) -> list[FieldProblem]:
    """One evaluation error as problems (an unexpected-properties error names each property).

    The kind of error is read from its message: jsonschema-rs 0.60 sometimes gives a `required`
    error the location of a sibling keyword.
    """
    parts = _instance_parts(instance, error["instanceLocation"])
    message: str = error["error"]
    if message.endswith(_REQUIRED) and (name := _required_name(message)) is not None:
        found = _node_at(instance, parts)
        if isinstance(found, dict) and name in found:
            return []  # there, past the entries checked
        return [_problem(location, [*parts, name], "is required")]
    if message.startswith(_UNEXPECTED):
        keyword_path = error["schemaLocation"].partition("#")[2] or error["schemaLocation"]
        owner = _schema_node(validator.schema, keyword_path.rsplit("/", 1)[0])
        names = _unexpected(_node_at(instance, parts), owner, room)
        if names:
            return [
                _problem(location, [*parts, name], "is not an allowed property") for name in names
            ]
    if message.startswith("False schema"):
        return [_problem(location, parts, "is not an allowed property")]
    return [_problem(location, parts, message)]


_REQUIRED = " is a required property"
_UNEXPECTED = "Additional properties are not allowed"


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """`text` if short enough, else its start and end around how long it was; characters that
    JSON would escape (controls) become `?`, so the answer stays near `limit` bytes a field."""
    if len(text) > limit:
        tail = limit // 4
        head = limit - tail - 40
        text = f"{text[:head]}…[{len(text):,} characters]…{text[-tail:]}"
    return text if text.isprintable() else "".join(c if c.isprintable() else "?" for c in text)


def _problem(location: Location, parts: list[str | int], message: str) -> FieldProblem:
    return FieldProblem(location, shorten(field_path(parts)), shorten(message))


def _required_name(message: str) -> str | None:
    """The property a `required` error names: its message is `"<name>" is a required property`."""
    quoted = message.removesuffix(_REQUIRED)
    try:
        name = json.loads(quoted)
    except ValueError:
        return None
    return name if isinstance(name, str) else None


def _unexpected(found: Any, owner: Any, limit: int) -> list[str]:
    """The first `limit` names of `found` that `owner` (an object schema) does not declare."""
    if not isinstance(found, dict) or not isinstance(owner, dict):
        return []
    declared = owner.get("properties", {})
    patterns = [re.compile(pattern) for pattern in owner.get("patternProperties", {})]
    names: list[str] = []
    for name in found:
        if name in declared or any(pattern.search(name) for pattern in patterns):
            continue
        names.append(name)
        if len(names) >= limit:
            break
    return names


def _instance_parts(instance: Any, pointer: str) -> list[str | int]:
    """A JSON pointer into `instance` as path parts: list indexes as ints, the rest as names."""
    parts: list[str | int] = []
    node = instance
    for token in _tokens(pointer):
        if isinstance(node, list) and token.isdigit():
            parts.append(int(token))
            node = node[int(token)] if int(token) < len(node) else None
        else:
            parts.append(token)
            node = node.get(token) if isinstance(node, dict) else None
    return parts


def _node_at(instance: Any, parts: list[str | int]) -> Any:
    node = instance
    for part in parts:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _schema_node(schema: Any, pointer: str) -> Any:
    node = schema
    for token in _tokens(pointer):
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]
