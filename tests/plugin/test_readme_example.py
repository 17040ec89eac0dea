"""The README's pytest example is copied from examples/, whose tests run: so it stays true."""

from __future__ import annotations

import re
from pathlib import Path

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
