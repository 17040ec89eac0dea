"""Whatever the mock does, `GET /__mock/state` seeds back as the same world.

Random walks through the public API and the control plane (writes of every kind, enrollments,
manual tasks, and the clock moved on, frozen, let run, or seeded back into the past); after
each walk the state dump must seed back (replace, and merge) and dump the same.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from default_world import READ_WRITE, bearer
from sequences_mock.app import create_app
from sequences_mock.core.timestamps import format_timestamp, parse_timestamp
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport

WALKS = 24
STEPS = 60
KEY = bearer(READ_WRITE)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A mock of its own whose running clock moves only when the test says (no wall time)."""
    ticks = [0.0]
    app = create_app(Settings(monotonic=lambda: ticks[0]))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        yield client


class Walk:
    """One random walk on a freshly reset world."""

    def __init__(self, client: httpx.Client, rng: random.Random) -> None:
        self.client = client
        self.rng = rng
        assert client.post("/__mock/reset").status_code == 200
        world = self.state()
        self.templates = [template["id"] for template in world["templates"]]
        self.contacts = [contact["id"] for contact in world["contacts"]]
        self.steps = [
            self.write,
            self.write,
            self.write,
            self.enroll,
            self.complete_task,
            self.advance,
            self.set_forward,
            self.toggle_frozen,
            self.seed_clock_back,
        ]

    def state(self) -> dict[str, Any]:
        response = self.client.get("/__mock/state")
        assert response.status_code == 200
        document: dict[str, Any] = response.json()
        return document

    def now(self) -> datetime:
        return parse_timestamp(self.client.get("/__mock/clock").json()["now"])

    def run(self, **match: Any) -> dict[str, Any] | None:
        runs = [
            run
            for run in self.state()["sequences"]
            if all(run.get(name) == value for name, value in match.items())
        ]
        return self.rng.choice(runs) if runs else None

    def answer(self, response: httpx.Response) -> None:
        """Any refusal is fine (a 409 for a finished run, a 422 for a full run); a 5xx is not."""
        assert response.status_code < 500, response.text

    # -- the steps ----------------------------------------------------------------------------

    def write(self) -> None:
        run = self.run()
        assert run is not None
        path = f"/v1/sequences/{run['id']}"
        rng = self.rng
        kind = rng.choice(["patch", "pause", "resume", "stop"])
        if kind == "patch":
            names = rng.sample(["cta", "first_name", "company", "topic", "ps"], rng.randint(1, 3))
            variables = {name: rng.choice([None, f"v{rng.randint(0, 99)}"]) for name in names}
            response = self.client.patch(path, json={"variables": variables}, headers=KEY)
        elif kind == "pause":
            until = self.now() + timedelta(seconds=rng.randint(1, 5 * 86_400))
            body = {"paused_until": format_timestamp(until)}
            response = self.client.post(f"{path}/pause", json=body, headers=KEY)
        elif kind == "resume":
            response = self.client.post(f"{path}/resume", headers=KEY)
        else:
            body = {
                "reason": rng.choice(["WIN", "LOSE"]),
                "scope": rng.choice(["CONTACT", "COMPANY"]),
            }
            response = self.client.post(f"{path}/stop", json=body, headers=KEY)
        self.answer(response)

    def enroll(self) -> None:
        body = {
            "template_id": self.rng.choice(self.templates),
            "contact_id": self.rng.choice(self.contacts),
        }
        self.answer(self.client.post("/__mock/enrollments", json=body))

    def complete_task(self) -> None:
        run = self.run(status="WAITING_FOR_USER")
        if run is not None:
            outcome = self.rng.choice(["done", "skipped"])
            path = f"/__mock/sequences/{run['id']}/task"
            self.answer(self.client.post(path, json={"outcome": outcome}))

    def advance(self) -> None:
        seconds = self.rng.choice([1, 60, 3_600, 86_400, 3 * 86_400])
        self.answer(self.client.post("/__mock/clock", json={"advance_seconds": seconds}))

    def set_forward(self) -> None:
        target = self.now() + timedelta(hours=self.rng.randint(0, 48))
        self.answer(self.client.post("/__mock/clock", json={"now": format_timestamp(target)}))

    def toggle_frozen(self) -> None:
        frozen = self.client.get("/__mock/clock").json()["frozen"]
        self.answer(self.client.post("/__mock/clock", json={"frozen": not frozen}))

    def seed_clock_back(self) -> None:
        """What only a seed can do: the clock before runs' last updates, or their creation."""
        back = self.now() - timedelta(days=self.rng.randint(1, 120))
        clock = {"now": format_timestamp(back), "frozen": self.rng.random() < 0.7}
        response = self.client.post("/__mock/seed?mode=merge", json={"clock": clock})
        assert response.status_code == 200, response.text


def walk(client: httpx.Client, seed: int) -> dict[str, Any]:
    """The state after a random walk of `STEPS` steps."""
    rng = random.Random(seed)
    state = Walk(client, rng)
    for _ in range(STEPS):
        rng.choice(state.steps)()
    return state.state()


@pytest.mark.parametrize("seed", range(WALKS))
@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_any_state_the_mock_reaches_seeds_back_as_itself(
    client: httpx.Client, seed: int, mode: str
) -> None:
    dumped = walk(client, seed)

    response = client.post(f"/__mock/seed?mode={mode}", json=dumped)

    assert response.status_code == 200, response.text
    assert client.get("/__mock/state").json() == dumped


def test_the_walks_reach_the_states_that_were_refused() -> None:
    """The walks are worth their time: they produce runs paused until before their last update
    (what the fixture checks once refused), and runs of every status."""
    ticks = [0.0]
    app = create_app(Settings(monotonic=lambda: ticks[0]))
    statuses: set[str] = set()
    early_deadlines = 0
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        for seed in range(WALKS):
            runs = walk(client, seed)["sequences"]
            statuses |= {run["status"] for run in runs}
            early_deadlines += sum(
                parse_timestamp(run["paused_until"]) <= parse_timestamp(run["updated_at"])
                for run in runs
                if "paused_until" in run
            )
    assert early_deadlines > 0
    assert len(statuses) == 9
