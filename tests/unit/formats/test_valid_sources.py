"""A validator remembers the sources of documents it found valid; its answers never change."""

from __future__ import annotations

from sequences_mock.formats.schema import Validator, compile_schema, schema_problems
from sequences_mock.formats.valid_sources import SOURCE_LIMIT, SOURCE_OVERHEAD, ValidSources

NAMED = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
SHORT = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}}}


def validators(sources: ValidSources) -> tuple[Validator, Validator]:
    return compile_schema(NAMED, sources), compile_schema(SHORT, sources)


def test_a_valid_document_is_remembered_by_its_source_for_its_validator_only() -> None:
    sources = ValidSources()
    named, short = validators(sources)

    assert named.is_valid({"name": "Amélie"}, b'{"name":"Am\xc3\xa9lie"}')

    assert len(sources) == 1
    assert named.is_valid({"name": "Amélie"}, b'{"name":"Am\xc3\xa9lie"}')
    assert not short.is_valid({"name": "Amélie"}, b'{"name":"Am\xc3\xa9lie"}')
    assert len(sources) == 1


def test_an_invalid_document_is_never_remembered() -> None:
    sources = ValidSources()
    named, _ = validators(sources)

    for _ in range(2):
        assert not named.is_valid({}, b"{}")
        assert schema_problems(named, {}, "body", source=b"{}")[0].message == "is required"

    assert len(sources) == 0


def test_without_a_source_or_a_memo_nothing_is_remembered() -> None:
    sources = ValidSources()
    named, _ = validators(sources)

    assert named.is_valid({"name": "a"})
    assert compile_schema(NAMED).is_valid({"name": "a"}, b'{"name":"a"}')

    assert len(sources) == 0


def test_a_long_source_is_checked_every_time() -> None:
    sources = ValidSources()
    named, _ = validators(sources)
    name = "a" * SOURCE_LIMIT

    assert named.is_valid({"name": name}, f'{{"name":"{name}"}}'.encode())

    assert len(sources) == 0


def test_past_the_budget_every_source_is_forgotten() -> None:
    sources = ValidSources(budget=3 * (SOURCE_OVERHEAD + 12))
    named, _ = validators(sources)
    for number in range(3):
        assert named.is_valid({"name": f"{number}"}, b'{"name":"%d"}' % number)  # 12 bytes
    assert len(sources) == 3
    assert sources.held == sources.budget

    assert named.is_valid({"name": "3"}, b'{"name":"3"}')

    assert len(sources) == 1
    assert sources.held == SOURCE_OVERHEAD + 12
