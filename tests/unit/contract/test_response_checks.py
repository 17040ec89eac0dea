"""Response checks of pages: an envelope plus items, each rendering of an item checked once."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from default_world import ACME
from sequences_mock import fixtures
from sequences_mock.contract.openapi import Contract
from sequences_mock.contract.validation import check_response
from sequences_mock.core.clock import Clock
from sequences_mock.core.errors import ContractViolation
from sequences_mock.http.views import Renderer
from sequences_mock.state.queries import ListQuery
from sequences_mock.state.store import Store

CONTRACT = Contract.load()
LIST = CONTRACT.operation("listSequences")
#: The schema of a page's items (and of every answer of one run).
ITEM = LIST.responses[200].item_validator
assert ITEM is not None


@pytest.fixture
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture
def page(renderer: Renderer) -> dict[str, Any]:
    world = fixtures.load(fixtures.read_document(fixtures.DEFAULT_FIXTURES))
    assert world.clock is not None
    store = Store(world, Clock(world.clock.now, frozen=True))
    document: dict[str, Any] = renderer.page(store.list_sequences(ACME, ListQuery())).document
    return document


def test_only_the_list_response_is_a_page() -> None:
    """The contract finds the one response whose items can be checked one by one."""
    pages = [
        (operation.operation_id, status)
        for operation in CONTRACT.operations
        for status, spec in operation.responses.items()
        if spec.item_validator is not None
    ]
    assert pages == [("listSequences", 200)]


@pytest.mark.parametrize("keyword", [("maxItems", 5), ("minItems", 1), ("uniqueItems", True)])
def test_a_constrained_array_is_not_checked_item_by_item(keyword: tuple[str, Any]) -> None:
    """With a constraint on the array itself, only checking the whole page is sound."""
    document = copy.deepcopy(CONTRACT.document)
    items = document["components"]["schemas"]["SequencePage"]["properties"]["items"]
    items[keyword[0]] = keyword[1]

    contract = Contract(document, b"")

    assert contract.operation("listSequences").responses[200].item_validator is None


def test_a_bad_new_item_is_a_violation_at_its_index(
    page: dict[str, Any], renderer: Renderer
) -> None:
    """An item that breaks the schema is reported with its position in the page."""
    page["items"][3] = {**page["items"][3], "internal_note": "leaked"}

    with pytest.raises(ContractViolation, match=r"listSequences 200 body at /items/3: "):
        check_response(LIST, 200, page, {}, renderer.checked)


def test_a_bad_envelope_is_a_violation_even_with_every_item_checked(
    page: dict[str, Any], renderer: Renderer
) -> None:
    """Remembered items do not excuse the page's own fields."""
    checked = renderer.checked
    check_response(LIST, 200, page, {}, checked)

    with pytest.raises(ContractViolation, match=r"body at /total: "):
        check_response(LIST, 200, {**page, "total": -1}, {}, checked)


def test_each_item_object_is_checked_once(page: dict[str, Any], renderer: Renderer) -> None:
    """What makes pages cheap: an item object found valid is not validated again."""
    checked = renderer.checked
    check_response(LIST, 200, page, {}, checked)
    item = page["items"][0]
    assert checked.holds(item, ITEM)

    item["internal_note"] = "changed after the check"  # nobody does this to a cached rendering

    check_response(LIST, 200, page, {}, checked)
    with pytest.raises(ContractViolation, match=r"body at /items/0: "):
        check_response(LIST, 200, page, {})  # without the memo, the whole page is checked


def test_only_documents_the_renderer_keeps_are_remembered(
    page: dict[str, Any], renderer: Renderer
) -> None:
    """A document from elsewhere (a caller may change it) is checked every time."""
    copied = copy.deepcopy(page)
    check_response(LIST, 200, copied, {}, renderer.checked)

    assert not renderer.checked.holds(copied["items"][0], ITEM)
    assert not renderer.checked.holds(page["items"][0], ITEM)  # its own were never checked


GET = CONTRACT.operation("getSequence")


def test_every_answer_of_one_run_is_declared_by_the_page_items_schema() -> None:
    """One compiled validator for the run: found valid in a page, it holds for a GET too."""
    item_schema = LIST.responses[200].item_validator
    assert item_schema is not None
    answering_one_run = [op for op in CONTRACT.operations if op is not LIST]
    assert len(answering_one_run) == 5  # get, update, pause, resume, stop
    for operation in answering_one_run:
        assert operation.responses[200].validator is item_schema, operation


def test_a_run_answered_whole_is_checked_once_per_rendering(
    page: dict[str, Any], renderer: Renderer
) -> None:
    """A GET of a run answers its kept rendering: found valid once (here, in a page), it is
    not validated again while the renderer keeps it."""
    checked = renderer.checked
    check_response(LIST, 200, page, {}, checked)
    run = page["items"][0]
    run["internal_note"] = "changed after the check"  # nobody does this to a cached rendering

    check_response(GET, 200, run, {}, checked)
    with pytest.raises(ContractViolation, match=r"getSequence 200 body at /: "):
        check_response(GET, 200, run, {})  # without the memo it is checked


def test_a_run_found_valid_under_one_schema_is_checked_under_another(
    page: dict[str, Any], renderer: Renderer
) -> None:
    checked = renderer.checked
    check_response(LIST, 200, page, {}, checked)
    run = page["items"][0]

    with pytest.raises(ContractViolation, match=r"getSequence 404 body"):
        check_response(GET, 404, run, {}, checked)  # a run is no problem document


def test_a_document_the_renderer_does_not_keep_is_checked_every_time(renderer: Renderer) -> None:
    document = {"id": "not-kept", "status": "ACTIVE"}
    for _ in range(2):
        with pytest.raises(ContractViolation):
            check_response(GET, 200, document, {}, renderer.checked)
    assert not renderer.checked.holds(document, ITEM)
