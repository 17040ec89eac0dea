"""Checks that stop at a number of problems: a document with millions of mistakes is refused
as fast, and in as few bytes, as one with a few."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sequences_mock.core.errors import FieldProblem
from sequences_mock.formats.schema import MAX_PROBLEMS, Validator, schema_problems

__all__ = ["MAX_PROBLEMS", "Bounded", "item_schema_problems"]


class _Full(Exception):
    """A bounded list of problems is full: the check stops."""


class Bounded(list[FieldProblem]):
    """Problems up to a limit; adding one past it ends the check inside `stop_when_full`."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def append(self, problem: FieldProblem) -> None:
        if len(self) >= self.limit:
            raise _Full
        super().append(problem)

    def __iadd__(self, problems: Iterable[FieldProblem]) -> Bounded:  # type: ignore[override,misc]
        for problem in problems:
            self.append(problem)
        return self

    @contextmanager
    def stop_when_full(self) -> Iterator[None]:
        with suppress(_Full):
            yield


def item_schema_problems(
    validator: Validator, document: Any, collections: Collection[str], limit: int
) -> Iterator[FieldProblem]:
    """A schema's problems with a document, item by item of its `collections` once it is
    invalid (at most `limit` for any one item).

    jsonschema-rs gathers every error before it hands over the first: a document with millions
    of mistakes took minutes and gigabytes. The sections around the collections, then one item
    at a time, let a caller stop when it has enough.
    """
    if validator.is_valid(document):
        return
    if not isinstance(document, dict):
        yield from schema_problems(validator, document, "body", limit=limit)
        return
    lists = [name for name in collections if isinstance(document.get(name), list)]
    yield from schema_problems(validator, {**document, **{name: [] for name in lists}}, "body")
    for collection in lists:
        first = f"{collection}[0]"
        for index, item in enumerate(document[collection]):
            alone = {collection: [item]}
            if validator.is_valid(alone):
                continue
            for problem in schema_problems(validator, alone, "body", limit=limit):
                at = f"{collection}[{index}]{problem.name.removeprefix(first)}"
                yield FieldProblem(problem.location, at, problem.message)
