"""Seeds that are huge or hopeless: a bounded list of problems, bounded reads of fixture files,
and a server that keeps answering while a large world is built."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from sequences_mock import fixtures
from sequences_mock.cli import main
from sequences_mock.core.errors import ContentTooLarge, InvalidFixtures
from sequences_mock.fixtures.checks import MAX_PROBLEMS
from sequences_mock.server import MockServer
from sequences_mock.settings import Settings
from sequences_mock.state.runtime import Runtime

#: Each of these workspaces has two problems: a name that is not a string, an unknown field.
BAD_WORKSPACES = 20_000


def hopeless(count: int = BAD_WORKSPACES) -> dict[str, Any]:
    return {
        "workspaces": [
            {"id": str(uuid.UUID(int=index, version=4)), "name": 1, "color": "red"}
            for index in range(count)
        ]
    }


def test_a_check_stops_at_its_limit() -> None:
    problems = fixtures.check(hopeless(), limit=7)

    assert len(problems) == 7
    assert problems[0].name.startswith("workspaces[0]")


def test_a_document_with_many_problems_lists_the_first_hundred() -> None:
    with pytest.raises(InvalidFixtures) as refused:
        fixtures.load(hopeless())

    assert len(refused.value.problems) == MAX_PROBLEMS
    assert f"more than {MAX_PROBLEMS} problems" in refused.value.detail


def test_a_document_with_exactly_the_limit_of_problems_says_how_many() -> None:
    document = {"workspaces": [{"id": f"not-a-uuid-{index}", "name": "x"} for index in range(100)]}

    with pytest.raises(InvalidFixtures) as refused:
        fixtures.load(document)

    assert refused.value.detail == "the fixture document has 100 problems"


def test_yaml_values_json_cannot_hold_are_listed_up_to_the_limit() -> None:
    """The walk over YAML's extras stops too: a million lone surrogates are not a million rows."""
    document = {"workspaces": [{"id": "\ud800", "name": "\ud800"} for _ in range(5_000)]}

    assert len(fixtures.check(document, limit=MAX_PROBLEMS)) == MAX_PROBLEMS


def test_a_merge_with_many_problems_lists_the_first_hundred() -> None:
    runtime = Runtime.from_fixtures()

    with pytest.raises(InvalidFixtures) as refused:
        runtime.seed(hopeless(), merge=True)

    assert len(refused.value.problems) == MAX_PROBLEMS


def test_the_refusal_of_a_hopeless_seed_stays_small(client: httpx.Client) -> None:
    body = orjson.dumps(hopeless())
    response = client.post(
        "/__mock/seed", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert len(response.json()["errors"]) == MAX_PROBLEMS
    assert len(response.content) < 20_000


def test_a_fixture_file_is_read_no_further_than_its_limit() -> None:
    started = time.monotonic()
    with pytest.raises(ContentTooLarge, match="/dev/zero is larger than 1,000 bytes"):
        Runtime.from_fixtures("/dev/zero", max_bytes=1000)
    # Reading on would never end; the bound is loose for a busy CI machine.
    assert time.monotonic() - started < 10


def test_serve_refuses_a_fixture_file_over_the_seed_limit(capsys: pytest.CaptureFixture[str]):
    """`--fixtures /dev/zero` once read until memory ran out."""
    assert main(["serve", "--port", "0", "--fixtures", "/dev/zero"]) == 1

    assert "/dev/zero is larger than 268,435,456 bytes" in capsys.readouterr().err


def test_check_fixtures_refuses_a_file_over_the_seed_limit(capsys: pytest.CaptureFixture[str]):
    assert main(["check-fixtures", "/dev/zero"]) == 1

    assert "larger than 268,435,456 bytes" in capsys.readouterr().err


def test_the_plugin_settings_bound_the_fixture_file(tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text("workspaces: []\n" + "# padding\n" * 200)

    with pytest.raises(ContentTooLarge):
        MockServer(Settings(fixtures=path, max_seed_bytes=1000))


def large_world(client: httpx.Client, runs: int) -> bytes:
    """The default world with `runs` more copies of one of its runs, as JSON."""
    world = client.get("/__mock/state").json()
    (template,) = [run for run in world["sequences"] if run["status"] == "ACTIVE"][:1]
    world["sequences"] += [
        {**template, "id": str(uuid.UUID(int=index + 1, version=4))} for index in range(runs)
    ]
    return orjson.dumps(world)


def test_health_answers_while_a_large_world_is_seeded() -> None:
    """The world is built on a worker thread: the old one serves until the swap. How long
    health waits meanwhile is a figure of `make bench` (bench/seed_stall.py), not a test."""
    with MockServer() as server, httpx.Client(base_url=server.url, timeout=30) as client:
        body = large_world(client, 60_000)
        seeded: list[httpx.Response] = []

        def seed() -> None:
            headers = {"Content-Type": "application/json"}
            seeded.append(client.post("/__mock/seed", content=body, headers=headers))

        seeding = threading.Thread(target=seed)
        answered = 0
        with httpx.Client(base_url=server.url, timeout=30) as health:
            seeding.start()
            while seeding.is_alive():
                assert health.get("/__mock/health").status_code == 200
                answered += 1
                time.sleep(0.02)
        seeding.join()

        assert seeded[0].status_code == 200, seeded[0].text
        assert seeded[0].json()["counts"]["sequences"] > 60_000
        assert answered >= 5, answered
