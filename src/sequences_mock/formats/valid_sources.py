"""Documents found valid, remembered by the text they were read from or are sent as.

A validation is a pure function of the document, and a document read from bytes (a request
body) or sent as bytes (a response) is that text: the same text again is the same answer.
Clients send the same few bodies again and again, and a run's JSON goes back and forth between
a few versions (paused, resumed); checking one costs several times a lookup. (A path's ids are
not remembered: their check is about as cheap as the lookup.)
"""

from __future__ import annotations

__all__ = ["SOURCES_BUDGET", "SOURCE_LIMIT", "Source", "ValidSources"]

#: What a document was read from, or is sent as: a body's bytes, a response's JSON.
Source = bytes
#: Bytes of sources remembered at most, together; past it all are forgotten at once.
SOURCES_BUDGET = 1024 * 1024
#: The longest source remembered (longer ones are checked every time).
SOURCE_LIMIT = 4096
#: What each remembered source costs besides its bytes (the set entry, the key tuple).
SOURCE_OVERHEAD = 128


class ValidSources:
    """Sources found valid, each with the validator (any hashable object) that found it so, as
    `(validator, source)` pairs in `valid`: a validator looks its own up there, without a call.

    One per contract, shared by its validators: the bound holds for all of them together."""

    __slots__ = ("_held", "budget", "valid")

    def __init__(self, budget: int = SOURCES_BUDGET) -> None:
        self.budget = budget
        #: Read freely; written only through `add` (and emptied in place by `clear`).
        self.valid: set[tuple[object, Source]] = set()
        self._held = 0

    def add(self, validator: object, source: Source) -> None:
        """Remember `source` as valid for `validator`, unless it is longer than `SOURCE_LIMIT`."""
        key = (validator, source)
        if len(source) > SOURCE_LIMIT or key in self.valid:
            return
        cost = len(source) + SOURCE_OVERHEAD
        if self._held + cost > self.budget:
            self.clear()
        self.valid.add(key)
        self._held += cost

    def clear(self) -> None:
        self.valid.clear()
        self._held = 0

    @property
    def held(self) -> int:
        """What the remembered sources cost together (at most `budget`)."""
        return self._held

    def __len__(self) -> int:
        return len(self.valid)
