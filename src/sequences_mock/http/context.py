"""What the endpoints of one app share: its state, contracts, settings and HTTP caches."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sequences_mock.contract.openapi import CONTROL_OPENAPI, Contract, Operation
from sequences_mock.contract.validation import check_response
from sequences_mock.core.errors import ContractViolation
from sequences_mock.core.world import World
from sequences_mock.http.control_views import coverage_rows, coverage_view
from sequences_mock.http.views import RENDER_BUDGET, Renderer
from sequences_mock.settings import Settings
from sequences_mock.state.runtime import Runtime

__all__ = ["Context"]

logger = logging.getLogger("sequences_mock")


class Context:
    """The runtime (state only), the public contract and the control plane's, the settings, and
    the cache derived from the world: renderings of sequences, with the page items already
    checked. It is bounded in bytes, and dropped whenever the world is replaced (reset, seed),
    so it never outlives the sequences it describes."""

    def __init__(
        self,
        settings: Settings,
        runtime: Runtime,
        contract: Contract,
        control: Contract,
        *,
        render_budget: int = RENDER_BUDGET,
    ) -> None:
        self.settings = settings
        self.runtime = runtime
        self.contract = contract
        self.control = control
        #: Whether uvicorn serves this app on a socket (network faults need one); see `server`.
        self.on_socket = False
        self.renderer = Renderer(budget=render_budget)
        self._coverage_rows = coverage_rows(contract)
        runtime.when_world_replaced(self._forget_renderings)

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        """Read the fixtures and both contracts; raises as `Runtime.from_fixtures` does."""
        runtime = Runtime.from_fixtures(
            settings.fixtures,
            journal_size=settings.journal_size,
            wall=settings.wall,
            monotonic=settings.monotonic,
            max_bytes=settings.max_seed_bytes,
            choices=dict(settings.choices),
        )
        return cls(settings, runtime, Contract.load(), Contract.load(CONTROL_OPENAPI))

    def sibling(
        self, initial: World, settings: Settings, *, journal_bytes: int, render_budget: int
    ) -> Context:
        """A context for another world of this server (a namespace): the same contracts, its
        own runtime on `initial`, built with the options `from_settings` gives this one's."""
        runtime = Runtime(
            initial,
            journal_size=settings.journal_size,
            journal_bytes=journal_bytes,
            wall=settings.wall,
            monotonic=settings.monotonic,
            choices=dict(settings.choices),
        )
        context = Context(
            settings, runtime, self.contract, self.control, render_budget=render_budget
        )
        context.on_socket = self.on_socket
        return context

    def violation(
        self, operation: Operation, status: int, document: Any, headers: Mapping[str, str]
    ) -> ContractViolation | None:
        """How a response breaks its operation's contract (logged as an error), when the mock
        checks its responses and it does."""
        if not self.settings.validate_responses:
            return None
        try:
            check_response(operation, status, document, headers, self.renderer.checked)
        except ContractViolation as violation:
            logger.error("contract violation: %s", violation.detail)
            return violation
        return None

    def coverage(self) -> dict[str, Any]:
        """What `GET /__mock/coverage` answers: the calls since the last reset, per operation."""
        return coverage_view(self._coverage_rows, self.runtime.journal)

    def _forget_renderings(self) -> None:
        self.renderer.clear()
