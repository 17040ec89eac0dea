"""The README and the docs site: short, built without a warning, their tables equal to the code
that defines them, every code block run by some test, every relative link resolved."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from readme_blocks import KINDS, PAGES, README, ROOT, Block, all_blocks, block, blocks

README_MAX_LINES = 250


def _tables() -> ModuleType:
    """docs/tables.py, the generator of the pages' tables (a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("docs_tables", ROOT / "docs" / "tables.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tables = _tables()


def test_the_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines: move sections into docs/"


def test_the_readme_links_resolve() -> None:
    """The site's links are checked by `mkdocs build --strict`; the README's are checked here."""
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\((?!https?://|#)([^)#]+)(?:#[^)]*)?\)", text)
    assert targets
    missing = [target for target in targets if not (ROOT / target).exists()]
    assert not missing, f"README.md links to missing files: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_the_repository_files_a_page_names_exist(page: Path) -> None:
    """`tests/...`, `src/...` and the like in code spans: a moved file leaves no stale path."""
    named = re.findall(
        r"`((?:src|tests|bench|examples|fixtures|docs|container)/[\w./-]*)`",
        page.read_text(encoding="utf-8"),
    )
    package = ROOT / "src" / "sequences_mock"  # architecture names modules from inside it
    missing = sorted(
        {path for path in named if not (ROOT / path).exists() and not (package / path).exists()}
    )
    assert not missing, f"{page.name} names files that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_generated_tables_equal_their_sources(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert tables.rewritten(text) == text, (
        f"{page.name}: a table differs from the code it comes from; run python docs/tables.py"
    )


def test_every_table_is_generated_on_exactly_one_page() -> None:
    """One table, one place: a second copy would be a second thing to keep equal."""
    found = [
        name
        for page in PAGES
        for name in re.findall(r"<!-- table: ([\w-]+) -->", page.read_text(encoding="utf-8"))
    ]
    assert sorted(found) == sorted(tables.TABLES)


def test_a_table_that_disagrees_with_its_source_is_found() -> None:
    """Edit one cell of the limits table by hand: the generator writes it back."""
    limits = ROOT / "docs" / "limits.md"
    text = limits.read_text(encoding="utf-8")
    edited = text.replace("| 64 levels |", "| 65 levels |")
    assert edited != text

    assert tables.rewritten(edited) == text


def test_an_error_code_without_an_explanation_stops_the_generator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(tables.STATUS_BY_CODE, "brand_new_refusal", 418)

    with pytest.raises(SystemExit, match="brand_new_refusal"):
        tables.errors()


@pytest.mark.parametrize(
    "block", [block for block in all_blocks() if block.language != "text"], ids=str
)
def test_every_code_block_is_run_by_a_test(block: Block) -> None:
    """Only output (`text`) may go unrun; anything else names the test kind that runs it."""
    assert block.kind in KINDS, (
        f"{block}: put <!-- runs: KIND --> before the fence (one of {', '.join(KINDS)}), "
        "or fence output as ```text"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_block_has_blocks(kind: str) -> None:
    assert blocks(kind)


@pytest.mark.parametrize("block", blocks("make"), ids=str)
def test_the_make_commands_exist(block: Block) -> None:
    for line in block.text.splitlines():
        target = line.split("#", 1)[0].split()
        assert target[0] == "make", line
        result = subprocess.run(
            ["make", "-n", *target[1:]], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{line}: {result.stderr}"


def test_the_compose_example_is_the_compose_file() -> None:
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    assert block("compose") == "".join(line for line in compose if not line.startswith("#"))


@pytest.mark.slow
def test_the_docs_site_builds_without_a_warning(tmp_path: Path) -> None:
    """`--strict`: a broken link or anchor, a page missing from the nav or a nav entry without a
    page fails the build."""
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    assert mkdocs, "mkdocs is in the test extras"
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "limits" / "index.html").exists()
