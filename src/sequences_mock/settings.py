"""How one mock app is configured."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sequences_mock.fixtures.documents import MAX_DOCUMENT_BYTES
from sequences_mock.state.journal import DEFAULT_JOURNAL_SIZE

__all__ = ["Settings", "control_token_problem"]

MiB = 1024 * 1024


def control_token_problem(token: str | None) -> str | None:
    """Why `token` cannot be a control token, or None: an empty one (what an unset variable
    gives) would turn the token off, and one with spaces or control characters can never be
    sent in a header, locking everyone out."""
    if token is None:
        return None
    if not token:
        return "the control token is empty (an unset variable?): give one, or leave it out"
    if not token.isascii() or not token.isprintable() or " " in token:
        return "the control token may hold printable ASCII without spaces only"
    return None


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings of one app instance; every field has a default that serves the packaged fixtures.

    `monotonic` and `wall` are the time sources the mock clock reads; tests inject their own.
    `cors_origins`: origins a browser may call the mock from (`*`: any); none, no CORS.
    `control_token`: when set, every control-plane call but the health check needs it as a
    bearer token. `choices`: options for the choice register, `(id, option)` pairs, on top of
    the fixture's.
    """

    fixtures: Path | None = None
    validate_responses: bool = True
    cors_origins: tuple[str, ...] = ()
    control_token: str | None = field(default=None, repr=False)
    max_body_bytes: int = 1 * MiB
    max_seed_bytes: int = MAX_DOCUMENT_BYTES
    journal_size: int = DEFAULT_JOURNAL_SIZE
    choices: tuple[tuple[str, str], ...] = ()
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False)
    wall: Callable[[], datetime] = field(default=_wall_clock, repr=False)

    def __post_init__(self) -> None:
        problem = control_token_problem(self.control_token)
        if problem is not None:
            raise ValueError(problem)
