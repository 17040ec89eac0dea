"""The target client's bounds: the request budget, the rate, 429 and Retry-After, dry runs,
and the key kept out of what it returns; through httpx's mock transport and injected time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sequences_mock.verify.target import BudgetExhausted, Target, TargetUnreachable, retry_after

KEY = "sk_live_secret_key_0123456789"


class Clock:
    """Injected time: `sleep` moves `monotonic` on, and is remembered."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def target(handler: Any, clock: Clock, **options: Any) -> Target:
    return Target(
        base_url="http://sandbox.invalid",
        key=KEY,
        transport=httpx.MockTransport(handler),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        **options,
    )


async def calls(t: Target, count: int) -> list[int]:
    async with t:
        return [
            (await t.call("listSequences", "GET", "/v1/sequences")).status for _ in range(count)
        ]


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"items": []})


def test_no_more_requests_than_the_budget() -> None:
    """The request past --max-requests is not sent."""
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return ok(request)

    with pytest.raises(BudgetExhausted):
        asyncio.run(calls(target(handler, Clock(), max_requests=3), 4))
    assert len(sent) == 3


def test_requests_are_spaced_by_the_rate() -> None:
    """At 5 a second, each request after the first waits for its 0.2 s slot."""
    clock = Clock()
    asyncio.run(calls(target(ok, clock, rate=5.0), 3))
    assert clock.slept == [0.2, 0.2]


def test_a_429_is_waited_out_for_itsretry_after() -> None:
    """A 429 with Retry-After: 7 is retried after 7 s; the retry counts against the budget."""
    answers = [httpx.Response(429, headers={"retry-after": "7"}), httpx.Response(200, json={})]
    clock = Clock()
    t = target(lambda request: answers.pop(0), clock, rate=1000.0)
    assert asyncio.run(calls(t, 1)) == [200]
    assert (7.0 in clock.slept, t.sent) == (True, 2)


def test_the_key_is_sent_as_a_bearer_token_and_kept_nowhere() -> None:
    """The key goes in the Authorization header only; the exchanges kept do not hold it."""
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(401, json={"detail": "no"})

    t = target(handler, Clock())
    asyncio.run(calls(t, 1))
    assert seen == [f"Bearer {KEY}"]
    assert KEY not in repr(t.exchanges)


def test_a_dry_run_sends_nothing_and_names_keys_by_flag() -> None:
    """--dry-run lists each request with the flag of the key it would carry."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a dry run sent a request")

    async def plan(t: Target) -> None:
        async with t:
            await t.call("listSequences", "GET", "/v1/sequences", query={"size": "0"})
            await t.call("listSequences", "GET", "/v1/sequences", key=None)

    t = target(handler, Clock(), dry_run=True)
    asyncio.run(plan(t))
    assert [p.line() for p in t.planned] == [
        "GET /v1/sequences?size=0  [--key]",
        "GET /v1/sequences  [no key]",
    ]


@pytest.mark.parametrize(
    "error", [httpx.ConnectError, httpx.ReadTimeout], ids=["refused", "timed out"]
)
def test_an_unreachable_target_names_the_url_not_the_key(error: type[httpx.HTTPError]) -> None:
    """A refused connection or a timeout is `TargetUnreachable` (exit 2), whose message names
    the URL and not the key."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise error("no answer", request=request)

    with pytest.raises(TargetUnreachable) as raised:
        asyncio.run(calls(target(handler, Clock()), 1))
    assert str(raised.value) == "GET http://sandbox.invalid/v1/sequences: no answer"
    assert KEY not in str(raised.value)


def test_retry_after_as_an_http_date_is_waited_until() -> None:
    """Retry-After may be a date: the wait is the time until it (at most a minute)."""

    def now() -> datetime:
        return datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)

    assert retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == 30.0
    assert retry_after("Wed, 21 Oct 2015 09:00:00 GMT", now) == 60.0
    assert retry_after("soon", now) == 1.0
