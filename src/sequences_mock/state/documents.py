"""Fixture documents as data: a file or request body parsed as YAML or JSON, nothing checked
but what parsing alone can see (a key given twice, a YAML alias)."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sequences_mock.core.errors import (
    ContentTooLarge,
    FieldProblem,
    InvalidFixtures,
    MalformedDocument,
    MalformedJson,
    field_path,
)
from sequences_mock.formats import safe_yaml, strict_json
from sequences_mock.state.problem_limits import MAX_PROBLEMS

__all__ = ["MAX_DOCUMENT_BYTES", "invalid", "parse_document", "parse_seed", "read_document"]

#: The largest fixture document read, from a file or a request body.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024


def read_document(path: str | Path | Traversable, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """Read and parse a fixture file (JSON when it ends in `.json`, YAML otherwise).

    Raises `ContentTooLarge` past `max_bytes` (the limit of a seed over HTTP), having read no
    more than one byte beyond it: a path may name a device that never ends.
    """
    if isinstance(path, str):
        path = Path(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as error:
        raise MalformedDocument(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise ContentTooLarge(
            f"{path} is larger than {max_bytes:,} bytes, the limit of a fixture document"
        )
    return parse_document(
        data, yaml_syntax=not path.name.lower().endswith(".json"), source=str(path)
    )


def parse_document(data: bytes, *, yaml_syntax: bool, source: str = "document") -> Any:
    """Parse fixture text; a syntax error becomes a `MalformedDocument` naming line and column,
    and keys given twice or YAML aliases an `InvalidFixtures` naming each by path."""
    try:
        return _parse(data, yaml_syntax)
    except (safe_yaml.YAMLError, ValueError, RecursionError) as error:
        message = " ".join(str(error).split())
        raise MalformedDocument(
            f"{source} is not valid {'YAML' if yaml_syntax else 'JSON'}: {message}"
        ) from None


def parse_seed(data: bytes, *, as_json: bool) -> Any:
    """A seed request's body, as `parse_document` reads it; JSON that does not parse is
    `MalformedJson`, as any request body that is not JSON."""
    if not as_json:
        return parse_document(data, yaml_syntax=True)
    try:
        return _parse(data, yaml_syntax=False)
    except (ValueError, RecursionError) as error:
        raise MalformedJson(f"the request body is not valid JSON: {error}") from None


def _parse(data: bytes, yaml_syntax: bool) -> Any:
    problems: list[FieldProblem]
    if yaml_syntax:
        document, found = safe_yaml.load_checked(data)
        problems = [FieldProblem("body", field_path(path), message) for path, message in found]
    else:
        document, repeated = strict_json.loads_checked(data)
        message = "is given twice in one object; a key may appear once"
        problems = [FieldProblem("body", field_path(path), message) for path in repeated]
    if problems:
        raise invalid(problems)
    return document


def invalid(problems: list[FieldProblem]) -> InvalidFixtures:
    """The refusal of a fixture document, listing its first `MAX_PROBLEMS` problems."""
    count = len(problems)
    if count > MAX_PROBLEMS:
        return InvalidFixtures(
            f"the fixture document has more than {MAX_PROBLEMS} problems; checking stopped "
            f"there, and the first {MAX_PROBLEMS} are listed",
            problems[:MAX_PROBLEMS],
        )
    return InvalidFixtures(
        f"the fixture document has {count} problem{'s' if count != 1 else ''}", problems
    )
