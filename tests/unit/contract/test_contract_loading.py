"""Loading a contract: its schemas compile on first use, and every one of them compiles."""

from __future__ import annotations

import jsonschema_rs
import pytest

from sequences_mock.contract.openapi import CONTROL_OPENAPI, DEFAULT_OPENAPI, Contract
from sequences_mock.formats.schema import Validator


@pytest.mark.parametrize("source", [DEFAULT_OPENAPI, CONTROL_OPENAPI], ids=["public", "control"])
def test_every_schema_of_the_packaged_contracts_compiles(source: object) -> None:
    """The check a start-up compile made: a schema broken in the document fails here, not as a
    500 on the first call that uses it."""
    contract = Contract.load(source)  # type: ignore[arg-type]
    contract.compile_all()
    assert all(v._compiled is not None for v in contract._validators.values())


def test_a_schema_compiles_on_first_use_and_once() -> None:
    validator = Validator({"type": "object", "required": ["id"]})
    assert validator._compiled is None
    assert not validator.is_valid({})
    compiled = validator._compiled
    assert compiled is not None
    assert validator.is_valid({"id": 1})
    assert validator._compiled is compiled


def test_a_broken_schema_fails_when_compiled() -> None:
    validator = Validator({"type": "no-such-type"})
    with pytest.raises(jsonschema_rs.ValidationError):
        validator.compile()


@pytest.mark.parametrize("source", [DEFAULT_OPENAPI, CONTROL_OPENAPI], ids=["public", "control"])
def test_an_operation_accepts_no_query_exactly_when_its_query_schema_takes_none(
    source: object,
) -> None:
    contract = Contract.load(source)  # type: ignore[arg-type]
    for operation in contract.operations:
        assert operation.accepts_no_query == operation.query_validator.is_valid({}), operation
