"""A merge seed is built from a snapshot on a worker thread: it must not undo a write answered
while it was built, nor wipe the history of runs it does not touch."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock.core.errors import WorldReplaced
from sequences_mock.state.runtime import Runtime

OTHER_RUN = "55555555-5555-4555-8555-555555555555"


def a_run(client: httpx.Client, sequence_id: str) -> dict[str, Any]:
    world = client.get("/__mock/state").json()
    return copy.deepcopy(next(run for run in world["sequences"] if run["id"] == sequence_id))


def history(client: httpx.Client, sequence_id: str) -> list[str]:
    response = client.get(f"/__mock/sequences/{sequence_id}/history")
    assert response.status_code == 200, response.text
    return [event["event"] for event in response.json()["events"]]


def test_a_write_answered_while_a_merge_is_built_is_not_undone(
    client: httpx.Client, runtime: Runtime
) -> None:
    """The merge is refused (503 `world_replaced`, send it again); the write stays."""
    added = {**a_run(client, AMELIE_RUN), "id": OTHER_RUN}
    basis = runtime.seed_basis(merge=True)  # what POST /__mock/seed?mode=merge reads first
    patched = client.patch(
        f"/v1/sequences/{AMELIE_RUN}",
        json={"variables": {"first_name": "Amy"}},
        headers=bearer(READ_WRITE),
    )
    assert patched.status_code == 200
    prepared = runtime.prepare(basis, lambda: {"sequences": [added]})

    with pytest.raises(WorldReplaced):
        runtime.install(prepared)

    assert a_run(client, AMELIE_RUN)["variables"]["first_name"] == "Amy"
    assert OTHER_RUN not in {run["id"] for run in client.get("/__mock/state").json()["sequences"]}


def test_a_merge_keeps_the_history_of_the_runs_it_does_not_touch(client: httpx.Client) -> None:
    """Every merge once dropped every run's history."""
    paused = client.post(
        f"/v1/sequences/{AMELIE_RUN}/pause",
        json={"paused_until": "2026-03-09T09:00:00Z"},
        headers=bearer(READ_WRITE),
    )
    assert paused.status_code == 200
    added = {**a_run(client, AMELIE_RUN), "id": OTHER_RUN}

    merged = client.post("/__mock/seed?mode=merge", json={"sequences": [added]})

    assert merged.status_code == 200, merged.text
    assert history(client, AMELIE_RUN) == ["paused"]
    assert history(client, OTHER_RUN) == []


def test_a_merge_forgets_the_history_of_the_runs_it_replaces(client: httpx.Client) -> None:
    """A run the merge sets anew starts a history of its own."""
    client.post(
        f"/v1/sequences/{AMELIE_RUN}/pause",
        json={"paused_until": "2026-03-09T09:00:00Z"},
        headers=bearer(READ_WRITE),
    )
    replaced = a_run(client, AMELIE_RUN)

    assert client.post("/__mock/seed?mode=merge", json={"sequences": [replaced]}).is_success
    assert history(client, AMELIE_RUN) == []
