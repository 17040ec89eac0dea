"""A stateful, contract-true mock of the Sequences REST API.

The public names load on first use, so importing a lower layer (`sequences_mock.core.domain`)
never pulls in the web stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sequences_mock.app import create_app
    from sequences_mock.core.errors import InvalidFixtures, MalformedDocument, MockError
    from sequences_mock.server import MockServer
    from sequences_mock.settings import Settings
    from sequences_mock.testing import ControlError, MockHandle

__version__ = "0.1.0"

__all__ = [
    "ControlError",
    "InvalidFixtures",
    "MalformedDocument",
    "MockError",
    "MockHandle",
    "MockServer",
    "Settings",
    "__version__",
    "create_app",
]

_HOMES = {
    "create_app": "sequences_mock.app",
    "InvalidFixtures": "sequences_mock.core.errors",
    "MalformedDocument": "sequences_mock.core.errors",
    "MockError": "sequences_mock.core.errors",
    "MockServer": "sequences_mock.server",
    "Settings": "sequences_mock.settings",
    "ControlError": "sequences_mock.testing",
    "MockHandle": "sequences_mock.testing",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sequences_mock' has no attribute {name!r}")
    return getattr(import_module(home), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
