"""`AsyncControlClient`: `ControlClient`'s calls, awaited, over one pooled `httpx.AsyncClient`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from sequences_mock.client.errors import refusal
from sequences_mock.client.requests import EVENTS_PAGE, ClockMove, ControlRequest, Requests
from sequences_mock.client.transport import tls_for
from sequences_mock.core.timestamps import parse_timestamp

__all__ = ["AsyncControlClient", "AsyncControlClock"]

T = TypeVar("T")


class AsyncControlClock:
    """`ControlClock`, awaited."""

    def __init__(self, client: AsyncControlClient) -> None:
        self._client = client

    async def now(self) -> datetime:
        return parse_timestamp((await self._client._send(Requests.clock()))["now"])

    async def set(self, now: datetime | str) -> ClockMove:
        return await self._client._send(Requests.change_clock(now=now))

    async def advance(self, seconds: float) -> ClockMove:
        return await self._client._send(Requests.change_clock(advance_seconds=seconds))

    async def freeze(self, frozen: bool = True) -> ClockMove:
        return await self._client._send(Requests.change_clock(frozen=frozen))


class AsyncControlClient:
    """`ControlClient` for asyncio code: the same calls, the same answers, awaited."""

    def __init__(
        self,
        url: str,
        *,
        control_token: str | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_url = f"{self.url}/v1"
        self.clock = AsyncControlClock(self)
        self._headers = {"Authorization": f"Bearer {control_token}"} if control_token else {}
        self._owns_http = http is None
        self._http = (
            http
            if http is not None
            else httpx.AsyncClient(timeout=timeout, verify=tls_for(self.url))
        )

    async def _send(self, request: ControlRequest[T]) -> T:
        arguments = request.arguments
        if self._headers:
            arguments = {**arguments, "headers": {**arguments.get("headers", {}), **self._headers}}
        url = f"{self.url}{request.path}"
        response = await self._http.request(request.method, url, **arguments)
        if response.is_error:
            raise refusal(request.method, request.path, response)
        return request.read(response.json())

    async def health(self) -> dict[str, Any]:
        return await self._send(Requests.health())

    async def reset(self) -> dict[str, Any]:
        return await self._send(Requests.reset())

    async def seed(
        self, document: Mapping[str, Any] | str | Path, mode: str = "replace"
    ) -> dict[str, Any]:
        return await self._send(Requests.seed(document, mode))

    async def state(self) -> dict[str, Any]:
        return await self._send(Requests.state())

    async def enroll(self, template_id: str, contact_id: str, **options: Any) -> dict[str, Any]:
        return await self._send(Requests.enroll(template_id, contact_id, **options))

    async def complete_task(self, sequence_id: str) -> dict[str, Any]:
        return await self._send(Requests.task(sequence_id, "done"))

    async def skip_task(self, sequence_id: str) -> dict[str, Any]:
        return await self._send(Requests.task(sequence_id, "skipped"))

    async def fail(self, sequence_id: str) -> dict[str, Any]:
        return await self._send(Requests.fail(sequence_id))

    async def change_contact(self, contact_id: str, change: str) -> list[dict[str, Any]]:
        return await self._send(Requests.change_contact(contact_id, change))

    async def history(self, sequence_id: str) -> list[dict[str, Any]]:
        return await self._send(Requests.history(sequence_id))

    async def events(self, since: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        return await self._send(Requests.events(since, limit))

    async def events_of(self, move: ClockMove) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if move.first_seq is None or move.last_seq is None:
            return found
        since = move.first_seq - 1
        while since < move.last_seq:
            page = await self.events(since, min(EVENTS_PAGE, move.last_seq - since))
            if not page:
                break
            found += page
            since = page[-1]["seq"]
        return found

    async def requests(self, operation: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        return await self._send(Requests.requests(operation=operation, **filters))

    async def clear_requests(self) -> int:
        return await self._send(Requests.clear("/__mock/requests"))

    async def coverage(self) -> dict[str, Any]:
        return await self._send(Requests.coverage())

    async def fault(
        self, operation: str, status: int | None = None, **options: Any
    ) -> dict[str, Any]:
        return await self._send(Requests.fault(operation, status, **options))

    async def faults(self) -> list[dict[str, Any]]:
        return await self._send(Requests.faults())

    async def clear_faults(self) -> int:
        return await self._send(Requests.clear("/__mock/faults"))

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncControlClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncControlClient({self.url})"
