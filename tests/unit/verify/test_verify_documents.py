"""The fixture `verify` builds its worlds from and `proxy --record` writes: each run, loaded at
the document's clock, reads as the target answered it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import builders
from sequences_mock.core.domain import Status
from sequences_mock.fixtures.loading import load
from sequences_mock.state.store import Store
from sequences_mock.verify.documents import runs_document

NOW = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
WORKSPACE = "424b1fee-9709-4315-85d9-5954058b4714"


def read_run(status: str) -> dict[str, object]:
    """A run as a target answers it, created and last changed long before `NOW`."""
    return {
        "id": "b235b23a-a420-4d7e-a480-f8104939414b",
        "workspace_id": WORKSPACE,
        "contact_id": "26826e3d-682b-4c41-92ec-333c534526d9",
        "template_id": "7b12872f-a499-4890-bfb1-4c12412b18fd",
        "status": status,
        "variables": {"company": "Umbrella Corp"},
        "contact_list_id": None,
        "last_step_executed_at": None,
        "created_at": "2026-02-17T11:33:10Z",
        "updated_at": "2026-02-17T11:37:02Z",
    }


@pytest.mark.parametrize("status", ["FOUND", "ACTIVE", "WAITING_FOR_LEAD", "WAITING_FOR_USER"])
def test_a_run_as_read_keeps_its_status_until_its_hidden_deadline(status: str) -> None:
    """An old FOUND run is not due at once (it would read ACTIVE); nothing moves for a day."""
    run = read_run(status)
    document = runs_document([run], {WORKSPACE: "sk_recorded_key"}, NOW, frozen=True)
    clock = builders.frozen_clock(NOW)
    store = Store(load(document), clock)

    clock.advance(timedelta(days=1).total_seconds() - 1)
    seen = store.get_sequence(WORKSPACE, str(run["id"]))

    assert (seen.status, seen.updated_at) == (
        Status(status),
        datetime(2026, 2, 17, 11, 37, 2, tzinfo=UTC),
    )


def test_a_found_run_as_read_activates_a_day_on() -> None:
    run = read_run("FOUND")
    document = runs_document([run], {WORKSPACE: "sk_recorded_key"}, NOW, frozen=True)
    clock = builders.frozen_clock(NOW)
    store = Store(load(document), clock)

    clock.advance(timedelta(days=1).total_seconds())

    assert store.get_sequence(WORKSPACE, str(run["id"])).status is Status.ACTIVE
