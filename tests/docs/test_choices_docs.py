"""The README's "What is ours" table and the register in `docs/choices.md` are generated from
the choice register: these tests keep them equal to it.

After changing the register, rewrite both with `python tests/docs/test_choices_docs.py --write`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sequences_mock.core.choices import REGISTER, Choice

ROOT = Path(__file__).parent.parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs" / "choices.md"
#: A generated block: between `<!-- register: NAME -->` and `<!-- /register -->`.
BLOCK = re.compile(r"(<!-- register: (\w+) -->\n)(.*?)(<!-- /register -->)", re.DOTALL)


def what_is_ours() -> str:
    """The README's table: each choice's topic, the docs' words, and the mock's default."""
    rows = ["| | the vendor's docs | this mock (our choice) |", "|---|---|---|"]
    for choice in REGISTER:
        docs = f'"{choice.docs}"' if choice.docs else "not said"
        kind = "" if choice.switchable else ", verify-only"
        rows.append(
            f"| {choice.topic} | {docs} | {choice.meaning(choice.default)} "
            f"([`{choice.id}`](docs/choices.md#{choice.id}){kind}) |"
        )
    return "\n".join(rows) + "\n"


def summary() -> str:
    """The register at a glance: id, options (default first, in bold), the question."""
    rows = ["| id | options (default first) | question |", "|---|---|---|"]
    for choice in REGISTER:
        options = ", ".join(
            f"**`{o}`**" if o == choice.default else f"`{o}`" for o in choice.options
        )
        kind = "" if choice.switchable else " (verify-only)"
        rows.append(f"| [`{choice.id}`](#{choice.id}){kind} | {options} | {choice.question} |")
    return "\n".join(rows) + "\n"


def details() -> str:
    """A section per choice: the question, each option's meaning, the docs' words, the probe."""
    return "\n".join(_section(choice) for choice in REGISTER)


def _section(choice: Choice) -> str:
    lines = [f"### {choice.id}", "", choice.question, ""]
    for option, meaning in zip(choice.options, choice.meanings, strict=True):
        default = " (default)" if option == choice.default else ""
        lines.append(f"- `{option}`{default}: {meaning}")
    lines.append("")
    lines.append(f'The docs: "{choice.docs}"' if choice.docs else "The docs say nothing.")
    lines.append("")
    if not choice.switchable:
        lines += ["Verify-only: the mock's contract fixes the default.", ""]
    lines += [f"`verify` probes it: {choice.probe}.", ""]
    return "\n".join(lines)


GENERATED = {"what_is_ours": what_is_ours, "summary": summary, "details": details}


def blocks(path: Path) -> dict[str, str]:
    return {name: body for _, name, body, _ in BLOCK.findall(path.read_text())}


def rewrite(path: Path) -> None:
    def generated(match: re.Match[str]) -> str:
        return match[1] + GENERATED[match[2]]() + match[4]

    path.write_text(BLOCK.sub(generated, path.read_text()))


def test_the_readme_table_is_the_register():
    """Each row of "What is ours" is a choice of the register, in order."""
    assert blocks(README) == {"what_is_ours": what_is_ours()}


def test_the_docs_page_lists_the_register():
    """`docs/choices.md` shows every choice, every option and its meaning."""
    assert blocks(DOCS) == {"summary": summary(), "details": details()}


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    rewrite(README)
    rewrite(DOCS)
