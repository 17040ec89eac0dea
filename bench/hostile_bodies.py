"""Bodies built to make a schema check name as many problems as fit in a size: long names,
unknown keys, over-long values and wrong types. The tests send them to every operation with a
body, as a seed and as a fixture file; `memory_replay.py` sends them in a loop.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BODY_BUDGET", "SHAPES", "hostile_body", "hostile_fixture"]

#: Bytes a hostile API body fills: just under the 1 MiB request body limit.
BODY_BUDGET = 1024 * 1024 - 4096
SHAPES = ("long_names", "unknown_keys", "long_values", "wrong_types")
#: A variable name past the 100-character limit.
_LONG_NAME = "n" * 150


def hostile_body(shape: str, fields: list[str], budget: int = BODY_BUDGET) -> dict[str, Any]:
    """A body of about `budget` bytes of `shape` for an operation whose body declares `fields`.

    With a `variables` field the names and values go there (each one a problem of its own);
    otherwise long names and unknown keys go at the top, long values and wrong types fill the
    declared fields.
    """
    if shape == "long_names":
        names = _fill(budget, lambda i: f"{i:08d}{_LONG_NAME}", len(_LONG_NAME) + 16)
        return _in_variables(fields, dict.fromkeys(names, "v"))
    if shape == "unknown_keys":
        return dict.fromkeys(_fill(budget, lambda i: f"k{i}", 13), 0)
    fields = fields or ["value"]  # a body that declares nothing gets one field it refuses
    share = budget // len(fields) - 64
    if shape == "long_values":
        if "variables" in fields:
            return {"variables": {"v": "x" * (budget - 64)}}
        return dict.fromkeys(fields, "x" * share)
    if shape == "wrong_types":
        if "variables" in fields:
            return {"variables": dict.fromkeys(_fill(budget, lambda i: f"v{i}", 14), 0)}
        return {field: [0] * (share // 2) for field in fields}
    raise ValueError(f"unknown shape {shape!r}")


def hostile_fixture(world: dict[str, Any], shape: str, budget: int = BODY_BUDGET) -> bytes:
    """`world` (a fixture document with a template and a run) with `shape` put into its first
    template (names, values, types of its variables) or first run (unknown keys), as JSON."""
    document = json.loads(json.dumps(world))
    template, run = document["templates"][0], document["sequences"][0]
    if shape == "unknown_keys":
        run.update(hostile_body(shape, [], budget))
    else:
        template["variables"] = hostile_body(shape, ["variables"], budget)["variables"]
    return json.dumps(document).encode()


def _in_variables(fields: list[str], variables: dict[str, Any]) -> dict[str, Any]:
    return {"variables": variables} if "variables" in fields else variables


def _fill(budget: int, name: Any, size: int) -> list[str]:
    """Names made by `name(index)`, each about `size` bytes in JSON, filling `budget`."""
    return [name(index) for index in range(budget // size)]
