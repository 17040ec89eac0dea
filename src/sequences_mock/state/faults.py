"""Faults queued by tests: the next matching calls answer an error status or arrive late."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["ANY_OPERATION", "Fault", "Faults"]

#: The `operation` of a fault that matches every operation.
ANY_OPERATION = "*"


@dataclass(frozen=True, slots=True)
class Fault:
    """`times` more calls of `operation` wait `delay_ms`, then answer `status` (None: normally)."""

    id: int
    operation: str
    times: int
    status: int | None = None
    delay_ms: int = 0
    retry_after: int | None = None

    def matches(self, operation: str) -> bool:
        return self.operation in (ANY_OPERATION, operation)


class Faults:
    """Pending faults, first queued first used; a fault is gone once its `times` are spent."""

    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self._next_id = 1

    def add(
        self,
        operation: str,
        *,
        times: int = 1,
        status: int | None = None,
        delay_ms: int = 0,
        retry_after: int | None = None,
    ) -> Fault:
        if times < 1:
            raise ValueError(f"a fault applies at least once, not {times} times")
        fault = Fault(self._next_id, operation, times, status, delay_ms, retry_after)
        self._next_id += 1
        self._pending.append(fault)
        return fault

    def take(self, operation: str) -> Fault | None:
        """The fault the next call of `operation` meets, counting that call against it."""
        for index, fault in enumerate(self._pending):
            if fault.matches(operation):
                if fault.times == 1:
                    del self._pending[index]
                else:
                    self._pending[index] = replace(fault, times=fault.times - 1)
                return fault
        return None

    @property
    def pending(self) -> list[Fault]:
        return list(self._pending)

    def clear(self) -> None:
        """Drop every pending fault; ids go on counting, so the journal's stay unambiguous."""
        self._pending.clear()

    def __len__(self) -> int:
        return len(self._pending)

    def __repr__(self) -> str:
        return f"Faults({len(self._pending)} pending)"
