"""Validation failures: one constructor, one detail format, whoever finds the problems."""

from __future__ import annotations

import pytest

from sequences_mock.core.errors import FieldProblem, ValidationFailed


def test_the_detail_names_the_first_problem_and_counts_the_rest() -> None:
    """`<location> <name>: <message> (and N more)`, the problems kept in order."""
    problems = [
        FieldProblem("query", "size", "101 is greater than the maximum of 100"),
        FieldProblem("query", "page", "0 is less than the minimum of 1"),
        FieldProblem("body", "reason", "is required"),
    ]

    failure = ValidationFailed(problems)

    assert failure.detail == "query size: 101 is greater than the maximum of 100 (and 2 more)"
    assert failure.problems == tuple(problems)
    assert failure.code == "validation_error"


@pytest.mark.parametrize(
    ("problem", "detail"),
    [
        (
            FieldProblem("body", "variables.cta", "is not a string"),
            "body variables.cta: is not a string",
        ),
        (FieldProblem("body", "", "is required"), "body: is required"),
    ],
)
def test_one_problem_is_the_whole_detail(problem: FieldProblem, detail: str) -> None:
    """No count for a single problem; a problem of the whole body has no name to show."""
    assert ValidationFailed([problem]).detail == detail


def test_a_failure_without_problems_is_a_bug() -> None:
    """A 422 that names nothing would tell the client nothing."""
    with pytest.raises(ValueError, match="at least one problem"):
        ValidationFailed([])
