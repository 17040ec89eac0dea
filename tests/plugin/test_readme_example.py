"""The pytest examples of the README and the docs are copied from examples/, whose tests run,
and their fixture worlds seed as written: so they stay true."""

from __future__ import annotations

from pathlib import Path

import pytest

from readme_blocks import Block, blocks
from sequences_mock.pytest_plugin import InProcessMock

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("block", blocks("pytest-example"), ids=str)
def test_every_line_of_an_example_is_in_examples(block: Block) -> None:
    example_lines = {
        line.rstrip()
        for path in (ROOT / "examples").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    snippet = [line.rstrip() for line in block.text.splitlines() if line.strip()]

    assert len(snippet) >= 10
    missing = [line for line in snippet if line not in example_lines]
    assert not missing, f"{block}: lines not found in examples/:\n" + "\n".join(missing)


@pytest.mark.parametrize("block", blocks("seed"), ids=str)
def test_a_fixture_world_seeds_as_written(
    block: Block, sequences_mock_app: InProcessMock, tmp_path: Path
) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(block.text)

    sequences_mock_app.seed(world)

    key = sequences_mock_app.api_keys["tiny_read_write"]
    page = sequences_mock_app.client.get("/sequences", headers={"Authorization": f"Bearer {key}"})
    assert [run["status"] for run in page.json()["items"]] == ["ACTIVE"]
    assert sequences_mock_app.clock.frozen
