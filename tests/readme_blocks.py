"""Code blocks of the README and the docs pages, for the tests that run them as written.

A block that runs is announced by `<!-- runs: KIND -->` on the line before its fence; `KINDS`
says which test runs each kind. `tests/docs/test_docs.py` fails on a block with no kind: only
`text` blocks (output shown, not code) need none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = (README, *sorted((ROOT / "docs").glob("*.md")))

#: What runs the blocks of each kind.
KINDS = {
    "curl": "tests/docs/test_readme.py: each `# expect` line's curl against a fresh server",
    "ci-shell": "tests/docs/test_ci_recipe.py: the plain-shell CI recipe",
    "ci-github": "tests/docs/test_ci_recipe.py: the GitHub Actions job, step by step",
    "schemathesis": "tests/contract/test_schemathesis_cli.py: the contract-test recipe",
    "pytest-example": "tests/plugin/test_readme_example.py: every line is in examples/",
    "seed": "tests/plugin/test_readme_example.py: the world seeds as written",
    "control-client": "tests/surfaces/test_control_client.py: the example outside pytest, against "
    "a live mock",
    "make": "tests/docs/test_docs.py: each `make` line's target exists (make -n)",
    "compose": "tests/docs/test_docs.py: the block is compose.yaml, which tests/container/ runs",
    # Honest about what cannot run here: no Docker engine and no GitHub runner. The image these
    # blocks use is built and run by tests/container/test_image.py.
    "needs-docker": "not run: needs Docker or a GitHub runner (tests/container/ tests the image)",
    # A gap, named so that it shows: blocks no test runs yet (grep for it to find them).
    "unrun": "NOT run by any test yet: give it a kind that runs it",
}

_FENCE = re.compile(
    r"^(?:<!-- runs: (?P<kind>[\w-]+) -->\n)?```(?P<language>[\w-]*)\n(?P<text>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    kind: str | None
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line} ({self.language or 'no language'})"


def all_blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            fence = match.start("language") - 3
            found.append(
                Block(
                    page,
                    text.count("\n", 0, fence) + 1,
                    match["language"],
                    match["kind"],
                    match["text"],
                )
            )
    return found


def blocks(kind: str) -> list[Block]:
    """Every block of `kind`, README first; at least one."""
    assert kind in KINDS, f"unknown kind {kind!r}"
    found = [block for block in all_blocks() if block.kind == kind]
    assert found, f"no block marked <!-- runs: {kind} --> in the README or docs/"
    return found


def block(kind: str) -> str:
    """The text of the one block of `kind` (several must be the same text)."""
    texts = {found.text for found in blocks(kind)}
    assert len(texts) == 1, f"the {kind} blocks differ: {[str(b) for b in blocks(kind)]}"
    return texts.pop()
