"""Names a client gives to namespaces and snapshots: short, and safe in a URL and a file name."""

from __future__ import annotations

import re

__all__ = ["MAX_NAME_LENGTH", "NAME_RULE", "name_problem"]

MAX_NAME_LENGTH = 64
#: Lower-case letters, digits, `-` and `_`, starting with a letter or digit: a name is a path
#: segment and a file name as it stands, on every file system, with no escaping.
_NAME = re.compile(rf"[a-z0-9][a-z0-9_-]{{0,{MAX_NAME_LENGTH - 1}}}")
NAME_RULE = (
    f"1 to {MAX_NAME_LENGTH} lower-case letters, digits, '-' and '_', "
    "starting with a letter or a digit"
)


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a namespace or a snapshot, or None when it can."""
    if _NAME.fullmatch(name):
        return None
    return f"{name[:80]!r} is not a name: use {NAME_RULE}"
