"""The target as probes see it: every answer checked against openapi.yaml as it arrives, and
each problem written to the report under the probe that met it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sequences_mock.contract.openapi import Contract
from sequences_mock.verify.checks import contract_problems
from sequences_mock.verify.report import Report
from sequences_mock.verify.target import OWN_KEY, Exchange, Target

__all__ = ["Session"]


class Session:
    """Calls to `target` on behalf of the probe named `probe`; a dry run's answers (status 0)
    are not checked."""

    def __init__(self, target: Target, contract: Contract, report: Report) -> None:
        self.target = target
        self.contract = contract
        self.report = report
        self.probe = "setup"

    @property
    def dry_run(self) -> bool:
        return self.target.dry_run

    async def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        json: Any = None,
        key: str | None = OWN_KEY,
    ) -> Exchange:
        exchange = await self.target.call(operation, method, path, query=query, json=json, key=key)
        if exchange.status:
            body = exchange.body
            for problem in contract_problems(
                self.contract, operation, exchange.status, exchange.headers, body
            ):
                self.report.problem(self.probe, "contract_violation", problem)
        return exchange

    def invariant(self, detail: str) -> None:
        self.report.problem(self.probe, "invariant", detail)

    def expect(self, exchange: Exchange, status: int, what: str) -> bool:
        """Note a broken invariant when a declared answer is not the one expected; an undeclared
        one is already a contract violation."""
        if not exchange.status or exchange.status == status:
            return exchange.status == status
        declared = self.contract.operation(exchange.operation).responses
        if exchange.status in declared:
            self.invariant(f"{what} answered {exchange.status}, not {status}")
        return False
