"""Bodies of about 1 MiB built to break a schema in as many places as they can: every operation
with a body on both planes, a seed and a fixture file are refused with a bounded answer.

A check names at most `MAX_PROBLEMS` problems, none echoing more than `MAX_ECHO` characters of
the input, and the answer stays under 64 KiB. How long a check takes and what it costs in memory
is measured by `bench/memory_replay.py`, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hostile_bodies import BODY_BUDGET, SHAPES, hostile_body, hostile_fixture

from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock.cli import main
from sequences_mock.contract.openapi import CONTROL_OPENAPI, Contract
from sequences_mock.formats.schema import MAX_ECHO, MAX_PROBLEMS

#: What any problem answer may weigh, however the body was built.
MAX_ANSWER = 64 * 1024
#: A shortened name or message: `MAX_ECHO` characters and the count of those left out.
MAX_FIELD = MAX_ECHO + 40


def operations_with_a_body() -> list[tuple[str, str, str, list[str]]]:
    """(method, URL path, operationId, declared body fields) of each operation with a body,
    but the seed, which is a fixture document (see the seed tests below)."""
    found = []
    for contract in (Contract.load(), Contract.load(CONTROL_OPENAPI)):
        for operation in contract.operations:
            if operation.body is None or operation.operation_id == "seedWorld":
                continue
            route = operation.path.removeprefix(contract.base_path)
            raw = contract.document["paths"][route][operation.method.lower()]
            schema = contract._resolve(
                contract._resolve(raw["requestBody"])["content"]["application/json"]["schema"]
            )
            path = operation.path.replace("{sequence_id}", AMELIE_RUN)
            found.append(
                (operation.method, path, operation.operation_id, list(schema.get("properties", {})))
            )
    return found


OPERATIONS = operations_with_a_body()


def assert_bounded(response: httpx.Response) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, response.text[:500]
    assert len(response.content) <= MAX_ANSWER, len(response.content)
    document = response.json()
    errors = document.get("errors", [])
    assert len(errors) <= MAX_PROBLEMS
    assert len(document["detail"]) <= 2 * MAX_FIELD + 40, document["detail"][:500]
    for error in errors:
        assert len(error["name"]) <= MAX_FIELD, error["name"][:500]
        assert len(error["message"]) <= MAX_FIELD, error["message"][:500]
    return document


def test_every_operation_with_a_body_is_covered() -> None:
    """Both planes: the four public writes and the control plane's clock, faults, enrollments
    and tasks (the seed is covered on its own)."""
    assert {operation for _, _, operation, _ in OPERATIONS} >= {
        "updateSequence",
        "pauseSequence",
        "resumeSequence",
        "stopSequence",
        "changeClock",
        "addFault",
        "enrollContact",
        "completeTask",
    }


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("method", "path", "fields"),
    [(method, path, fields) for method, path, _, fields in OPERATIONS],
    ids=[operation for _, _, operation, _ in OPERATIONS],
)
def test_a_hostile_body_gets_a_bounded_answer(
    client: httpx.Client, method: str, path: str, fields: list[str], shape: str
) -> None:
    """A 1 MiB body of each shape is refused 4xx in under 64 KiB, naming at most 100 problems
    of at most a few hundred characters each."""
    body = orjson.dumps(hostile_body(shape, fields))
    assert BODY_BUDGET // 2 < len(body) <= 1024 * 1024

    response = client.request(
        method,
        path,
        content=body,
        headers={**bearer(READ_WRITE), "Content-Type": "application/json"},
    )

    assert_bounded(response)


def test_many_problems_are_cut_at_the_declared_number(acme: httpx.Client) -> None:
    """110,000 unknown keys were once a 7.4 MB answer listing each; now the first 100."""
    body = hostile_body("unknown_keys", ["variables"])

    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json=body)

    document = assert_bounded(response)
    assert len(document["errors"]) == MAX_PROBLEMS
    assert all(error["message"] == "is not an allowed property" for error in document["errors"])


def test_a_long_value_is_echoed_in_part(acme: httpx.Client) -> None:
    """A 1 MiB value past its limit was echoed whole, twice (detail and errors)."""
    response = acme.patch(f"/v1/sequences/{AMELIE_RUN}", json={"variables": {"v": "x" * 1_000_000}})

    document = assert_bounded(response)
    (error,) = document["errors"]
    assert error["name"] == "variables.v"
    assert "characters]…" in error["message"]
    assert error["message"].endswith("is longer than 10000 characters")


@pytest.fixture
def world(client: httpx.Client) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/__mock/state").json()
    return document


@pytest.mark.parametrize("shape", SHAPES)
def test_a_hostile_seed_gets_a_bounded_answer(
    client: httpx.Client, world: dict[str, Any], shape: str
) -> None:
    """The same shapes in a seed's template or run: 422 in under 64 KiB, the world unchanged."""
    body = hostile_fixture(world, shape)

    response = client.post(
        "/__mock/seed", content=body, headers={"Content-Type": "application/json"}
    )

    assert_bounded(response)
    assert client.get("/__mock/state").json() == world


@pytest.mark.parametrize("shape", SHAPES)
def test_check_fixtures_lists_a_bounded_report(
    tmp_path: Path, world: dict[str, Any], shape: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check-fixtures` on such a file prints at most 100 problems of a few hundred characters."""
    path = tmp_path / "hostile.json"
    path.write_bytes(hostile_fixture(world, shape))

    assert main(["check-fixtures", str(path)]) == 1

    report = capsys.readouterr()
    lines = (report.out + report.err).splitlines()
    assert len(lines) <= MAX_PROBLEMS + 5
    assert all(len(line) <= 2 * MAX_FIELD for line in lines), max(map(len, lines))
