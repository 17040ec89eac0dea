"""What the endpoints of one app share: its state, contract, settings and HTTP caches."""

from __future__ import annotations

from sequences_mock.contract.openapi import Contract
from sequences_mock.http.views import CheckedItems, Renderer
from sequences_mock.settings import Settings
from sequences_mock.state.runtime import Runtime

__all__ = ["Context"]


class Context:
    """The runtime (state only), the contract, the settings, and two caches derived from the
    world: renderings of sequences and the page items already checked. Both are dropped whenever
    the world is replaced (reset, seed), so they never outlive the sequences they describe."""

    def __init__(self, settings: Settings, runtime: Runtime, contract: Contract) -> None:
        self.settings = settings
        self.runtime = runtime
        self.contract = contract
        self.renderer = Renderer()
        self.checked_items = CheckedItems()
        runtime.when_world_replaced(self._forget_renderings)

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        """Read the fixtures and the contract; raises as `Runtime.from_fixtures` does."""
        runtime = Runtime.from_fixtures(
            settings.fixtures,
            journal_size=settings.journal_size,
            wall=settings.wall,
            monotonic=settings.monotonic,
        )
        return cls(settings, runtime, Contract.load())

    def _forget_renderings(self) -> None:
        self.renderer.clear()
        self.checked_items.clear()
