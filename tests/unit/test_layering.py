"""Import layering of `sequences_mock`, checked on the source with `ast` (nothing is imported).

The rule is on folders: each layer (a subpackage, or a surface module at the top) names the
layers and the third-party packages it may import. Everything else is an upward or sideways
import, and fails here.
"""

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

#: Bottom up. A layer may import the package layers and the third-party packages listed.
#: The standard library is allowed everywhere; its own layer always is.
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    # pure Python: timestamps, clock, errors, domain, world
    "core": (set(), set()),
    # the formats the mock reads and writes: strict JSON, safe YAML, JSON Schema
    "formats": ({"core"}, {"orjson", "yaml", "jsonschema_rs"}),
    # openapi.yaml as operations with compiled validators; request and response checks
    "contract": ({"core", "formats"}, set()),
    # fixture documents: parsing, checks, limits, building a world and dumping it back
    "fixtures": ({"core", "formats"}, set()),
    # what one mock holds: store, indexes, deadlines, journal, faults, runtime
    "state": ({"core", "formats", "fixtures"}, set()),
    # how the app is configured (plain values, read by the HTTP layer and the surfaces)
    "settings": ({"core", "fixtures", "state"}, set()),
    # Starlette endpoints: the public API, the control plane, problems, views
    "http": ({"core", "formats", "contract", "fixtures", "state", "settings"}, {"starlette"}),
    # the surfaces
    "app": (
        {"core", "formats", "contract", "fixtures", "state", "settings", "http"},
        {"starlette"},
    ),
    # uvicorn's HTTP/1.1 protocol with bounds on headers, timeouts and shutdown
    # how a connection calls the app: at once or as a task, abandonable
    "app_calls": (set(), set()),
    "connections": ({"app_calls"}, {"uvicorn", "orjson"}),
    # a mock's world held still between requests, for the thread that runs a test
    "gate": ({"http"}, {"starlette"}),
    "server": ({"app", "settings", "connections", "gate"}, {"uvicorn", "starlette"}),
    # the fixture file `serve` starts from (`--restore`), and what it says about snapshots
    "state_dir": ({"core", "state", "settings"}, set()),
    # the line `serve` prints per call, from the journal's entries
    "call_log": ({"state"}, set()),
    # `sequences-mock verify`: probes a real target over httpx, and mock worlds in process
    "verify": ({"core", "formats", "contract", "fixtures", "state", "settings", "app"}, {"httpx"}),
    # `sequences-mock proxy`: the upstream behind the mock's HTTP layer, checked like `verify`
    "proxy": (
        {
            "core",
            "formats",
            "contract",
            "state",
            "settings",
            "http",
            "server",
            "call_log",
            "verify",
        },
        {"httpx", "starlette", "yaml"},
    ),
    "cli": (
        {
            "core",
            "fixtures",
            "state",
            "settings",
            "http",
            "app",
            "server",
            "call_log",
            "state_dir",
            "verify",
            "proxy",
            "__init__",
        },
        {"uvicorn"},
    ),
    # the control plane's client for any framework or script, sync and async
    "client": ({"core"}, {"httpx", "httptools"}),
    "testing": ({"core", "client"}, {"httpx"}),
    # one server for every xdist worker, a namespace each (opt-in)
    "pytest_shared": ({"settings", "server", "client", "testing"}, {"httpx", "pytest"}),
    "pytest_plugin": (
        {"core", "settings", "client", "testing", "app", "gate", "server", "pytest_shared"},
        {"httpx", "pytest", "starlette"},
    ),
    "__main__": ({"cli"}, set()),
    # loaded by schemathesis itself (SCHEMATHESIS_HOOKS), never by the package
    "schemathesis_hooks": (set(), {"schemathesis"}),
    # names the public API lazily, so importing a lower layer never loads the web stack
    "__init__": (set(), set()),
}
#: Below the HTTP layer nothing reaches a web framework, directly or through our own imports.
BELOW_HTTP = ("core", "formats", "contract", "fixtures", "state", "settings")
WEB = {"starlette", "uvicorn", "httpx"}


def modules() -> list[Path]:
    return sorted(SOURCE.rglob("*.py"))


def layer_of(path: Path) -> str:
    """`core/domain.py` is in `core`; a top-level module is its own layer."""
    relative = path.relative_to(SOURCE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def module_name(path: Path) -> str:
    relative = path.relative_to(SOURCE).with_suffix("")
    parts = [part for part in relative.parts if part != "__init__"]
    return ".".join([PACKAGE, *parts])


@cache
def imports_of(path: Path) -> frozenset[str]:
    """Every module `path` imports outside `if TYPE_CHECKING:`, as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{path}: use absolute imports")
            base = node.module or ""
            names = [f"{base}.{alias.name}" for alias in node.names]
            found.update(names)
            # `from sequences_mock import fixtures` imports that module, not the package's names.
            if not all(path_of(name) for name in names):
                found.add(base)
    return frozenset(found)


def own_layer(dotted: str) -> str | None:
    """The layer of one of our modules named by a dotted import (None for anything else)."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1:
        return "__init__"
    if (SOURCE / parts[1]).is_dir() or (SOURCE / f"{parts[1]}.py").exists():
        return parts[1]
    return "__init__"  # a name the package itself exports, e.g. `from sequences_mock import x`


def path_of(dotted: str) -> Path | None:
    """The file of one of our modules (or packages) named by a dotted import."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return None
    base = SOURCE.joinpath(*parts[1:])
    if base.with_suffix(".py").exists():
        return base.with_suffix(".py")
    if (base / "__init__.py").exists():
        return base / "__init__.py"
    return None


@cache
def reached(path: Path) -> frozenset[str]:
    """Every top-level package `path` reaches, following imports through our own modules."""
    seen: set[Path] = set()
    found: set[str] = set()
    todo = [path]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for dotted in imports_of(current):
            found.add(dotted.split(".")[0])
            ours = path_of(dotted)
            if ours is not None:
                todo.append(ours)
    return frozenset(found)


MODULES = modules()
IDS = [str(path.relative_to(SOURCE)) for path in MODULES]


def test_the_scanner_sees_imports() -> None:
    """Known imports are found, so the empty results below mean something."""
    clock = SOURCE / "core" / "clock.py"
    assert "sequences_mock.core.errors" in imports_of(clock)
    assert "yaml" in reached(SOURCE / "fixtures" / "loading.py")
    assert "starlette" in reached(SOURCE / "app.py")


def test_every_module_is_in_a_layer() -> None:
    """A new folder or top-level module must be given a row in the table first."""
    assert sorted({layer_of(path) for path in MODULES} - ALLOWED.keys()) == []


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_imports_only_what_its_layer_allows(path: Path) -> None:
    """Each module imports its own layer, the layers its row names, the standard library and
    the third-party packages its row names; nothing else."""
    layer = layer_of(path)
    layers, third_party = ALLOWED[layer]
    refused = set()
    for dotted in imports_of(path):
        top = dotted.split(".")[0]
        ours = own_layer(dotted)
        if ours is not None:
            if ours != layer and ours not in layers:
                refused.add(dotted)
        elif top not in sys.stdlib_module_names and top not in third_party and top != "__future__":
            refused.add(dotted)
    assert sorted(refused) == []


@pytest.mark.parametrize(
    "path", [p for p in MODULES if layer_of(p) in BELOW_HTTP], ids=lambda p: str(p.name)
)
def test_no_web_framework_below_the_http_layer(path: Path) -> None:
    """Nothing in core/, formats/, contract/, fixtures/, state/ or settings reaches starlette,
    uvicorn or httpx, even through our own modules."""
    assert sorted(reached(path) & WEB) == []


def test_importing_a_lower_layer_loads_no_web_framework() -> None:
    """The package `__init__` names the public API lazily: the domain imports alone."""
    import subprocess

    code = (
        "import sys, sequences_mock.core.domain, sequences_mock.state.store;"
        "print(sorted(m for m in ('starlette', 'uvicorn', 'httpx') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
