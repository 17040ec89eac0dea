"""Code blocks of the README, found by the text before them, for tests that run them as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def block_after(marker: str, language: str) -> str:
    """The first ```language block after `marker`, within the same `## ` section."""
    readme = README.read_text(encoding="utf-8")
    assert marker in readme, f"README.md has no {marker!r}"
    section = readme.split(marker, 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.MULTILINE)[0]
    block = re.search(rf"^```{language}\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert block is not None, f"no {language} block after {marker!r} in its section"
    return block.group(1)
