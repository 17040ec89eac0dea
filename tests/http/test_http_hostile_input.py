"""Inputs a sloppy or hostile client sends: each is a clear 4xx and changes nothing."""

from __future__ import annotations

import httpx
import pytest

from default_world import ACME, AMELIE_RUN
from http_helpers import assert_problem, state
from sequences_mock.contract.openapi import CONTROL_OPENAPI, Contract

RUN = f"/v1/sequences/{AMELIE_RUN}"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (RUN, b'{"variables": {"a": "\\ud800"}}'),
        (RUN, b'{"variables": {"\\udfff": "x"}}'),
        (f"{RUN}/stop", b'{"reason": "\\ud800"}'),
        (RUN, b'{"variables": {}, "x": ' + b"[" * 300 + b"]" * 300 + b"}"),
        (RUN, '{"variables": {"a": "é"}}'.encode("utf-16")),
        (RUN, b'\xef\xbb\xbf{"variables": {}}'),
        (RUN, b'{"variables": {"a": 1e400}}'),
    ],
    ids=["surrogate value", "surrogate key", "surrogate enum", "deep", "utf-16", "bom", "1e400"],
)
def test_unsendable_json_is_malformed(acme: httpx.Client, path: str, body: bytes) -> None:
    """Lone surrogates, absurd nesting, non-UTF-8 and infinite numbers are 400 malformed_json."""
    before = state(acme)
    method = "PATCH" if path == RUN else "POST"
    response = acme.request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")
    assert state(acme) == before
    assert acme.get(RUN).status_code == 200


@pytest.mark.parametrize(
    ("bound", "total"),
    [
        ("created_after=2016-12-31T23:59:60Z", 58),
        ("created_after=0000-01-01T00:00:00Z", 58),
        ("created_before=0000-01-01T00:00:00Z", 0),
        ("created_after=9999-12-31T23:59:59-00:01", 0),
        ("created_before=9999-12-31T23:59:59-23:59", 58),
    ],
)
def test_schema_valid_extreme_bounds_are_accepted(acme: httpx.Client, bound: str, total: int):
    """Leap seconds and instants past Python's range are valid date-times: they clamp, not 422."""
    response = acme.get(f"/v1/sequences?{bound}")

    assert response.status_code == 200
    assert response.json()["total"] == total


def test_each_unknown_body_key_is_its_own_error(acme: httpx.Client) -> None:
    """Two unknown keys in a stop body give two errors, each named by its key."""
    response = acme.post(f"{RUN}/stop", json={"reason": "WIN", "why": "x", "when": "y"})

    errors = assert_problem(response, 422, "validation_error")["errors"]
    assert sorted(error["name"] for error in errors) == ["when", "why"]


def test_updated_at_never_moves_backwards(acme: httpx.Client) -> None:
    """With the clock seeded before a run's last update, a write keeps its updated_at."""
    document = state(acme)
    document["clock"] = {"now": "2026-01-01T00:00:00Z", "frozen": True}
    assert acme.post("/__mock/seed", json=document).status_code == 200
    previous = acme.get(RUN).json()["updated_at"]

    updated = acme.patch(RUN, json={"variables": {"cta": "hi"}}).json()

    assert updated["updated_at"] == previous
    assert acme.post("/__mock/seed", json=state(acme)).status_code == 200


def _integer_query_parameters() -> list[tuple[str, str]]:
    """(path, name) of every integer query parameter of both contracts: the public API's
    under `/v1`, the control plane's under `/__mock`."""
    found = []
    for contract in (Contract.load(), Contract.load(CONTROL_OPENAPI)):
        for operation in contract.operations:
            if operation.method == "GET":
                found += [
                    (operation.path, parameter.name)
                    for parameter in operation.query_parameters
                    if parameter.type == "integer"
                ]
    return found


INTEGER_PARAMETERS = _integer_query_parameters()
#: What a path needs in its query besides the parameter tried.
REQUIRED_QUERY = {"/__mock/sequences": f"workspace_id={ACME}&"}


def test_every_integer_query_parameter_is_tried() -> None:
    assert {name for _, name in INTEGER_PARAMETERS} == {"page", "size", "status", "since", "limit"}


@pytest.mark.parametrize("digits", ["9" * 4301, "-" + "9" * 4301, "0" * 5000 + "1" * 21, "9" * 21])
@pytest.mark.parametrize(("path", "name"), INTEGER_PARAMETERS)
def test_a_huge_integer_parameter_is_a_422(
    acme: httpx.Client, path: str, name: str, digits: str
) -> None:
    """Numbers past any declared range (past what Python converts, too) are refused by name."""
    response = acme.get(f"{path}?{REQUIRED_QUERY.get(path, '')}{name}={digits}")

    errors = assert_problem(response, 422, "validation_error")["errors"]
    assert [(error["in"], error["name"]) for error in errors] == [("query", name)]
    assert len(response.content) < 2000


def test_leading_zeros_are_not_digits_that_count(acme: httpx.Client) -> None:
    """An integer written with many leading zeros is still that integer."""
    response = acme.get(f"/v1/sequences?size={'0' * 5000}2")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 2


def test_a_content_length_of_thousands_of_digits_is_a_413(acme: httpx.Client) -> None:
    """A declared length too long for Python to convert is simply too large."""
    response = acme.patch(
        RUN,
        content=b'{"variables": {}}',
        headers={"Content-Type": "application/json", "Content-Length": "9" * 5000},
    )

    assert_problem(response, 413, "content_too_large")


def test_a_content_length_with_many_leading_zeros_is_its_value(acme: httpx.Client) -> None:
    body = b'{"variables": {}}'
    response = acme.patch(
        RUN,
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": "0" * 40 + str(len(body))},
    )

    assert response.status_code == 200
