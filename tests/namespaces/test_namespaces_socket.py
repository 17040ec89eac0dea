"""Acceptance: two suites drive two namespaces of one server at once over real sockets, one of
them resetting, seeding and moving its clock every few calls; neither sees the other's data,
clock, faults or journal."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from default_world import AMELIE_RUN, CLOCK_START, READ_WRITE, bearer
from sequences_mock.server import MockServer

RUN = f"/v1/sequences/{AMELIE_RUN}"
ROUNDS = 40
SEEDED_CLOCK = "2030-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer() as running:
        yield running


def churning_suite(base: str, state: dict[str, Any]) -> Callable[[], None]:
    """Resets, seeds, moves its clock and queues faults every few calls, and checks its own."""

    def run() -> None:
        seeded = {**state, "clock": {"now": SEEDED_CLOCK, "frozen": True}}
        with httpx.Client(base_url=base, headers=bearer(READ_WRITE), timeout=10) as client:
            for round_ in range(ROUNDS):
                step = round_ % 4
                if step == 0:
                    client.post("/__mock/reset").raise_for_status()
                    assert client.get("/__mock/clock").json()["now"] == CLOCK_START
                elif step == 1:
                    client.post("/__mock/seed", json=seeded).raise_for_status()
                    assert client.get("/__mock/clock").json()["now"] == SEEDED_CLOCK
                elif step == 2:
                    client.post("/__mock/clock", json={"advance_seconds": 86400})
                    fault = {"operation": "getSequence", "status": 503}
                    client.post("/__mock/faults", json=fault).raise_for_status()
                    assert client.get(RUN).status_code == 503
                cta = f"churn-{round_}"
                patched = client.patch(RUN, json={"variables": {"cta": cta}})
                assert patched.status_code == 200, patched.text
                assert client.get(RUN).json()["variables"]["cta"] == cta

    return run


def steady_suite(base: str, calls: list[str]) -> Callable[[], None]:
    """Writes and reads its own run, and checks after every call that nothing else moved."""

    def run() -> None:
        with httpx.Client(base_url=base, headers=bearer(READ_WRITE), timeout=10) as client:
            for round_ in range(ROUNDS * 2):
                cta = f"steady-{round_}"
                patched = client.patch(RUN, json={"variables": {"cta": cta}})
                read = client.get(RUN)
                calls.extend(("PATCH", "GET"))
                assert patched.status_code == read.status_code == 200, read.text
                assert read.json()["variables"]["cta"] == cta
                assert client.get("/__mock/clock").json()["now"] == CLOCK_START
                assert client.get("/__mock/faults").json()["faults"] == []
                journal = client.get("/__mock/requests").json()
                assert journal["recorded"] == len(calls)
                assert [entry["method"] for entry in journal["requests"]] == calls

    return run


def test_two_suites_on_two_namespaces_never_see_each_other(server: MockServer) -> None:
    state = httpx.get(f"{server.url}/__mock/state", timeout=10).json()
    del state["clock"]
    calls: list[str] = []
    failures: list[BaseException] = []
    suites = [
        churning_suite(f"{server.url}/ns/churn", state),
        steady_suite(f"{server.url}/ns/steady", calls),
    ]
    start = threading.Barrier(len(suites))

    def guarded(suite: Callable[[], None]) -> None:
        start.wait()
        try:
            suite()
        except BaseException as failure:  # reported by the test's thread below
            failures.append(failure)

    threads = [threading.Thread(target=guarded, args=(suite,)) for suite in suites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert len(calls) == ROUNDS * 4
    churn = httpx.get(f"{server.url}/ns/churn/__mock/requests", timeout=10).json()["requests"]
    assert all("steady" not in str(entry["body"]) for entry in churn)
    assert any("churn" in str(entry["body"]) for entry in churn)
    default = httpx.get(f"{server.url}/__mock/requests", timeout=10).json()
    assert default["recorded"] == 0
    clock = httpx.get(f"{server.url}/__mock/clock", timeout=10).json()
    assert clock["now"] == CLOCK_START
