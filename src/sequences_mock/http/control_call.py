"""What a control-plane handler is given and gives back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from sequences_mock.contract.openapi import Operation
from sequences_mock.http.views import Body

__all__ = ["Call", "Reply"]

Reply = tuple[int, Body]


@dataclass(frozen=True, slots=True)
class Call:
    """One control-plane request: its operation, and its query already checked against it."""

    request: Request
    operation: Operation
    query: dict[str, Any]
