"""The README's pytest example is copied from examples/, whose tests run, and its minimal fixture
world seeds as written: so they stay true."""

from __future__ import annotations

from pathlib import Path

from readme_blocks import block_after
from sequences_mock.pytest_plugin import InProcessMock

ROOT = Path(__file__).resolve().parents[2]
HEADING = "## Use it in your tests"
MINIMAL_WORLD = "A minimal complete world"


def test_every_line_of_the_readme_example_is_in_examples() -> None:
    example_lines = {
        line.rstrip()
        for path in (ROOT / "examples").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    readme_example = block_after(HEADING, "python").splitlines()
    snippet = [line.rstrip() for line in readme_example if line.strip()]

    assert len(snippet) >= 10
    missing = [line for line in snippet if line not in example_lines]
    assert not missing, "README lines not found in examples/:\n" + "\n".join(missing)


def test_the_readme_minimal_world_seeds_as_written(
    sequences_mock_app: InProcessMock, tmp_path: Path
) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(block_after(MINIMAL_WORLD, "yaml"))

    sequences_mock_app.seed(world)

    key = sequences_mock_app.api_keys["tiny_read_write"]
    page = sequences_mock_app.client.get("/sequences", headers={"Authorization": f"Bearer {key}"})
    assert [run["status"] for run in page.json()["items"]] == ["ACTIVE"]
    assert sequences_mock_app.clock.frozen
