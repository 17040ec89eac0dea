"""Fixture documents as data: a file or request body parsed as YAML or JSON, nothing checked."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sequences_mock.core.errors import MalformedDocument
from sequences_mock.formats import safe_yaml, strict_json

__all__ = ["parse_document", "read_document"]


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
