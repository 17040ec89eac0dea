"""Requests in, responses out: raw HTTP parts checked against one contract operation."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple, Protocol

from sequences_mock.contract.openapi import Operation, Parameter
from sequences_mock.core.errors import (
    ContractViolation,
    FieldProblem,
    Location,
    MalformedJson,
    NotFound,
    UnsupportedMediaType,
    ValidationFailed,
)
from sequences_mock.formats import strict_json
from sequences_mock.formats.schema import Validator, schema_problems, shorten

__all__ = [
    "NO_COERCIONS",
    "CheckedMemo",
    "Coercions",
    "Inputs",
    "charset_of",
    "check_body",
    "check_response",
    "coerce_query",
    "media_type_of",
    "parse_json",
    "read_inputs",
    "read_query",
]

_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
#: Significant digits an integer query value may have: enough for any 64-bit integer. Longer
#: ones are out of every declared range, and Python refuses to convert past 4,300 digits.
INTEGER_DIGITS = 20
#: How an operation's valid inputs become domain values, by parameter or body property name
#: (a date-time string to a `datetime`, an enum's string to its member). A coercion that raises
#: `ValueError` names the field in a 422; one that raises a `MockError` answers that error.
Coercions = Mapping[str, Callable[[Any], Any]]
NO_COERCIONS: Coercions = {}


class Inputs(NamedTuple):
    """A request's parameters and body, coerced, validated and with defaults applied.

    A named tuple made with `tuple.__new__` (`_inputs`): one per call, several times cheaper than
    a frozen dataclass and as immutable."""

    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    #: The body's keys as sent, before defaults were applied.
    sent: frozenset[str] = frozenset()


def read_inputs(
    operation: Operation,
    path_params: Mapping[str, str],
    query_items: Sequence[tuple[str, str]],
    content_type: str | None,
    body: bytes,
    coercions: Coercions = NO_COERCIONS,
    *,
    strict_query: bool = False,
    known_query: Mapping[str, Any] | None = None,
) -> Inputs:
    """Check a request in the documented order: path 404, media type 415, JSON 400, schemas 422;
    then turn the fields `coercions` names into domain values.

    `strict_query`: refuse query parameters the operation does not declare, as an operation
    marked `x-strict-query` does. `known_query`: what this very query read as before, when it
    was valid (see `QueryMemo`); it is not read again.
    """
    path = dict(path_params)
    if not operation.path_validator.is_valid(path):
        # An id that cannot exist names nothing: the same answer as an unknown id.
        raise NotFound(f"no resource at {', '.join(map(str, path.values()))}")
    document = _ABSENT if operation.body is None else _parse_body(operation, content_type, body)
    sent: frozenset[str] = frozenset()
    problems: list[FieldProblem] = []
    if known_query is None:
        query = coerce_query(operation.query_parameters, query_items, problems)
        if query_items or not operation.accepts_no_query:
            problems += _query_problems(operation, query, query_items, strict=strict_query)
    else:
        query = dict(known_query)
    if operation.body is not None and document is not _ABSENT:
        problems += schema_problems(operation.body.validator, document, "body", source=body)
    if problems:
        raise ValidationFailed(problems)
    if operation.query_parameters and known_query is None:
        _add_defaults(operation, query)
    if document is _ABSENT:
        document = None
    elif isinstance(document, dict) and operation.body is not None:
        sent = frozenset(document)
        document = {**operation.body.defaults, **document}
    if coercions:
        if known_query is None:
            _coerce_fields(query, coercions, "query", problems)
        if isinstance(document, dict):
            _coerce_fields(document, coercions, "body", problems)
        if problems:
            raise ValidationFailed(problems)
    return _inputs((path, query, document, sent))


_inputs = partial(tuple.__new__, Inputs)


def read_query(
    operation: Operation,
    query_items: Sequence[tuple[str, str]],
    coercions: Coercions = NO_COERCIONS,
) -> dict[str, Any]:
    """The query alone (for a body read separately): coerced, checked, with defaults added."""
    problems: list[FieldProblem] = []
    query = coerce_query(operation.query_parameters, query_items, problems)
    problems += _query_problems(operation, query, query_items)
    if problems:
        raise ValidationFailed(problems)
    _add_defaults(operation, query)
    _coerce_fields(query, coercions, "query", problems)
    if problems:
        raise ValidationFailed(problems)
    return query


def check_body(operation: Operation, document: Any, coercions: Coercions = NO_COERCIONS) -> Any:
    """The parsed body with the fields `coercions` names as domain values; `ValidationFailed`
    naming every way it breaks the operation's schema."""
    if operation.body is None:
        raise ValueError(f"{operation.operation_id} declares no request body")
    problems = schema_problems(operation.body.validator, document, "body")
    if problems:
        raise ValidationFailed(problems)
    if coercions and isinstance(document, dict):
        document = dict(document)
        _coerce_fields(document, coercions, "body", problems)
        if problems:
            raise ValidationFailed(problems)
    return document


def _coerce_fields(
    values: dict[str, Any], coercions: Coercions, location: Location, problems: list[FieldProblem]
) -> None:
    """Replace each field `coercions` names by its domain value, in place."""
    for name, coerce in coercions.items():
        if name in values:
            try:
                values[name] = coerce(values[name])
            except ValueError as error:
                problems.append(FieldProblem(location, name, str(error)))


def unknown_query_parameters(
    operation: Operation, query_items: Sequence[tuple[str, str]]
) -> tuple[str, ...]:
    """The names among a query's name/value pairs that `operation` does not declare, each once,
    in order: what a misspelled or guessed filter looks like (`?statuses=ACTIVE`)."""
    if not query_items:
        return ()
    declared = {parameter.name for parameter in operation.query_parameters}
    names = dict.fromkeys(name for name, _ in query_items)
    return tuple(name for name in names if name not in declared)


def _query_problems(
    operation: Operation,
    query: dict[str, Any],
    query_items: Sequence[tuple[str, str]],
    *,
    strict: bool = False,
) -> list[FieldProblem]:
    problems = (
        schema_problems(operation.query_validator, query, "query")
        if query or not operation.accepts_no_query
        else []
    )
    if strict or operation.strict_query:
        declared = {parameter.name for parameter in operation.query_parameters}
        message = f"is not a query parameter of {operation.operation_id}"
        problems += [
            FieldProblem("query", name, message)
            for name in dict.fromkeys(name for name, _ in query_items)
            if name not in declared
        ]
    return problems


def _add_defaults(operation: Operation, query: dict[str, Any]) -> None:
    for parameter in operation.query_parameters:
        if parameter.default is not None:
            query.setdefault(parameter.name, parameter.default)


class CheckedMemo(Protocol):
    """Documents already found valid against a validator, remembered by identity so each is
    checked once per validator.

    Sound only for documents nobody mutates after the check: a document found valid stays valid.
    """

    def holds(self, document: object, validator: Validator) -> bool: ...

    def unchecked(self, documents: list[Any], validator: Validator) -> list[int]:
        """The positions of the `documents` for which `holds` is false."""
        ...

    def add(self, document: Any, validator: Validator) -> None: ...


def check_response(
    operation: Operation,
    status: int,
    body: Any,
    headers: Mapping[str, str],
    checked: CheckedMemo | None = None,
    data: bytes | None = None,
) -> None:
    """Raise `ContractViolation` when a response is not what the contract declares.

    With `checked`, a page is checked as its envelope plus each item not checked before, and
    a document found valid against the same schema before (a kept rendering of a run, which
    every operation that answers one run declares by the same `$ref`) is not checked again.
    `data`, the bytes a document is sent as: bytes found valid before are not checked again
    (the client reads the same answer).
    """
    spec = operation.responses.get(status)
    if spec is None:
        raise ContractViolation(f"{operation.operation_id} does not declare status {status}")
    for name in spec.required_headers:
        if name not in headers:
            raise ContractViolation(f"{operation.operation_id} {status} lacks header {name}")
    if spec.validator is None:
        return
    item_validator = spec.item_validator
    items = body.get("items") if item_validator is not None and isinstance(body, dict) else None
    validator = spec.validator
    if item_validator is None or checked is None or not isinstance(items, list):
        if checked is not None and checked.holds(body, validator):
            return
        if not validator.is_valid(body, data):  # valid, as usual: `_check` is not called
            _check(validator, body, operation, status)
        if checked is not None:
            checked.add(body, validator)
        return
    _check(validator, {**body, "items": []}, operation, status)
    for index in checked.unchecked(items, item_validator):
        item = items[index]
        _check(item_validator, item, operation, status, f"/items/{index}")
        checked.add(item, item_validator)


def _check(
    validator: Validator, document: Any, operation: Operation, status: int, prefix: str = ""
) -> None:
    """Raise `ContractViolation` naming where `document` (at `prefix` in the body) is invalid."""
    if validator.is_valid(document):
        return  # the usual case: nothing to name, so nothing is formatted
    error = validator.errors(document)[0]
    path = prefix + error["instanceLocation"] or "/"
    where = f"{operation.operation_id} {status} body"
    raise ContractViolation(f"{where} at {shorten(path)}: {shorten(error['error'])}")


def media_type_of(content_type: str | None) -> str | None:
    """`application/JSON; charset=utf-8` → `application/json`."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def parse_json(data: bytes) -> Any:
    """Strict JSON (UTF-8, finite numbers only); anything else is `MalformedJson`."""
    try:
        return strict_json.loads(data)
    except (ValueError, RecursionError) as error:
        raise MalformedJson(f"the request body is not valid JSON: {error}") from None


_ABSENT: Any = object()


def _parse_body(operation: Operation, content_type: str | None, body: bytes) -> Any:
    spec = operation.body
    if spec is None:
        return _ABSENT
    if not body.strip():
        if spec.required:
            raise ValidationFailed([FieldProblem("body", "", "a JSON request body is required")])
        return _ABSENT
    media_type = media_type_of(content_type)
    if media_type not in spec.media_types:
        raise UnsupportedMediaType(
            f"the request body must be {' or '.join(spec.media_types)}, "
            f"not {media_type or 'sent without a Content-Type'}"
        )
    charset = charset_of(content_type)
    if charset is not None and charset != "utf-8":
        raise UnsupportedMediaType(f"the request body must be UTF-8 JSON, not charset={charset}")
    return parse_json(body)


def charset_of(content_type: str | None) -> str | None:
    """`application/json; charset="UTF-16"` → `utf-16`; None when no charset is named."""
    if not content_type or ";" not in content_type:
        return None
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def coerce_query(
    parameters: tuple[Parameter, ...],
    items: Iterable[tuple[str, str]],
    problems: list[FieldProblem],
) -> dict[str, Any]:
    """Turn query strings into the types their schemas name; a repeated name becomes a list.

    A number too large to read is left out and named in `problems` instead.
    """
    known = {parameter.name: parameter for parameter in parameters}
    values: dict[str, Any] = {}
    for name, raw in items:
        parameter = known.get(name)
        if parameter is None:
            continue
        value = _coerce(raw, parameter.type)
        if value is _OUT_OF_RANGE:
            message = f"{raw[:24]}… ({len(raw):,} characters) is out of range"
            problems.append(FieldProblem("query", name, message))
            continue
        if name in values:
            previous = values[name]
            values[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            values[name] = value
    return values


_OUT_OF_RANGE: Any = object()


def _coerce(raw: str, kind: str | None) -> Any:
    if kind == "integer" and _INTEGER.fullmatch(raw):
        digits = raw.lstrip("-").lstrip("0")
        if len(digits) > INTEGER_DIGITS:
            return _OUT_OF_RANGE
        value = int(digits or "0")
        return -value if raw[0] == "-" else value
    if kind == "number" and _NUMBER.fullmatch(raw):
        number = float(raw)
        return number if math.isfinite(number) else _OUT_OF_RANGE
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw
