"""The README's pytest example is copied from examples/, whose tests run, and its minimal fixture
world seeds as written: so they stay true."""

from __future__ import annotations

import re
from pathlib import Path

from sequences_mock.pytest_plugin import InProcessMock

ROOT = Path(__file__).resolve().parents[2]
HEADING = "## Use it in your tests"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_example() -> list[str]:
    """The lines of the first python code block under the heading, up to the next heading."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert HEADING in readme, f"README.md has no {HEADING!r} section"
    section = readme.split(HEADING, 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.MULTILINE)[0]
    block = PYTHON_BLOCK.search(section)
    assert block is not None, f"the {HEADING!r} section has no python code block"
    return block.group(1).splitlines()


def test_every_line_of_the_readme_example_is_in_examples() -> None:
    example_lines = {
        line.rstrip()
        for path in (ROOT / "examples").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    snippet = [line.rstrip() for line in readme_example() if line.strip()]

    assert len(snippet) >= 10
    missing = [line for line in snippet if line not in example_lines]
    assert not missing, "README lines not found in examples/:\n" + "\n".join(missing)


MINIMAL_WORLD = "A minimal complete world"
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_minimal_world() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MINIMAL_WORLD in readme
    block = YAML_BLOCK.search(readme.split(MINIMAL_WORLD, 1)[1])
    assert block is not None, f"no yaml block after {MINIMAL_WORLD!r}"
    return block.group(1)


def test_the_readme_minimal_world_seeds_as_written(
    sequences_mock_app: InProcessMock, tmp_path: Path
) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(readme_minimal_world())

    sequences_mock_app.seed(world)

    key = sequences_mock_app.api_keys["tiny_read_write"]
    page = sequences_mock_app.client.get("/sequences", headers={"Authorization": f"Bearer {key}"})
    assert [run["status"] for run in page.json()["items"]] == ["ACTIVE"]
    assert sequences_mock_app.clock.frozen
