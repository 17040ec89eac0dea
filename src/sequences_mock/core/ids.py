"""Ids the mock makes itself (enrolled runs without an `id`): UUIDs from a seeded generator,
so a test that enrolls gets the same ids on every run and after every reset."""

from __future__ import annotations

import random
import uuid

__all__ = ["IdSource"]


class IdSource:
    """Version 4 UUIDs, lower case, drawn from `random.Random(seed)`; `restart` starts over."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        #: Ids drawn since the start (or the last `restart`).
        self.drawn = 0

    def restart(self) -> None:
        self._random = random.Random(self._seed)
        self.drawn = 0

    def new(self) -> str:
        self.drawn += 1
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def __repr__(self) -> str:
        return f"IdSource(seed={self._seed})"
