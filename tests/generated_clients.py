"""A Python client generated from an OpenAPI document by openapi-python-client, warnings fatal."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@contextmanager
def generated_package(
    document: Path, root: Path, package: str, config: str = ""
) -> Iterator[ModuleType]:
    """The package generated from `document` under `root`, importable while the context lasts.

    `config` is added to the generator's config (which turns off formatting the output)."""
    config_file = root / "config.yaml"
    config_file.write_text("post_hooks: []\n" + config)
    command = [str(GENERATOR), "generate", "--path", str(document), "--meta", "none"]
    command += ["--config", str(config_file), "--output-path", str(root / package)]
    run = subprocess.run(
        [*command, "--fail-on-warning"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "omitted" not in output
    assert "Warning" not in output, output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.partition(".")[0] == package]:
            del sys.modules[name]
