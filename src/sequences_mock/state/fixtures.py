"""Fixtures: a document checked whole, then built into a `World`; or merged into the current one."""

from __future__ import annotations

from importlib import resources
from typing import Any

from sequences_mock.core.choices import DEFAULT_CHOICES, Choices
from sequences_mock.core.world import World
from sequences_mock.state.documents import invalid, parse_document, parse_seed, read_document
from sequences_mock.state.fixture_checks import (
    COLLECTIONS,
    MAX_PROBLEMS,
    check,
    duplicate_problems,
    index_label,
    reference_problems,
    shape_problems,
)
from sequences_mock.state.records import Moments, build, dump

__all__ = [
    "DEFAULT_FIXTURES",
    "check",
    "dump",
    "load",
    "merge",
    "parse_document",
    "parse_seed",
    "read_document",
]

DEFAULT_FIXTURES = resources.files("sequences_mock") / "_data" / "default.yaml"
#: Checks look for one problem past those listed, to tell "exactly 100" from "more".
_ONE_TOO_MANY = MAX_PROBLEMS + 1


def load(document: Any, *, strict_json: bool = False, choices: Choices = DEFAULT_CHOICES) -> World:
    """Check a whole document and build its world, or raise with every problem found; the
    document's `choices` go on top of `choices`."""
    moments = Moments()
    problems = check(document, strict_json=strict_json, moments=moments, limit=_ONE_TOO_MANY)
    if problems:
        raise invalid(problems)
    return build(document, moments, choices)


def merge(current: World, incoming: Any, *, strict_json: bool = False) -> World:
    """Upsert `incoming`'s items into `current` by id; checked as a whole before anything changes.

    Problems name the incoming document's paths (`sequences[2].template_id`); an item of the
    current state that the merge breaks is named by id.
    """
    problems, _ = shape_problems(incoming, strict_json=strict_json, limit=_ONE_TOO_MANY)
    problems += duplicate_problems(incoming, index_label, _ONE_TOO_MANY)
    if problems:
        raise invalid(problems)
    merged = dump(current)
    origins: dict[str, list[str]] = {}
    for collection, id_field in COLLECTIONS.items():
        items = merged.setdefault(collection, [])
        labels = [f"{collection}[{id_field}={item[id_field]}] (current state)" for item in items]
        position = {item[id_field]: index for index, item in enumerate(items)}
        for index, item in enumerate(incoming.get(collection, [])):
            label = index_label(collection, index)
            if item[id_field] in position:
                items[position[item[id_field]]] = item
                labels[position[item[id_field]]] = label
            else:
                items.append(item)
                labels.append(label)
        origins[collection] = labels
    for section in ("clock", "lifecycle"):
        if section in incoming:
            merged[section] = incoming[section]
    merged["choices"].update(incoming.get("choices") or {})
    moments = Moments()

    def origin(collection: str, index: int) -> str:
        return origins[collection][index]

    # Ids are unique after an upsert by id; other unique fields (an API key's name) may clash.
    problems = duplicate_problems(merged, origin, _ONE_TOO_MANY)
    problems += reference_problems(merged, origin, moments, _ONE_TOO_MANY)
    if problems:
        raise invalid(problems)
    return build(merged, moments)
