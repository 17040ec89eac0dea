"""The checks `verify` and `proxy` apply to an answer (through the mock's own contract), the
list invariants, and the report's outputs."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from sequences_mock.contract.openapi import Contract
from sequences_mock.verify.checks import (
    contract_problems,
    filter_problems,
    order_problems,
    page_problems,
)
from sequences_mock.verify.report import ChoiceVerdict, Report

CONTRACT = Contract.load()
PROBLEM = {"content-type": "application/problem+json"}
JSON = {"content-type": "application/json"}


def unauthenticated() -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "no key",
        "code": "unauthenticated",
    }


def test_an_answer_as_declared_has_no_problem() -> None:
    headers = {**PROBLEM, "www-authenticate": "Bearer"}
    assert contract_problems(CONTRACT, "listSequences", 401, headers, unauthenticated()) == []


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (
            418,
            JSON,
            {},
            "listSequences answered 418, which it does not declare "
            "(200, 401, 403, 421, 422, 429, 500, 502, 503, 504)",
        ),
        (401, PROBLEM, unauthenticated(), "listSequences 401 lacks the www-authenticate header"),
        (
            401,
            {**JSON, "www-authenticate": "Bearer"},
            unauthenticated(),
            "listSequences 401 is application/json, not application/problem+json",
        ),
        (
            401,
            {**PROBLEM, "www-authenticate": "Bearer"},
            {"error": "no key"},
            'listSequences 401 body at /: "type" is a required property',
        ),
    ],
    ids=["undeclared status", "missing header", "content type", "body"],
)
def test_each_way_an_answer_breaks_the_contract_is_named(
    status: int, headers: dict[str, str], body: Any, expected: str
) -> None:
    assert expected in contract_problems(CONTRACT, "listSequences", status, headers, body)


def test_a_break_on_every_item_is_one_problem() -> None:
    """Item indexes read `/items/*`: the same break on items 0 and 7 is the same problem."""
    item = {"id": "x"}
    page = {"items": [item], "total": 1, "total_pages": 1, "has_more": False}
    (problem,) = contract_problems(CONTRACT, "listSequences", 200, JSON, page)
    assert "/items/*" in problem


def test_page_invariants() -> None:
    """total_pages, has_more and the item count must agree with total, page and size."""
    good = {"items": [{}, {}], "total": 5, "total_pages": 3, "has_more": True}
    bad = {"items": [{}], "total": 5, "total_pages": 2, "has_more": False}
    assert page_problems(good, 1, 2) == []
    assert page_problems(bad, 1, 2) == [
        "total_pages is 2 for total 5 at size 2",
        "has_more is False on page 1 of 2",
        "page 1 holds 1 items; total 5 means 2",
    ]


def test_filters_and_order() -> None:
    """Items must match their filters (created_* strictly) and keep the sort order."""
    items = [
        {"id": "a", "status": "ACTIVE", "created_at": "2026-01-01T00:00:00Z"},
        {"id": "b", "status": "FOUND", "created_at": "2026-01-01T00:00:00.5Z"},
    ]
    assert filter_problems(items, {"created_after": "2026-01-01T00:00:00Z"}) == [
        "run a does not match created_after=2026-01-01T00:00:00Z"
    ]
    assert order_problems(items, "created_at", "asc") == []
    assert order_problems(items, "created_at", "desc") == [
        "items 0 and 1 are out of created_at desc order"
    ]


def test_the_choices_snippet_pins_switchable_contradictions_only() -> None:
    report = Report("http://sandbox.invalid")
    report.choice("repause", ChoiceVerdict("contradicted", "refuse", "p", ""))
    report.choice("error_body", ChoiceVerdict("contradicted", "other", "p", ""))
    report.choice("variables_view", ChoiceVerdict("confirmed", "overrides", "p", ""))
    snippet = report.choices_snippet()
    assert yaml.safe_load(snippet) == {"choices": {"repause": "refuse"}}
    assert "# error_body: other (verify-only: not switchable)" in snippet


def test_two_probes_that_saw_different_options_make_a_choice_inconclusive() -> None:
    report = Report("t")
    report.choice("repause", ChoiceVerdict("inconclusive", None, "first", ""))
    report.choice("repause", ChoiceVerdict("confirmed", "replace", "second", ""))
    report.choice("repause", ChoiceVerdict("inconclusive", None, "third", ""))
    assert report.verdicts["repause"].verdict == "confirmed"
    report.choice("repause", ChoiceVerdict("contradicted", "refuse", "fourth", ""))
    assert report.verdicts["repause"].verdict == "inconclusive"


def test_the_json_report_has_the_documented_shape() -> None:
    report = Report("t")
    report.problem("list", "invariant", "total differs between pages 1 and 2")
    document = report.as_json()
    assert {"target", "findings", "choices"} <= document.keys()
    finding = document["findings"][0]
    assert set(finding) == {"probe", "kind", "choice", "verdict", "observed_option", "detail"}
    assert document["choices"]["repause"]["verdict"] == "not_probed"
    assert report.failed
