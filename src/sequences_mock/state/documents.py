"""Fixture documents as data: a file or request body parsed as YAML or JSON, nothing checked."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from sequences_mock.core.errors import ContentTooLarge, MalformedDocument
from sequences_mock.formats import safe_yaml, strict_json

__all__ = ["MAX_DOCUMENT_BYTES", "parse_document", "read_document"]

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
