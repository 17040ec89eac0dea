"""What a refused control call raises: `ControlError`, with the problem document's detail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["MAX_LISTED_PROBLEMS", "ControlError", "refusal"]

#: How many problems of a refusal the message lists; `ControlError.problems` keeps them all.
MAX_LISTED_PROBLEMS = 20


class ControlError(AssertionError):
    """The control plane refused a call; the message carries its detail and its problems.

    `status` and `code` come from the problem document, and `problems` holds every entry of
    its `errors` (`{"in", "name", "message"}`), of which the message lists the first
    `MAX_LISTED_PROBLEMS` by path. An `AssertionError`, so a test framework reports it as a
    failed expectation.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        problems: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.problems = problems or []


def refusal(method: str, path: str, response: httpx.Response) -> ControlError:
    """The `ControlError` for an error answer of the control plane."""
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        text = response.text[:500]
        return ControlError(f"{method} {path} answered {response.status_code}: {text}")
    problems = [entry for entry in document.get("errors") or () if isinstance(entry, dict)]
    lines = [f"{method} {path} answered {response.status_code}: {document.get('detail')}"]
    lines += [f"  {_where(problem)}: {problem.get('message')}" for problem in problems]
    if len(problems) > MAX_LISTED_PROBLEMS:
        hidden = len(problems) - MAX_LISTED_PROBLEMS
        lines[MAX_LISTED_PROBLEMS + 1 :] = [
            f"  ... and {hidden} more (ControlError.problems holds them all)"
        ]
    return ControlError(
        "\n".join(lines),
        status=response.status_code,
        code=document.get("code"),
        problems=problems,
    )


def _where(problem: Mapping[str, Any]) -> str:
    """A problem's path: a body field by its own path, anything else by its place too."""
    name = str(problem.get("name") or "")
    place = str(problem.get("in") or "")
    if place in ("", "body"):
        return name or "(document)"
    return f"{place} {name}".strip()
