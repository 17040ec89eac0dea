"""The service `verify` talks to: bounded requests and rate, 429s waited out, the key kept out
of everything it returns."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from sequences_mock.contract.validation import media_type_of
from sequences_mock.formats import strict_json

__all__ = [
    "DEFAULT_MAX_REQUESTS",
    "DEFAULT_RATE",
    "BudgetExhausted",
    "Caller",
    "Exchange",
    "PlannedRequest",
    "Target",
    "TargetUnreachable",
    "exchange_of",
    "retry_after",
]

DEFAULT_MAX_REQUESTS = 300
DEFAULT_RATE = 5.0
#: Longest `Retry-After` honoured, and how many 429s in a row one request waits out.
MAX_RETRY_AFTER = 60.0
MAX_RETRIES = 3
#: Characters of a body that is not JSON kept for the report.
TEXT_LIMIT = 500
#: Stands for the caller's own key; `None` sends no `Authorization` header.
OWN_KEY = "own"


class BudgetExhausted(Exception):
    """`--max-requests` requests were sent; nothing more goes out."""


class TargetUnreachable(Exception):
    """The target did not answer: refused, reset, timed out, or not HTTP."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer, with no trace of the key it carried."""

    operation: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    headers: Mapping[str, str]
    #: The parsed JSON body; None when there was none or it was not JSON (see `text`).
    body: Any
    text: str = ""

    @property
    def media_type(self) -> str | None:
        return media_type_of(self.headers.get("content-type"))

    @property
    def json_object(self) -> dict[str, Any]:
        """The body when it is a JSON object, else empty (a dry run answers nothing)."""
        return self.body if isinstance(self.body, dict) else {}


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """A request as `--dry-run` lists it (which key it carries by name only)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: Any
    key: str

    def line(self) -> str:
        target = self.path
        if self.query:
            target += "?" + "&".join(f"{name}={value}" for name, value in self.query)
        body = "" if self.body is None else " " + strict_json.dumps(self.body).decode()
        return f"{self.method} {target}{body}  [{self.key}]"


class Caller(Protocol):
    """What a probe sends its requests through: the target, or an in-process mock world."""

    async def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        json: Any = None,
        key: str | None = OWN_KEY,
    ) -> Exchange: ...


@dataclass
class Target:
    """A real service (or anything speaking its API) at `base_url`, called with `key`.

    At most `max_requests` requests go out (retries of a 429 count), no more than `rate` a
    second; a 429 is waited out for its `Retry-After` (at most a minute, three times). With
    `dry_run` nothing is sent: each request is listed in `planned` and answered with status 0.
    """

    base_url: str
    key: str
    other_key: str | None = None
    max_requests: int = DEFAULT_MAX_REQUESTS
    rate: float = DEFAULT_RATE
    timeout: float = 10.0
    dry_run: bool = False
    transport: httpx.AsyncBaseTransport | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    sent: int = 0
    planned: list[PlannedRequest] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    _client: httpx.AsyncClient | None = None
    _last_start: float | None = None

    async def __aenter__(self) -> Target:
        self._client = httpx.AsyncClient(
            base_url=self.base_url.rstrip("/"),
            timeout=self.timeout,
            transport=self.transport,
            follow_redirects=False,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()

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
        items = tuple((query or {}).items())
        token = self.key if key == OWN_KEY else key
        if self.dry_run:
            name = _key_name(token, self)
            self.planned.append(PlannedRequest(method, path, items, json, name))
            return Exchange(operation, method, path, items, 0, {}, None)
        headers = {"accept": "application/json"}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        for _ in range(MAX_RETRIES + 1):
            response = await self._send(method, path, items, json, headers)
            if response.status_code != 429:
                break
            await self.sleep(retry_after(response.headers.get("retry-after")))
        exchange = exchange_of(operation, method, path, items, response)
        self.exchanges.append(exchange)
        return exchange

    async def _send(
        self,
        method: str,
        path: str,
        query: tuple[tuple[str, str], ...],
        json: Any,
        headers: dict[str, str],
    ) -> httpx.Response:
        if self.sent >= self.max_requests:
            raise BudgetExhausted(f"the {self.max_requests} requests allowed were sent")
        await self._pace()
        self.sent += 1
        assert self._client is not None, "use the target in `async with`"
        try:
            return await self._client.request(
                method, path, params=list(query), json=json, headers=headers
            )
        except httpx.HTTPError as error:
            # The message names the URL at most, never a header: the key stays out of it.
            reason = str(error) or type(error).__name__
            raise TargetUnreachable(f"{method} {self.base_url}{path}: {reason}") from None

    async def _pace(self) -> None:
        now = self.monotonic()
        if self._last_start is not None and self.rate > 0:
            wait = self._last_start + 1 / self.rate - now
            if wait > 0:
                await self.sleep(wait)
                now = self.monotonic()
        self._last_start = now


def _key_name(token: str | None, target: Target) -> str:
    if token is None:
        return "no key"
    if token == target.key:
        return "--key"
    if token == target.other_key:
        return "--other-key"
    return "a made-up key"


def retry_after(
    value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> float:
    """Seconds a 429 asks to wait, given in seconds or as an HTTP date (a bad or missing value
    waits one second)."""
    seconds = 1.0
    if value is not None:
        try:
            seconds = float(value)
        except ValueError:
            with contextlib.suppress(TypeError, ValueError):
                seconds = (parsedate_to_datetime(value) - now()).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def exchange_of(
    operation: str,
    method: str,
    path: str,
    query: tuple[tuple[str, str], ...],
    response: httpx.Response,
) -> Exchange:
    headers = {name.lower(): value for name, value in response.headers.items()}
    content = response.content
    try:
        body = strict_json.loads(content) if content else None
        text = ""
    except ValueError:
        body, text = None, content[:TEXT_LIMIT].decode("utf-8", "replace")
    return Exchange(operation, method, path, query, response.status_code, headers, body, text)
