"""Listing through sorted indexes agrees with sorting every match, through any series of writes."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

import builders
from builders import NOW, frozen_clock
from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import Sequence, Status, StopReason, StopScope
from sequences_mock.core.errors import MockError
from sequences_mock.core.lifecycle import PAUSABLE
from sequences_mock.core.world import World
from sequences_mock.state.list_indexes import IndexBudget, Order, Selection, SortedIndexes
from sequences_mock.state.queries import ListQuery
from sequences_mock.state.store import Store

START = NOW
WORKSPACES = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222")
TEMPLATES = tuple(f"{n:08d}-0000-4000-8000-000000000000" for n in range(3))


def random_world(rng: random.Random, count: int) -> World:
    """Sequences with few distinct timestamps, so ties (broken by id) are common."""
    sequences = {}
    for n in range(count):
        created = START - timedelta(hours=rng.randrange(6))
        status = rng.choice(list(Status))
        sequence = builders.sequence(
            status,
            id=f"{rng.getrandbits(32):08x}-{n:04x}-4000-8000-000000000000",
            workspace_id=rng.choice(WORKSPACES),
            template_id=rng.choice(TEMPLATES),
            created_at=created,
            updated_at=created + timedelta(hours=rng.randrange(3)),
            paused_until=(
                START + timedelta(minutes=rng.randrange(1, 90))
                if status is Status.WAITING_FOR_LEAD
                else None
            ),
        )
        sequences[sequence.id] = sequence
    return World(sequences=sequences)


def reference_page(store: Store, workspace_id: str, query: ListQuery) -> tuple[list[str], int]:
    """The same query answered the slow, obvious way from the state dump."""
    matching = [
        s
        for s in store.world.sequences.values()
        if s.workspace_id == workspace_id
        and (query.status is None or s.status is query.status)
        and (query.template_id is None or s.template_id == query.template_id)
        and (query.created_after is None or s.created_at > query.created_after)
        and (query.created_before is None or s.created_at < query.created_before)
    ]
    value: dict[str, Any] = {
        "created_at": lambda s: s.created_at,
        "updated_at": lambda s: s.updated_at,
        "status": lambda s: s.status.value,
    }
    matching.sort(key=lambda s: s.id)
    matching.sort(key=value[query.sort_by], reverse=query.order == "desc")
    start = (query.page - 1) * query.size
    return [s.id for s in matching[start : start + query.size]], len(matching)


def random_query(rng: random.Random) -> ListQuery:
    after = START - timedelta(hours=rng.randrange(7)) if rng.random() < 0.3 else None
    before = START - timedelta(hours=rng.randrange(7)) if rng.random() < 0.3 else None
    return ListQuery(
        status=rng.choice([None, *Status]) if rng.random() < 0.5 else None,
        template_id=rng.choice(TEMPLATES) if rng.random() < 0.4 else None,
        created_after=after,
        created_before=before,
        sort_by=rng.choice(["created_at", "updated_at", "status"]),
        order=rng.choice(["asc", "desc"]),
        page=rng.randrange(1, 5),
        size=rng.choice([1, 3, 10, 100]),
    )


def random_write(store: Store, rng: random.Random, ids: list[str]) -> None:
    sequence_id = rng.choice(ids)
    workspace_id = store.world.sequences[sequence_id].workspace_id
    action = rng.randrange(5)
    try:
        if action == 0:
            store.update_variables(workspace_id, sequence_id, {"k": str(rng.random())})
        elif action == 1:
            until = store.clock.now() + timedelta(minutes=rng.randrange(1, 120))
            store.pause(workspace_id, sequence_id, until)
        elif action == 2:
            store.resume(workspace_id, sequence_id)
        elif action == 3:
            scope = rng.choice(list(StopScope))
            store.stop(workspace_id, sequence_id, rng.choice(list(StopReason)), scope)
        else:
            store.clock.advance(rng.randrange(0, 3600))
    except MockError:
        pass  # refused writes (409s) are part of the mix; they must change nothing


def indexed_entries(store: Store) -> int:
    return store.stats().index_entries


def kept(store: Store) -> tuple[tuple[Selection, Order], ...]:
    """The kept sorted indexes, least recently used first."""
    return store.stats().indexes_kept


def frozen_at_start() -> Clock:
    return frozen_clock(START)


def check_random_pages(seed: int, budget: int | None = None) -> None:
    """Random queries against a full sort, with random writes between them.

    With a `budget`, the kept indexes may hold that many entries, however many sequences.
    """
    rng = random.Random(seed)
    limits = {} if budget is None else {"index_budget": IndexBudget(per_sequence=0, minimum=budget)}
    store = Store(random_world(rng, 120), frozen_at_start(), **limits)
    ids = list(store.world.sequences)
    checked = 0
    for _ in range(150):
        for _ in range(4):
            query = random_query(rng)
            workspace_id = rng.choice(WORKSPACES)
            page = store.list_sequences(workspace_id, query)
            expected_ids, expected_total = reference_page(store, workspace_id, query)
            assert ([s.id for s in page.items], page.total) == (expected_ids, expected_total), query
            checked += len(page.items)
            if budget is not None:
                assert indexed_entries(store) <= budget or len(kept(store)) == 1
        random_write(store, rng, ids)
    assert checked > 1000  # the queries returned real pages, not only empty ones


@pytest.mark.parametrize("seed", range(8))
def test_pages_match_a_full_sort_through_random_writes(seed: int) -> None:
    """Every page equals what sorting all matches would give, before and after each write."""
    check_random_pages(seed)


@pytest.mark.parametrize("seed", range(4))
def test_pages_stay_right_while_a_small_budget_drops_and_rebuilds_indexes(seed: int) -> None:
    """With room for about one index, most queries drop one and build another: same pages."""
    check_random_pages(seed, budget=70)


def test_a_workspace_listed_in_every_order_keeps_its_indexes() -> None:
    """Cycling through all six orders, whole and filtered by a status, rebuilds nothing."""
    rng = random.Random(5)
    store = Store(random_world(rng, 300), frozen_at_start(), index_budget=IndexBudget(minimum=0))
    workspace_id = WORKSPACES[0]
    orders = [(s, o) for s in ("created_at", "updated_at", "status") for o in ("asc", "desc")]

    def one_round() -> tuple[set[tuple[Selection, Order]], int]:
        for status in (None, Status.ACTIVE):
            for sort_by, order in orders:
                query = ListQuery(status=status, sort_by=sort_by, order=order)
                store.list_sequences(workspace_id, query)
        return set(kept(store)), store.stats().index_builds

    first = one_round()
    assert len(first[0]) == 12
    assert one_round() == one_round() == first


def test_kept_indexes_stay_within_their_budget_and_keep_the_recent_ones() -> None:
    """Every filter and order asked once: the least recently used indexes are the ones dropped."""
    # Room for a fraction of the 24 per sequence that every filter in every order would take.
    per_sequence = 3
    rng = random.Random(3)
    store = Store(
        random_world(rng, 200),
        frozen_at_start(),
        index_budget=IndexBudget(per_sequence=per_sequence, minimum=0),
    )
    budget = per_sequence * 200
    workspace_id = WORKSPACES[0]
    everything = ListQuery(sort_by="updated_at", order="desc")
    for status in (None, *Status):
        for template_id in (None, *TEMPLATES):
            for sort_by in ("created_at", "updated_at", "status"):
                store.list_sequences(workspace_id, everything)  # kept in use throughout
                query = ListQuery(status=status, template_id=template_id, sort_by=sort_by)
                store.list_sequences(workspace_id, query)
                assert indexed_entries(store) <= budget
    assert ((workspace_id, None, None), ("updated_at", True)) in kept(store)


def test_listed_sequences_are_the_current_versions() -> None:
    """A page shows each run as it is now, not as it was when its index was built."""
    rng = random.Random(1)
    store = Store(random_world(rng, 40), frozen_at_start())
    workspace_id = WORKSPACES[0]
    store.list_sequences(workspace_id, ListQuery(size=100))  # builds the index
    target = next(
        s
        for s in store.world.sequences.values()
        if s.workspace_id == workspace_id and s.status in PAUSABLE
    )
    store.update_variables(workspace_id, target.id, {"cta": "changed"})

    listed = {s.id: s for s in store.list_sequences(workspace_id, ListQuery(size=100)).items}

    assert listed[target.id].variables == {"cta": "changed"}


# -- the cache of sorted indexes on its own ----------------------------------------------------


def runs(count: int) -> list[Sequence]:
    """`count` runs of the first workspace and template, created a minute apart."""
    return [
        builders.sequence(
            id=f"{n:08x}-0000-4000-8000-000000000000",
            workspace_id=WORKSPACES[0],
            template_id=TEMPLATES[0],
            created_at=START + timedelta(minutes=n),
        )
        for n in range(count)
    ]


WHOLE: Selection = (WORKSPACES[0], None, None)
ORDERS: list[Order] = [
    (s, d) for s in ("created_at", "updated_at", "status") for d in (False, True)
]


def test_the_minimum_budget_given_to_the_cache_is_honoured() -> None:
    """With room for 25 entries, a third index of 10 drops the least recently used one."""
    members = runs(10)
    indexes = SortedIndexes(entries_per_sequence=0, minimum=25)
    first = indexes.build(WHOLE, ORDERS[0], members, stored=10)
    indexes.build(WHOLE, ORDERS[1], members, stored=10)
    assert indexes.find(WHOLE, ORDERS[0]) is first  # now the most recently used
    indexes.build(WHOLE, ORDERS[2], members, stored=10)
    assert list(indexes.kept) == [(WHOLE, ORDERS[0]), (WHOLE, ORDERS[2])]
    assert indexes.entries() == 20
    assert indexes.find(WHOLE, ORDERS[1]) is None


def test_the_budget_per_sequence_follows_the_sequences_stored() -> None:
    """2 entries per sequence: 10 stored leave room for 2 indexes of 10, 15 stored for 3."""
    members = runs(10)
    small = SortedIndexes(entries_per_sequence=2, minimum=0)
    large = SortedIndexes(entries_per_sequence=2, minimum=0)
    for order in ORDERS[:3]:
        small.build(WHOLE, order, members, stored=10)
        large.build(WHOLE, order, members, stored=15)
    assert len(small.kept) == 2
    assert len(large.kept) == 3


def test_an_index_over_the_budget_alone_is_still_kept() -> None:
    """The most recently used index stays, even alone over the budget, so it is not rebuilt."""
    indexes = SortedIndexes(entries_per_sequence=0, minimum=5)
    index = indexes.build(WHOLE, ORDERS[0], runs(10), stored=10)
    assert indexes.find(WHOLE, ORDERS[0]) is index
    assert indexes.entries() == 10


def test_an_empty_selection_is_built_but_not_kept() -> None:
    indexes = SortedIndexes()
    index = indexes.build(WHOLE, ORDERS[0], [], stored=0)
    assert len(index) == 0
    assert indexes.find(WHOLE, ORDERS[0]) is None
    assert dict(indexes.kept) == {}


def test_an_update_moves_a_run_between_the_kept_indexes_of_its_filters() -> None:
    """A run changing status leaves the old status's index, joins the new one's, stays in all."""
    *members, other = runs(4)
    already = replace(other, status=Status.STOPPED_EARLY)
    active: Selection = (WORKSPACES[0], Status.ACTIVE, None)
    stopped: Selection = (WORKSPACES[0], Status.STOPPED_EARLY, None)
    indexes = SortedIndexes()
    whole = indexes.build(WHOLE, ORDERS[0], members, stored=3)
    in_active = indexes.build(active, ORDERS[0], members, stored=3)
    in_stopped = indexes.build(stopped, ORDERS[0], [already], stored=3)
    changed = replace(members[1], status=Status.STOPPED_EARLY)

    indexes.update(members[1], changed)

    assert whole.slice(0, 3) == [members[0], changed, members[2]]
    assert in_active.slice(0, 3) == [members[0], members[2]]
    assert in_stopped.slice(0, 3) == [changed, already]
