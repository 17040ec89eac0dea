"""Import layering of `sequences_mock`, checked on the source with `ast` (nothing is imported)."""

from __future__ import annotations

import ast
import sys
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import pytest

PACKAGE = "sequences_mock"
_SPEC = find_spec(PACKAGE)
assert _SPEC is not None
assert _SPEC.origin is not None
SOURCE = Path(_SPEC.origin).parent

DOMAIN = ("clock", "errors", "domain", "timestamps")
STORE_LAYER = ("store", "fixtures")
CONTRACT_LAYER = ("contract", "validation")
WEB = ("starlette", "uvicorn", "httpx")


def module_path(name: str) -> Path:
    return SOURCE / f"{name}.py"


@cache
def imports_of(name: str) -> frozenset[str]:
    """Every module `name` imports, as dotted names (`from a import b` gives `a` and `a.b`)."""
    tree = ast.parse(module_path(name).read_text(encoding="utf-8"), filename=f"{name}.py")
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the package
                base = PACKAGE if node.module is None else f"{PACKAGE}.{node.module}"
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def package_module(dotted: str) -> str | None:
    """The `sequences_mock` module a dotted import names, if it is one of ours."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1] if module_path(parts[1]).exists() else None


def top_level(dotted: str) -> str:
    return dotted.split(".")[0]


@cache
def closure(name: str) -> frozenset[str]:
    """Every top-level package `name` reaches, following imports through our own modules."""
    seen: set[str] = set()
    reached: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for dotted in imports_of(current):
            reached.add(top_level(dotted))
            ours = package_module(dotted)
            if ours is not None:
                todo.append(ours)
    return frozenset(reached)


def test_required_modules_exist() -> None:
    """The modules the layering rules talk about are where the rules look for them."""
    missing = [
        name for name in (*DOMAIN, *STORE_LAYER, *CONTRACT_LAYER) if not module_path(name).exists()
    ]
    assert missing == []


def test_import_scanner_sees_imports() -> None:
    """The scanner finds known imports, so an empty result below means something."""
    assert "sequences_mock.errors" in imports_of("clock")
    assert "datetime" in imports_of("clock")
    assert "yaml" in closure("fixtures")
    assert "starlette" in closure("app")


@pytest.mark.parametrize("name", DOMAIN)
def test_domain_imports_only_stdlib_and_domain(name: str) -> None:
    """A domain module imports only the standard library and other domain modules."""
    outside = set()
    for dotted in imports_of(name):
        if top_level(dotted) == PACKAGE:
            ours = package_module(dotted)
            if dotted != PACKAGE and ours not in DOMAIN:
                outside.add(dotted)
        elif top_level(dotted) not in sys.stdlib_module_names:
            outside.add(dotted)
    assert sorted(outside) == []


@pytest.mark.parametrize("name", STORE_LAYER + CONTRACT_LAYER)
def test_no_web_framework_below_the_http_layer(name: str) -> None:
    """Store, fixtures, contract and validation never reach starlette, uvicorn or httpx."""
    assert sorted(closure(name) & set(WEB)) == []


@pytest.mark.parametrize("name", STORE_LAYER + CONTRACT_LAYER)
def test_no_direct_web_import(name: str) -> None:
    """Store, fixtures, contract and validation import no web framework directly."""
    assert sorted(top_level(d) for d in imports_of(name) if top_level(d) in WEB) == []


#: Every module's layer, bottom up; a module may import only from its own layer or lower ones.
LAYERS = {
    **dict.fromkeys(("__init__", "timestamps", "errors", "clock", "domain"), 0),
    **dict.fromkeys(
        ("_json", "_schema", "_yaml", "indexes", "store", "fixtures", "journal", "faults"), 1
    ),
    **dict.fromkeys(("contract", "validation"), 2),
    **dict.fromkeys(
        ("settings", "runtime", "auth", "views", "problems", "bodies", "api", "control"), 3
    ),
    "app": 4,
    **dict.fromkeys(("server", "cli", "__main__", "testing"), 5),
    "pytest_plugin": 6,
}


def test_every_module_has_a_layer() -> None:
    """A new module must be placed in the layer table before it can be added."""
    assert sorted(path.stem for path in SOURCE.glob("*.py")) == sorted(LAYERS)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_imports_only_its_own_layer_or_below(name: str) -> None:
    """Each module imports package modules of its own layer or lower ones, never higher."""
    upward = sorted(
        ours
        for dotted in imports_of(name)
        if (ours := package_module(dotted)) is not None and LAYERS[ours] > LAYERS[name]
    )
    assert upward == []
