"""Faults queued by tests: the next matching calls answer an error status, arrive late, or meet
a broken connection."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sequences_mock.core.errors import FieldProblem, ValidationFailed

__all__ = [
    "ANY_OPERATION",
    "MAX_PENDING",
    "NEEDS_SOCKET",
    "NO_ANSWER",
    "Fault",
    "Faults",
    "NetworkFault",
    "check_fault",
]

#: The `operation` of a fault that matches every operation.
ANY_OPERATION = "*"
#: Faults pending at once, as control.openapi.yaml declares; one more is refused.
MAX_PENDING = 1000


class NetworkFault(StrEnum):
    """What a network fault does to the connection: reset it (RST) or close it (FIN) before any
    answer, cut the answer's body short, or send the body in pieces over `delay_ms`."""

    RESET = "reset"
    EMPTY = "empty"
    TRUNCATED = "truncated"
    DRIBBLE = "dribble"


_NETWORK_FAULTS = {fault.value: fault for fault in NetworkFault}
#: The network faults that send no answer at all, so no status either.
NO_ANSWER = frozenset({NetworkFault.RESET, NetworkFault.EMPTY})
#: The network faults that act on the connection itself; `dribble` only paces the answer.
NEEDS_SOCKET = frozenset({NetworkFault.RESET, NetworkFault.EMPTY, NetworkFault.TRUNCATED})


@dataclass(frozen=True, slots=True)
class Fault:
    """`times` more calls of `operation` wait `delay_ms`, then answer `status` (None: normally),
    delivered as `network` says (None: whole)."""

    id: int
    operation: str
    times: int
    status: int | None = None
    delay_ms: int = 0
    retry_after: int | None = None
    network: NetworkFault | None = None


class Faults:
    """Pending faults, first queued first used; a fault is gone once its `times` are spent.

    One queue per operation (and one for `*`), so a call looks at two queue heads, never at
    the faults of other operations; ids grow, so the smaller head was queued first.
    """

    def __init__(self, limit: int = MAX_PENDING) -> None:
        self.limit = limit
        self._queues: dict[str, deque[Fault]] = {}
        #: Faults waiting for a call (as `len`; an attribute, as every API call reads it).
        self.waiting = 0
        self._next_id = 1

    def add(
        self,
        operation: str,
        *,
        times: int = 1,
        status: int | None = None,
        delay_ms: int = 0,
        retry_after: int | None = None,
        network: NetworkFault | str | None = None,
    ) -> Fault:
        """Queue a fault; `ValidationFailed` when `limit` faults are pending already."""
        if times < 1:
            raise ValueError(f"a fault applies at least once, not {times} times")
        if self.waiting >= self.limit:
            message = (
                f"{self.waiting} faults are pending, the most the mock keeps; clear them "
                "(DELETE /__mock/faults) or let calls use some first"
            )
            raise ValidationFailed([FieldProblem("body", "", message)])
        if network is not None and network not in _NETWORK_FAULTS:
            known = ", ".join(_NETWORK_FAULTS)
            raise ValueError(f"no network fault {network!r}; one of {known}")
        kind = _NETWORK_FAULTS[network] if network is not None else None
        fault = Fault(self._next_id, operation, times, status, delay_ms, retry_after, kind)
        self._next_id += 1
        self._queues.setdefault(operation, deque()).append(fault)
        self.waiting += 1
        return fault

    def take(self, operation: str) -> Fault | None:
        """The fault the next call of `operation` meets, counting that call against it."""
        own, anyone = self._queues.get(operation), self._queues.get(ANY_OPERATION)
        if own and (not anyone or own[0].id < anyone[0].id):
            queue = own
        elif anyone:
            queue = anyone
        else:
            return None
        fault = queue[0]
        if fault.times == 1:
            queue.popleft()
            self.waiting -= 1
        else:
            queue[0] = replace(fault, times=fault.times - 1)
        return fault

    @property
    def pending(self) -> list[Fault]:
        """Every pending fault, first queued first."""
        return list(heapq.merge(*self._queues.values(), key=lambda fault: fault.id))

    def clear(self) -> None:
        """Drop every pending fault; ids go on counting, so the journal's stay unambiguous."""
        self._queues.clear()
        self.waiting = 0

    def __len__(self) -> int:
        return self.waiting

    def __repr__(self) -> str:
        return f"Faults({self.waiting} pending)"


def check_fault(
    change: Mapping[str, Any], declared: Mapping[str, Collection[int]], *, on_socket: bool
) -> None:
    """A fault must name an operation and, if it has one, a status that operation declares
    (`declared`: each operation's statuses); a network fault must have a connection to act on
    (`on_socket`) and make sense with the rest. Raises `ValidationFailed` naming the field."""
    name = change["operation"]
    operations = {
        operation: statuses
        for operation, statuses in declared.items()
        if name in (ANY_OPERATION, operation)
    }
    if not operations:
        known = ", ".join(declared)
        message = f"no operation {name!r} in openapi.yaml; use one of {known} or {ANY_OPERATION!r}"
        raise ValidationFailed([FieldProblem("body", "operation", message)])
    if not change.keys() & {"status", "delay_ms", "network"}:
        message = "give a status to answer with, a delay_ms to wait, a network fault, or some"
        raise ValidationFailed([FieldProblem("body", "status", message)])
    if "network" in change:
        _check_network(change, on_socket)
    status = change.get("status")
    undeclared = [op for op, statuses in operations.items() if status and status not in statuses]
    if undeclared:
        message = f"{', '.join(undeclared)} does not declare status {status} in openapi.yaml"
        raise ValidationFailed([FieldProblem("body", "status", message)])


def _check_network(change: Mapping[str, Any], on_socket: bool) -> None:
    network = NetworkFault(change["network"])
    if network in NO_ANSWER and "status" in change:
        message = f"a {network.value!r} connection sends no answer, so no status; drop one of them"
        raise ValidationFailed([FieldProblem("body", "status", message)])
    if network is NetworkFault.DRIBBLE and not change.get("delay_ms"):
        message = "a 'dribble' spreads the body over delay_ms: give one above 0"
        raise ValidationFailed([FieldProblem("body", "delay_ms", message)])
    if network in NEEDS_SOCKET and not on_socket:
        message = (
            f"a {network.value!r} fault needs the mock on a socket (sequences-mock serve, "
            "MockServer, the sequences_mock fixture); this app is called in-process, with no "
            "connection to break ('dribble' works in-process)"
        )
        raise ValidationFailed([FieldProblem("body", "network", message)])
