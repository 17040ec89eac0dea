"""The `Renderer`: cached renderings are byte for byte what encoding the document gives, and
live no longer than the world they render."""

from __future__ import annotations

import gc
import json
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from default_world import ACME, AMELIE_RUN, GLOBEX, READ_WRITE, bearer
from sequences_mock import fixtures
from sequences_mock.app import create_app
from sequences_mock.contract.openapi import Contract
from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import Sequence, Status
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.fixtures.records import SEQUENCE_RECORD_FIELDS
from sequences_mock.formats import strict_json
from sequences_mock.http.context import Context
from sequences_mock.http.views import (
    RENDERING_OVERHEAD,
    TIMESTAMP_LIMIT,
    Renderer,
    sequence_view,
)
from sequences_mock.state.queries import ListQuery
from sequences_mock.state.store import Store
from sequences_mock.testing import SyncASGITransport

#: What every operation that answers one run declares it by (one compiled validator).
SEQUENCE_SCHEMA = Contract.load().operation("getSequence").responses[200].validator
assert SEQUENCE_SCHEMA is not None

WORLD = fixtures.load(fixtures.read_document(fixtures.DEFAULT_FIXTURES))


@pytest.fixture
def store() -> Store:
    assert WORLD.clock is not None
    return Store(WORLD, Clock(WORLD.clock.now, frozen=True))


@pytest.mark.parametrize("workspace_id", [ACME, GLOBEX])
@pytest.mark.parametrize("size", [1, 7, 100])
@pytest.mark.parametrize("page", [1, 2, 50])
def test_page_bytes_are_the_encoded_page_document(
    store: Store, workspace_id: str, size: int, page: int
) -> None:
    """The joined bytes decode to the document that was validated, and encode like it."""
    renderer = Renderer()
    renderer.page(store.list_sequences(workspace_id, ListQuery(size=size)))  # warm the cache

    body = renderer.page(store.list_sequences(workspace_id, ListQuery(page=page, size=size)))

    assert body.data == strict_json.dumps(body.document)
    assert json.loads(body.data) == body.document
    assert set(body.document) == {"items", "total", "total_pages", "has_more"}


def test_a_changed_sequence_is_rendered_anew(store: Store) -> None:
    """The cache is keyed on the sequence version: a change shows at once."""
    renderer = Renderer()
    before = renderer.sequence(store.get_sequence(ACME, AMELIE_RUN))
    assert renderer.sequence(store.get_sequence(ACME, AMELIE_RUN)) is before

    changed = store.update_variables(ACME, AMELIE_RUN, {"cta": "fresh"})
    after = renderer.sequence(changed)

    assert after.document["variables"]["cta"] == "fresh"
    assert after.data == strict_json.dumps(sequence_view(changed))


def test_an_equal_but_different_version_is_not_served_from_the_cache(store: Store) -> None:
    """Identity, not equality, decides: a new object with another status renders anew."""
    renderer = Renderer()
    sequence = store.get_sequence(ACME, AMELIE_RUN)
    renderer.sequence(sequence)

    other = replace(sequence, status=Status.FAILED)

    assert renderer.sequence(other).document["status"] == "FAILED"


def test_remembered_timestamps_render_as_formatted_and_stay_bounded(store: Store) -> None:
    """Past the bound the remembered texts start over; every rendering stays the formatted one."""
    renderer = Renderer()
    sequence = store.get_sequence(ACME, AMELIE_RUN)
    start = sequence.updated_at
    count = TIMESTAMP_LIMIT + 10
    for n in range(count):
        version = replace(sequence, updated_at=start + timedelta(microseconds=n))
        document = renderer.sequence(version).document
        assert document == sequence_view(version)  # the view with plain format_timestamp
        assert len(renderer._timestamps) <= TIMESTAMP_LIMIT
    assert document["updated_at"] == format_timestamp(start + timedelta(microseconds=count - 1))


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [("/__mock/reset", {}), ("/__mock/seed?mode=merge", {"json": {"sequences": []}})],
)
def test_replacing_the_world_drops_the_renderings_and_checked_items(
    path: str, kwargs: dict[str, Any]
) -> None:
    """Reset and seed replace every sequence: nothing rendered or checked from the old world
    stays cached (it would only hold memory, and the old sequences alive)."""
    app = create_app()
    context: Context = app.state.context
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        listed = client.get("/v1/sequences?size=20", headers=bearer(READ_WRITE))
        assert listed.status_code == 200
        assert (len(context.renderer), len(context.renderer.checked)) == (20, 20)

        assert client.post(path, **kwargs).status_code == 200

    assert (len(context.renderer), len(context.renderer.checked)) == (0, 0)
    assert context.renderer.cost == 0


def test_the_renderings_kept_stay_within_their_byte_budget(store: Store) -> None:
    """Past the budget the oldest renderings go, and with them their checked marks; every
    answer is still the right rendering."""
    renderer = Renderer(budget=20 * RENDERING_OVERHEAD)
    runs = store.list_sequences(ACME, ListQuery(size=100)).items
    for sequence in runs:
        body = renderer.sequence(sequence)
        renderer.checked.add(body.document, SEQUENCE_SCHEMA)
        assert body.data == strict_json.dumps(sequence_view(sequence))
        assert renderer.cost <= 20 * RENDERING_OVERHEAD

    assert 10 <= len(renderer) < 20
    assert len(renderer.checked) == len(renderer)
    assert renderer.sequence(runs[-1]) is renderer.sequence(runs[-1])  # the newest are kept


def test_a_replaced_version_is_not_kept_alive(store: Store) -> None:
    """Checked items once kept every listed version alive: 30 writes of large variables,
    each listed, held 1.3 GB. Now a run's old rendering goes with its checked mark."""
    renderer = Renderer()
    big = {f"v{index:02d}": "x" * 10_000 for index in range(50)}
    first = renderer.sequence(store.update_variables(ACME, AMELIE_RUN, big))
    renderer.checked.add(first.document, SEQUENCE_SCHEMA)
    cost = renderer.cost

    for round_ in range(30):
        changed = store.update_variables(ACME, AMELIE_RUN, {"v00": f"round {round_}"})
        renderer.checked.add(renderer.sequence(changed).document, SEQUENCE_SCHEMA)

    assert not renderer.checked.holds(first.document, SEQUENCE_SCHEMA)
    assert len(renderer.checked) == len(renderer) == 1
    assert renderer.cost < cost + RENDERING_OVERHEAD


def test_writes_each_followed_by_a_list_do_not_pile_up_memory() -> None:
    """The reproduction: a run's 500 KB of variables replaced and listed 30 times. The old
    checked-items memo kept each listed version alive."""
    app = create_app()
    run = f"/v1/sequences/{AMELIE_RUN}"
    big = {f"v{index:02d}": "x" * 10_000 for index in range(50)}
    with httpx.Client(
        transport=SyncASGITransport(app), base_url="http://mock", headers=bearer(READ_WRITE)
    ) as client:
        assert client.patch(run, json={"variables": big}).status_code == 200
        assert client.get("/v1/sequences?size=100").status_code == 200
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for round_ in range(30):
                changed = dict.fromkeys(big, f"{round_:<10000}")
                assert client.patch(run, json={"variables": changed}).status_code == 200
                assert client.get("/v1/sequences?size=100").status_code == 200
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()

    assert grown < 5 * 1024 * 1024


def test_a_version_showing_the_same_fields_keeps_the_rendering(store: Store) -> None:
    """A write that changes no shown field (a repeated PATCH on a frozen clock) answers the
    same JSON without rendering it again; any shown field changed renders anew."""
    renderer = Renderer()
    sequence = store.get_sequence(ACME, AMELIE_RUN)
    before = renderer.sequence(sequence)

    repeated = replace(sequence, variables=dict(sequence.variables))
    assert renderer.sequence(repeated) is before
    assert renderer.sequence(repeated) is before  # kept for the new version

    for name in SEQUENCE_RECORD_FIELDS:
        if name == "id":
            continue
        value = getattr(sequence, name)
        changed = replace(sequence, **{name: _another(name, value)})
        assert renderer.sequence(changed).document == sequence_view(changed), name


def test_the_shown_fields_are_all_that_sequence_view_reads(store: Store) -> None:
    """`SEQUENCE_RECORD_FIELDS` names what a rendering may be reused on: every other field of a
    run changes nothing in its view."""
    sequence = store.get_sequence(ACME, AMELIE_RUN)
    shown = sequence_view(sequence)
    assert set(shown) == set(SEQUENCE_RECORD_FIELDS)
    for name in set(Sequence.__dataclass_fields__) - set(SEQUENCE_RECORD_FIELDS):
        changed = replace(sequence, **{name: _another(name, getattr(sequence, name))})
        assert sequence_view(changed) == shown, name


def _another(name: str, value: Any) -> Any:
    """A value for field `name` of the same kind that differs from `value`."""
    if isinstance(value, Status):
        return Status.FAILED if value is not Status.FAILED else Status.ACTIVE
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if isinstance(value, dict):
        return {**value, "extra": "x"}
    if isinstance(value, int):
        return value + 1
    if value is None:
        return datetime(2030, 1, 1, tzinfo=UTC) if name.endswith("_at") else "other"
    return value + "-other"
