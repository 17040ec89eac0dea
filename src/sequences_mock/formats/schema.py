"""Draft 2020-12 validation errors as `FieldProblem`s, shared by every layer that validates."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from sequences_mock.core.errors import FieldProblem, Location, field_path

__all__ = ["Validator", "compile_schema", "schema_problems"]

Validator = jsonschema_rs.Draft202012Validator


def compile_schema(schema: dict[str, Any]) -> Validator:
    return Validator(schema, validate_formats=True)


def schema_problems(
    validator: Validator, instance: Any, location: Location, *, limit: int | None = None
) -> list[FieldProblem]:
    """Every way `instance` breaks the schema (the first `limit`), named by path."""
    if validator.is_valid(instance):
        return []  # a third cheaper than an empty `iter_errors`, and the usual case
    problems: list[FieldProblem] = []
    for error in validator.iter_errors(instance):
        if limit is not None and len(problems) >= limit:
            break
        parts = list(error.instance_path)
        message = error.message
        kind = error.kind
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
            parts.append(kind.property)
            message = "is required"
        elif isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            problems += [
                FieldProblem(location, field_path([*parts, name]), "is not an allowed property")
                for name in kind.unexpected
            ]
            continue
        elif isinstance(kind, jsonschema_rs.ValidationErrorKind.FalseSchema):
            message = "is not an allowed property"
        problems.append(FieldProblem(location, field_path(parts), message))
    return problems
