"""Requests in, responses out: raw HTTP parts checked against one contract operation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sequences_mock.contract.openapi import Operation, Parameter
from sequences_mock.core.errors import (
    ContractViolation,
    FieldProblem,
    MalformedJson,
    NotFound,
    UnsupportedMediaType,
    ValidationFailed,
)
from sequences_mock.formats import strict_json
from sequences_mock.formats.schema import Validator, schema_problems

__all__ = [
    "CheckedItems",
    "Inputs",
    "charset_of",
    "check_response",
    "coerce_query",
    "media_type_of",
    "parse_json",
    "read_inputs",
]

_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Inputs:
    """A request's parameters and body, coerced, validated and with defaults applied."""

    path: dict[str, Any]
    query: dict[str, Any]
    body: Any


def read_inputs(
    operation: Operation,
    path_params: Mapping[str, str],
    query_items: Iterable[tuple[str, str]],
    content_type: str | None,
    body: bytes,
) -> Inputs:
    """Check a request in the documented order: path 404, media type 415, JSON 400, schemas 422."""
    path = dict(path_params)
    if not operation.path_validator.is_valid(path):
        # An id that cannot exist names nothing: the same answer as an unknown id.
        raise NotFound(f"no resource at {', '.join(map(str, path.values()))}")
    document = _parse_body(operation, content_type, body)
    query = coerce_query(operation.query_parameters, query_items)
    problems = (
        schema_problems(operation.query_validator, query, "query")
        if query or not operation.accepts_no_query
        else []
    )
    if operation.body is not None and document is not _ABSENT:
        problems += schema_problems(operation.body.validator, document, "body")
    if problems:
        raise ValidationFailed(_summary(problems), problems)
    for parameter in operation.query_parameters:
        if parameter.default is not None:
            query.setdefault(parameter.name, parameter.default)
    if document is _ABSENT:
        return Inputs(path, query, None)
    if isinstance(document, dict) and operation.body is not None:
        document = {**operation.body.defaults, **document}
    return Inputs(path, query, document)


class CheckedItems:
    """Page items already found valid, by identity: a cached rendering is checked only once.

    Only documents nobody mutates belong here (the renderer's cached ones); each is kept alive
    with its entry, so an id is never reused while remembered.
    """

    LIMIT = 50_000

    def __init__(self) -> None:
        self._checked: dict[int, Any] = {}

    def __contains__(self, item: Any) -> bool:
        return self._checked.get(id(item)) is item

    def add(self, item: Any) -> None:
        if len(self._checked) >= self.LIMIT:
            self._checked.clear()
        self._checked[id(item)] = item


def check_response(
    operation: Operation,
    status: int,
    body: Any,
    headers: Mapping[str, str],
    checked: CheckedItems | None = None,
) -> None:
    """Raise `ContractViolation` when a response is not what the contract declares.

    With `checked`, a page is checked as its envelope plus each item not checked before.
    """
    spec = operation.responses.get(status)
    if spec is None:
        raise ContractViolation(f"{operation.operation_id} does not declare status {status}")
    for name in spec.required_headers:
        if name not in headers:
            raise ContractViolation(f"{operation.operation_id} {status} lacks header {name}")
    if spec.validator is None:
        return
    items = body.get("items") if isinstance(body, dict) else None
    if spec.item_validator is None or checked is None or not isinstance(items, list):
        _check(spec.validator, body, operation, status)
        return
    _check(spec.validator, {**body, "items": []}, operation, status)
    for index, item in enumerate(items):
        if item not in checked:
            _check(spec.item_validator, item, operation, status, f"/items/{index}")
            checked.add(item)


def _check(
    validator: Validator, document: Any, operation: Operation, status: int, prefix: str = ""
) -> None:
    """Raise `ContractViolation` naming where `document` (at `prefix` in the body) is invalid."""
    if validator.is_valid(document):
        return  # the usual case: nothing to name, so nothing is formatted
    error = next(validator.iter_errors(document), None)
    if error is not None:
        path = prefix + "".join(f"/{part}" for part in error.instance_path) or "/"
        where = f"{operation.operation_id} {status} body"
        raise ContractViolation(f"{where} at {path}: {error.message}")


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
            problem = FieldProblem("body", "", "a JSON request body is required")
            raise ValidationFailed(problem.message, [problem])
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
    parameters: tuple[Parameter, ...], items: Iterable[tuple[str, str]]
) -> dict[str, Any]:
    """Turn query strings into the types their schemas name; a repeated name becomes a list."""
    known = {parameter.name: parameter for parameter in parameters}
    values: dict[str, Any] = {}
    for name, raw in items:
        parameter = known.get(name)
        if parameter is None:
            continue
        value = _coerce(raw, parameter.type)
        if name in values:
            previous = values[name]
            values[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            values[name] = value
    return values


def _coerce(raw: str, kind: str | None) -> Any:
    if kind == "integer" and _INTEGER.fullmatch(raw):
        return int(raw)
    if kind == "number" and _NUMBER.fullmatch(raw):
        return float(raw)
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def _summary(problems: list[FieldProblem]) -> str:
    first = problems[0]
    where = f"{first.location} {first.name}" if first.name else first.location
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {first.message}{more}"
