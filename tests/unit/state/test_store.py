"""The in-memory `Store`: visibility, listing, auto-resume, company stops and atomic writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

import builders
from builders import DAY, NOW, frozen_clock
from sequences_mock.core.domain import (
    Company,
    Contact,
    Sequence,
    Status,
    StopReason,
    StopScope,
    Template,
    Workspace,
)
from sequences_mock.core.errors import (
    InvalidStateTransition,
    MockError,
    NotFound,
    PausedUntilNotInFuture,
)
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.state.deadlines import STALE_DEADLINES_KEPT
from sequences_mock.state.queries import ListQuery
from sequences_mock.state.store import Store


def new_id() -> str:
    return str(uuid4())


def make_workspace(name: str = "Acme") -> Workspace:
    return Workspace(new_id(), name)


def make_company(workspace: Workspace, name: str = "Initech") -> Company:
    return Company(new_id(), workspace.id, name)


def make_contact(workspace: Workspace, company: Company | None = None) -> Contact:
    return Contact(
        new_id(),
        workspace.id,
        company.id if company else None,
        "Ada",
        "Lovelace",
        "ada@example.com",
    )


def make_template(workspace: Workspace, name: str = "Cold outreach") -> Template:
    return Template(new_id(), workspace.id, name, {"greeting": "Hi"})


def make_sequence(
    workspace: Workspace,
    template: Template,
    contact: Contact | None = None,
    status: Status = Status.ACTIVE,
    *,
    created_at: datetime = NOW - 10 * DAY,
    updated_at: datetime | None = None,
    paused_until: datetime | None = None,
    stop_reason: StopReason | None = None,
    sequence_id: str | None = None,
) -> Sequence:
    if status is Status.WAITING_FOR_LEAD and paused_until is None:
        paused_until = NOW + DAY
    if status is Status.STOPPED_EARLY and stop_reason is None:
        stop_reason = StopReason.LOSE
    return builders.sequence(
        status,
        id=sequence_id or new_id(),
        workspace_id=workspace.id,
        contact_id=contact.id if contact else None,
        template_id=template.id,
        created_at=created_at,
        updated_at=updated_at or created_at,
        paused_until=paused_until,
        stop_reason=stop_reason,
    )


def make_world(
    workspaces: list[Workspace],
    sequences: list[Sequence],
    *,
    companies: list[Company] = (),
    contacts: list[Contact] = (),
    templates: list[Template] = (),
) -> World:
    return World(
        clock=ClockSetting(NOW, True),
        workspaces={w.id: w for w in workspaces},
        companies={c.id: c for c in companies},
        contacts={c.id: c for c in contacts},
        templates={t.id: t for t in templates},
        sequences={s.id: s for s in sequences},
    )


def one_run_store(
    status: Status = Status.ACTIVE, **fields: object
) -> tuple[Store, Workspace, Sequence]:
    """A store holding one run in one workspace, frozen at NOW."""
    workspace = make_workspace()
    template = make_template(workspace)
    sequence = make_sequence(workspace, template, None, status, **fields)
    world = make_world([workspace], [sequence], templates=[template])
    return Store(world, frozen_clock()), workspace, sequence


def ids(sequences: list[Sequence]) -> list[str]:
    return [sequence.id for sequence in sequences]


# -- visibility --------------------------------------------------------------------------------


def test_get_sequence_returns_it() -> None:
    """get_sequence finds a run of the caller's workspace."""
    store, workspace, sequence = one_run_store()
    assert store.get_sequence(workspace.id, sequence.id) == sequence


def test_get_sequence_from_other_workspace_is_not_found_like_unknown_id() -> None:
    """A run of another workspace is NotFound, with the same detail as an unknown id."""
    acme, globex = make_workspace("Acme"), make_workspace("Globex")
    template = make_template(acme)
    sequence = make_sequence(acme, template)
    store = Store(make_world([acme, globex], [sequence], templates=[template]), frozen_clock())
    unknown = new_id()
    with pytest.raises(NotFound) as other_workspace:
        store.get_sequence(globex.id, sequence.id)
    with pytest.raises(NotFound) as unknown_id:
        store.get_sequence(acme.id, unknown)
    assert other_workspace.value.detail == f"no sequence {sequence.id} in this workspace"
    assert unknown_id.value.detail == f"no sequence {unknown} in this workspace"
    assert other_workspace.value.code == unknown_id.value.code == "not_found"


def test_get_sequence_from_unknown_workspace_is_not_found() -> None:
    """A workspace id that does not exist sees nothing."""
    store, _, sequence = one_run_store()
    with pytest.raises(NotFound):
        store.get_sequence(new_id(), sequence.id)


def test_get_sequence_accepts_upper_case_id() -> None:
    """An upper-case spelling of a run's id still finds it."""
    store, workspace, sequence = one_run_store()
    assert store.get_sequence(workspace.id, sequence.id.upper()) == sequence


def test_writes_from_other_workspace_are_not_found() -> None:
    """Every write to another workspace's run is NotFound and changes nothing."""
    acme, globex = make_workspace("Acme"), make_workspace("Globex")
    template = make_template(acme)
    sequence = make_sequence(acme, template, None, Status.WAITING_FOR_LEAD)
    store = Store(make_world([acme, globex], [sequence], templates=[template]), frozen_clock())
    writes: list[Callable[[], object]] = [
        lambda: store.update_variables(globex.id, sequence.id, {"a": "b"}),
        lambda: store.pause(globex.id, sequence.id, NOW + 2 * DAY),
        lambda: store.resume(globex.id, sequence.id),
        lambda: store.stop(globex.id, sequence.id, StopReason.WIN, StopScope.CONTACT),
    ]
    for write in writes:
        with pytest.raises(NotFound):
            write()
    assert store.world.sequences == {sequence.id: sequence}


def test_writes_accept_upper_case_id() -> None:
    """Writes find a run by an upper-case id and store it under its own id."""
    store, workspace, sequence = one_run_store()
    updated = store.update_variables(workspace.id, sequence.id.upper(), {"a": "b"})
    assert updated.id == sequence.id
    assert store.world.sequences == {sequence.id: updated}


# -- listing -----------------------------------------------------------------------------------


def test_list_filters_by_status() -> None:
    """A status filter returns exactly the workspace's runs in that status."""
    workspace = make_workspace()
    template = make_template(workspace)
    runs = [make_sequence(workspace, template, None, status) for status in Status]
    extra = make_sequence(workspace, template, None, Status.FAILED)
    store = Store(make_world([workspace], [*runs, extra], templates=[template]), frozen_clock())
    for status in Status:
        page = store.list_sequences(workspace.id, ListQuery(status=status, size=100))
        expected = [run for run in [*runs, extra] if run.status is status]
        assert sorted(ids(page.items)) == sorted(ids(expected))
        assert page.total == len(expected)


def test_list_filters_by_template_id_in_any_case() -> None:
    """A template filter returns only that template's runs, whatever the case of its id."""
    workspace = make_workspace()
    first, second = make_template(workspace), make_template(workspace, "Webinar")
    a = make_sequence(workspace, first, created_at=NOW - 3 * DAY)
    b = make_sequence(workspace, second, created_at=NOW - 2 * DAY)
    c = make_sequence(workspace, first, created_at=NOW - 1 * DAY)
    store = Store(make_world([workspace], [a, b, c], templates=[first, second]), frozen_clock())
    assert ids(store.list_sequences(workspace.id, ListQuery(template_id=first.id)).items) == [
        a.id,
        c.id,
    ]
    upper = ListQuery(template_id=second.id.upper())
    assert ids(store.list_sequences(workspace.id, upper).items) == [b.id]
    unknown = ListQuery(template_id=new_id())
    assert store.list_sequences(workspace.id, unknown).total == 0


def test_list_combines_status_and_template_filters() -> None:
    """Status and template filters intersect."""
    workspace = make_workspace()
    first, second = make_template(workspace), make_template(workspace, "Webinar")
    match = make_sequence(workspace, first, None, Status.FOUND)
    wrong_status = make_sequence(workspace, first, None, Status.ACTIVE)
    wrong_template = make_sequence(workspace, second, None, Status.FOUND)
    world = make_world(
        [workspace], [match, wrong_status, wrong_template], templates=[first, second]
    )
    store = Store(world, frozen_clock())
    page = store.list_sequences(workspace.id, ListQuery(status=Status.FOUND, template_id=first.id))
    assert ids(page.items) == [match.id]


@pytest.mark.parametrize(
    ("after", "before", "expected"),
    [
        (None, None, [0, 1, 2, 3, 4]),
        (1, None, [2, 3, 4]),
        (None, 3, [0, 1, 2]),
        (1, 3, [2]),
        (1, 2, []),
        (2, 2, []),
        (3, 1, []),
    ],
)
def test_list_created_bounds_are_strict(
    after: int | None, before: int | None, expected: list[int]
) -> None:
    """created_after and created_before exclude runs created exactly at the bound."""
    workspace = make_workspace()
    template = make_template(workspace)
    moments = [NOW - (5 - n) * DAY for n in range(5)]
    runs = [make_sequence(workspace, template, created_at=moment) for moment in moments]
    store = Store(make_world([workspace], runs, templates=[template]), frozen_clock())
    query = ListQuery(
        created_after=None if after is None else moments[after],
        created_before=None if before is None else moments[before],
    )
    assert ids(store.list_sequences(workspace.id, query).items) == [runs[n].id for n in expected]


def test_list_created_bound_one_microsecond_away_is_included() -> None:
    """A run created one microsecond inside a bound is listed."""
    workspace = make_workspace()
    template = make_template(workspace)
    run = make_sequence(workspace, template, created_at=NOW - DAY)
    store = Store(make_world([workspace], [run], templates=[template]), frozen_clock())
    query = ListQuery(
        created_after=run.created_at - timedelta(microseconds=1),
        created_before=run.created_at + timedelta(microseconds=1),
    )
    assert ids(store.list_sequences(workspace.id, query).items) == [run.id]


def _tied_world(field: str) -> tuple[Store, Workspace, list[Sequence], list[Sequence]]:
    """Runs whose `field` is early, three-way tied in the middle, or late."""
    workspace = make_workspace()
    template = make_template(workspace)
    early, tied_at, late = NOW - 9 * DAY, NOW - 5 * DAY, NOW - 1 * DAY

    def run(moment: datetime) -> Sequence:
        if field == "created_at":
            return make_sequence(workspace, template, created_at=moment)
        return make_sequence(workspace, template, created_at=NOW - 20 * DAY, updated_at=moment)

    first, last = run(early), run(late)
    tied = [run(tied_at) for _ in range(3)]
    runs = [last, tied[0], first, tied[1], tied[2]]
    store = Store(make_world([workspace], runs, templates=[template]), frozen_clock())
    return store, workspace, [first, last], sorted(tied, key=lambda s: s.id)


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_sort_by_time_ascending_breaks_ties_by_id(field: str) -> None:
    """Ascending time sort orders by the field, then by id ascending."""
    store, workspace, (first, last), tied = _tied_world(field)
    page = store.list_sequences(workspace.id, ListQuery(sort_by=field, order="asc"))
    assert ids(page.items) == [first.id, *ids(tied), last.id]


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_sort_by_time_descending_still_breaks_ties_by_id_ascending(field: str) -> None:
    """Descending time sort reverses the field, but tied runs stay in ascending id order."""
    store, workspace, (first, last), tied = _tied_world(field)
    page = store.list_sequences(workspace.id, ListQuery(sort_by=field, order="desc"))
    assert ids(page.items) == [last.id, *ids(tied), first.id]


def test_sort_by_status_asc_and_desc() -> None:
    """Status sorts by its name; ties are by id ascending in both directions."""
    workspace = make_workspace()
    template = make_template(workspace)
    runs = [make_sequence(workspace, template, None, status) for status in Status]
    tied = [make_sequence(workspace, template, None, Status.FOUND) for _ in range(2)]
    store = Store(make_world([workspace], [*runs, *tied], templates=[template]), frozen_clock())

    def expected(reverse: bool) -> list[str]:
        groups = sorted({s.status.value for s in [*runs, *tied]}, reverse=reverse)
        return [
            s.id
            for value in groups
            for s in sorted([*runs, *tied], key=lambda s: s.id)
            if s.status.value == value
        ]

    asc = store.list_sequences(workspace.id, ListQuery(sort_by="status", size=100))
    desc = store.list_sequences(workspace.id, ListQuery(sort_by="status", order="desc", size=100))
    assert ids(asc.items) == expected(reverse=False)
    assert ids(desc.items) == expected(reverse=True)
    assert [s.status for s in asc.items][:2] == [Status.ACTIVE, Status.COMPLETED]
    assert asc.items[-1].status is Status.WAITING_FOR_USER


def test_default_sort_is_created_at_ascending() -> None:
    """Without sort options, runs come oldest first."""
    workspace = make_workspace()
    template = make_template(workspace)
    runs = [make_sequence(workspace, template, created_at=NOW - n * DAY) for n in range(1, 6)]
    store = Store(make_world([workspace], runs, templates=[template]), frozen_clock())
    assert ids(store.list_sequences(workspace.id, ListQuery()).items) == ids(runs[::-1])


def _paged_store(count: int) -> tuple[Store, Workspace, list[Sequence]]:
    workspace = make_workspace()
    template = make_template(workspace)
    runs = [
        make_sequence(workspace, template, created_at=NOW - (count - n) * DAY) for n in range(count)
    ]
    return (
        Store(make_world([workspace], runs, templates=[template]), frozen_clock()),
        workspace,
        runs,
    )


@pytest.mark.parametrize(
    ("page", "first", "length", "has_more"),
    [(1, 0, 10, True), (2, 10, 10, True), (3, 20, 5, False), (4, 25, 0, False), (99, 25, 0, False)],
)
def test_pagination(page: int, first: int, length: int, has_more: bool) -> None:
    """Pages slice the sorted result; total and total_pages count all matches."""
    store, workspace, runs = _paged_store(25)
    result = store.list_sequences(workspace.id, ListQuery(page=page, size=10))
    assert ids(result.items) == ids(runs[first : first + length])
    assert (result.total, result.total_pages, result.page, result.size) == (25, 3, page, 10)
    assert result.has_more is has_more


def test_pagination_exact_multiple() -> None:
    """When total is a multiple of size, the last full page has no more after it."""
    store, workspace, _ = _paged_store(20)
    last = store.list_sequences(workspace.id, ListQuery(page=2, size=10))
    assert (len(last.items), last.total_pages, last.has_more) == (10, 2, False)


def test_pagination_of_nothing() -> None:
    """An empty result has total 0, total_pages 0 and no more pages."""
    store, workspace, _ = _paged_store(3)
    result = store.list_sequences(workspace.id, ListQuery(status=Status.REFUSED))
    assert result.items == []
    assert (result.total, result.total_pages, result.has_more) == (0, 0, False)


def test_pages_concatenate_to_the_whole_list() -> None:
    """Walking every page yields every run exactly once, in order."""
    store, workspace, runs = _paged_store(23)
    seen: list[str] = []
    for page in range(1, 5):
        seen += ids(store.list_sequences(workspace.id, ListQuery(page=page, size=7)).items)
    assert seen == ids(runs)


def test_list_is_scoped_to_the_workspace() -> None:
    """Listing shows only the caller's workspace, even with a template filter from another."""
    acme, globex = make_workspace("Acme"), make_workspace("Globex")
    acme_template, globex_template = make_template(acme), make_template(globex)
    mine = [make_sequence(acme, acme_template, created_at=NOW - n * DAY) for n in (3, 2)]
    theirs = [make_sequence(globex, globex_template) for _ in range(4)]
    world = make_world([acme, globex], [*theirs, *mine], templates=[acme_template, globex_template])
    store = Store(world, frozen_clock())
    page = store.list_sequences(acme.id, ListQuery(size=100))
    assert ids(page.items) == ids(mine)
    assert page.total == 2
    other = store.list_sequences(acme.id, ListQuery(template_id=globex_template.id))
    assert other.total == 0
    assert store.list_sequences(new_id(), ListQuery()).total == 0


# -- writes ------------------------------------------------------------------------------------


def test_update_variables_stores_and_bumps_updated_at() -> None:
    """update_variables merges overrides and stores the run with updated_at = now."""
    store, workspace, sequence = one_run_store()
    updated = store.update_variables(workspace.id, sequence.id, {"x": "1"})
    assert updated == replace(sequence, variables={"x": "1"}, updated_at=NOW)
    assert store.get_sequence(workspace.id, sequence.id) == updated


def test_pause_then_resume_through_store() -> None:
    """pause and resume are stored, and the status index follows them."""
    store, workspace, sequence = one_run_store()
    paused = store.pause(workspace.id, sequence.id, NOW + DAY)
    waiting = store.list_sequences(workspace.id, ListQuery(status=Status.WAITING_FOR_LEAD))
    assert ids(waiting.items) == [sequence.id]
    assert paused.paused_until == NOW + DAY
    resumed = store.resume(workspace.id, sequence.id)
    assert resumed.status is Status.ACTIVE
    active = store.list_sequences(workspace.id, ListQuery(status=Status.ACTIVE))
    assert ids(active.items) == [sequence.id]
    waiting = store.list_sequences(workspace.id, ListQuery(status=Status.WAITING_FOR_LEAD))
    assert waiting.total == 0


# -- automatic resume --------------------------------------------------------------------------


def test_paused_run_resumes_at_exact_deadline_on_get() -> None:
    """At exactly its deadline a paused run reads ACTIVE with updated_at = the deadline."""
    deadline = NOW + timedelta(hours=3)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=deadline)
    store.clock.set(deadline - timedelta(microseconds=1))
    assert store.get_sequence(workspace.id, sequence.id) == sequence
    store.clock.set(deadline)
    assert store.get_sequence(workspace.id, sequence.id) == replace(
        sequence, status=Status.ACTIVE, paused_until=None, updated_at=deadline
    )


def test_paused_run_resumes_in_status_filter_without_prior_get() -> None:
    """A due run is ACTIVE in a status filter even when nothing read it first."""
    deadline = NOW + timedelta(hours=3)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=deadline)
    store.clock.set(deadline)
    active = store.list_sequences(workspace.id, ListQuery(status=Status.ACTIVE))
    assert ids(active.items) == [sequence.id]
    assert active.items[0].updated_at == deadline
    waiting = store.list_sequences(workspace.id, ListQuery(status=Status.WAITING_FOR_LEAD))
    assert waiting.total == 0


def test_paused_run_resumes_in_sort_by_updated_at() -> None:
    """A due run sorts by its deadline as updated_at."""
    deadline = NOW + timedelta(hours=3)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=deadline)
    store.clock.set(deadline + DAY)
    page = store.list_sequences(
        workspace.id, ListQuery(sort_by="updated_at", created_before=NOW + 2 * DAY)
    )
    assert [(s.id, s.status, s.updated_at) for s in page.items] == [
        (sequence.id, Status.ACTIVE, deadline)
    ]


def test_paused_run_already_due_at_start_resumes_on_first_read() -> None:
    """A world whose deadline is already past resumes that run with updated_at = deadline."""
    deadline = NOW - timedelta(hours=1)
    store, _, sequence = one_run_store(
        Status.WAITING_FOR_LEAD, paused_until=deadline, created_at=NOW - 2 * DAY
    )
    assert store.world.sequences[sequence.id] == replace(
        sequence, status=Status.ACTIVE, paused_until=None, updated_at=deadline
    )


def test_repause_to_later_deadline_ignores_old_deadline() -> None:
    """A run re-paused to a later deadline stays paused at the old one and resumes at the new."""
    first, second = NOW + timedelta(hours=1), NOW + timedelta(hours=5)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=first)
    store.pause(workspace.id, sequence.id, second)
    store.clock.set(first)
    still = store.get_sequence(workspace.id, sequence.id)
    assert (still.status, still.paused_until, still.updated_at) == (
        Status.WAITING_FOR_LEAD,
        second,
        NOW,
    )
    store.clock.set(second)
    resumed = store.get_sequence(workspace.id, sequence.id)
    assert (resumed.status, resumed.paused_until, resumed.updated_at) == (
        Status.ACTIVE,
        None,
        second,
    )


def test_repause_to_earlier_deadline_resumes_once_at_the_earlier() -> None:
    """A run moved to an earlier deadline resumes there and the old deadline does not touch it."""
    first, earlier = NOW + timedelta(hours=5), NOW + timedelta(hours=1)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=first)
    store.pause(workspace.id, sequence.id, earlier)
    store.clock.set(earlier)
    resumed = store.get_sequence(workspace.id, sequence.id)
    assert (resumed.status, resumed.updated_at) == (Status.ACTIVE, earlier)
    store.clock.set(first + DAY)
    assert store.get_sequence(workspace.id, sequence.id) == resumed


def test_resumed_by_hand_then_repaused_later() -> None:
    """Resumed by hand and re-paused, a run ignores its first deadline and obeys the second."""
    first, second = NOW + timedelta(hours=1), NOW + timedelta(hours=4)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=first)
    store.resume(workspace.id, sequence.id)
    store.clock.set(NOW + timedelta(minutes=30))
    store.pause(workspace.id, sequence.id, second)
    store.clock.set(first)
    still = store.get_sequence(workspace.id, sequence.id)
    assert (still.status, still.paused_until) == (Status.WAITING_FOR_LEAD, second)
    assert still.updated_at == NOW + timedelta(minutes=30)
    store.clock.set(second)
    resumed = store.get_sequence(workspace.id, sequence.id)
    assert (resumed.status, resumed.paused_until, resumed.updated_at) == (
        Status.ACTIVE,
        None,
        second,
    )


def test_resumed_by_hand_then_repaused_to_same_deadline() -> None:
    """Re-paused to the very deadline it had before, a run resumes at that deadline once."""
    deadline = NOW + timedelta(hours=2)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=deadline)
    store.resume(workspace.id, sequence.id)
    store.pause(workspace.id, sequence.id, deadline)
    store.clock.set(deadline)
    resumed = store.get_sequence(workspace.id, sequence.id)
    assert (resumed.status, resumed.paused_until, resumed.updated_at) == (
        Status.ACTIVE,
        None,
        deadline,
    )


def test_resumed_by_hand_stays_active_past_old_deadline() -> None:
    """A run resumed by hand keeps the updated_at of the resume when its old deadline passes."""
    deadline = NOW + timedelta(hours=2)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=deadline)
    resumed = store.resume(workspace.id, sequence.id)
    store.clock.set(deadline + DAY)
    assert store.get_sequence(workspace.id, sequence.id) == resumed
    assert resumed.updated_at == NOW


def test_stopped_paused_run_is_not_resumed_at_deadline() -> None:
    """A paused run stopped before its deadline stays STOPPED_EARLY after it."""
    deadline = NOW + timedelta(hours=2)
    store, workspace, sequence = one_run_store(Status.WAITING_FOR_LEAD, paused_until=deadline)
    stopped = store.stop(workspace.id, sequence.id, StopReason.WIN, StopScope.CONTACT)
    store.clock.set(deadline)
    assert store.get_sequence(workspace.id, sequence.id) == stopped
    assert stopped.status is Status.STOPPED_EARLY


def test_pausing_and_resuming_many_times_keeps_the_deadline_heap_small() -> None:
    """Pause/resume cycles leave stale deadlines; they are dropped, and live ones still fire."""
    workspace = make_workspace()
    template = make_template(workspace)
    held = make_sequence(workspace, template, None, Status.WAITING_FOR_LEAD, paused_until=NOW + DAY)
    cycled = make_sequence(workspace, template, None, Status.ACTIVE)
    store = Store(make_world([workspace], [held, cycled], templates=[template]), frozen_clock())
    cycles = 5 * STALE_DEADLINES_KEPT
    for n in range(cycles):
        store.pause(workspace.id, cycled.id, NOW + timedelta(hours=1, seconds=n))
        store.resume(workspace.id, cycled.id)
        assert store.stats().schedule_entries <= 2 + 2 * STALE_DEADLINES_KEPT
    last_pause = NOW + timedelta(hours=2)
    store.pause(workspace.id, cycled.id, last_pause)

    store.clock.set(last_pause)
    assert store.get_sequence(workspace.id, cycled.id).status is Status.ACTIVE
    assert store.get_sequence(workspace.id, held.id).status is Status.WAITING_FOR_LEAD
    store.clock.set(NOW + DAY)
    resumed = store.get_sequence(workspace.id, held.id)
    assert (resumed.status, resumed.updated_at) == (Status.ACTIVE, NOW + DAY)


def test_catch_up_resumes_only_due_runs() -> None:
    """With many deadlines, catch_up brings back exactly those at or before now."""
    workspace = make_workspace()
    template = make_template(workspace)
    deadlines = [NOW + timedelta(minutes=7 * n) for n in range(40, 0, -1)]
    runs = [
        make_sequence(workspace, template, None, Status.WAITING_FOR_LEAD, paused_until=deadline)
        for deadline in deadlines
    ]
    store = Store(make_world([workspace], runs, templates=[template]), frozen_clock())
    cutoff = NOW + timedelta(minutes=7 * 15)
    store.clock.set(cutoff)
    store.catch_up()
    after = store.world.sequences
    for run in runs:
        if run.paused_until <= cutoff:
            assert after[run.id] == replace(
                run, status=Status.ACTIVE, paused_until=None, updated_at=run.paused_until
            )
        else:
            assert after[run.id] == run
    active = store.list_sequences(workspace.id, ListQuery(status=Status.ACTIVE, size=100))
    assert active.total == 15


def test_world_reports_clock_setting() -> None:
    """store.world carries the clock's current instant and frozen flag."""
    store, _, _ = one_run_store()
    store.clock.set(NOW + DAY)
    assert store.world.clock == ClockSetting(NOW + DAY, True)


# -- stop with COMPANY scope -------------------------------------------------------------------


class CompanyWorld:
    """A workspace where one company has several runs of one template, plus decoys."""

    def __init__(self) -> None:
        self.acme, self.globex = make_workspace("Acme"), make_workspace("Globex")
        acme = self.acme
        self.initech, self.umbrella = make_company(acme), make_company(acme, "Umbrella")
        self.target_contact = make_contact(acme, self.initech)
        self.colleague = make_contact(acme, self.initech)
        self.colleague_two = make_contact(acme, self.initech)
        self.outsider = make_contact(acme, self.umbrella)
        self.freelancer = make_contact(acme)
        self.other_freelancer = make_contact(acme)
        self.globex_contact = Contact(
            new_id(), self.globex.id, self.initech.id, "Gus", "Globex", "gus@example.com"
        )
        self.cold, self.webinar = make_template(acme), make_template(acme, "Webinar")
        cold = self.cold

        def run(contact: Contact | None, status: Status = Status.ACTIVE, **kw: object) -> Sequence:
            return make_sequence(acme, kw.pop("template", cold), contact, status, **kw)

        self.target = run(self.target_contact)
        self.same_contact = run(self.target_contact, Status.WAITING_FOR_USER)
        self.paused_colleague = run(self.colleague, Status.WAITING_FOR_LEAD)
        self.found_colleague = run(self.colleague_two, Status.FOUND)
        self.expected_stopped = [
            self.target,
            self.same_contact,
            self.paused_colleague,
            self.found_colleague,
        ]
        self.untouched = [
            *(run(self.colleague, status) for status in Status if status not in _NON_TERMINAL),
            run(self.colleague, template=self.webinar),
            run(self.outsider),
            run(None),
            run(self.freelancer),
            run(self.other_freelancer, Status.WAITING_FOR_USER),
            make_sequence(self.globex, cold, self.globex_contact),
        ]
        self.null_contact_target = run(None, Status.FOUND)
        self.freelancer_target = run(self.freelancer, Status.WAITING_FOR_USER)
        self.untouched += [self.null_contact_target, self.freelancer_target]
        self.world = make_world(
            [self.acme, self.globex],
            [*self.expected_stopped, *self.untouched],
            companies=[self.initech, self.umbrella],
            contacts=[
                self.target_contact,
                self.colleague,
                self.colleague_two,
                self.outsider,
                self.freelancer,
                self.other_freelancer,
                self.globex_contact,
            ],
            templates=[self.cold, self.webinar],
        )


_NON_TERMINAL = {Status.ACTIVE, Status.WAITING_FOR_LEAD, Status.WAITING_FOR_USER, Status.FOUND}


def stopped_ids(before: World, after: World) -> set[str]:
    return {i for i, s in after.sequences.items() if s != before.sequences[i]}


@pytest.mark.parametrize("reason", list(StopReason))
def test_company_stop_stops_non_terminal_runs_of_same_template_and_company(
    reason: StopReason,
) -> None:
    """COMPANY scope stops the target and every unfinished same-template run at its company."""
    scene = CompanyWorld()
    store = Store(scene.world, frozen_clock())
    before = store.world
    returned = store.stop(scene.acme.id, scene.target.id, reason, StopScope.COMPANY)
    after = store.world
    assert returned == after.sequences[scene.target.id]
    assert stopped_ids(before, after) == set(ids(scene.expected_stopped))
    for run in scene.expected_stopped:
        assert after.sequences[run.id] == replace(
            run,
            status=Status.STOPPED_EARLY,
            stop_reason=reason,
            paused_until=None,
            updated_at=NOW,
        )
    for run in scene.untouched:
        assert after.sequences[run.id] == run


def test_company_stop_of_paused_colleague_is_not_resumed_later() -> None:
    """A colleague stopped while paused stays stopped after its old deadline."""
    scene = CompanyWorld()
    store = Store(scene.world, frozen_clock())
    store.stop(scene.acme.id, scene.target.id, StopReason.WIN, StopScope.COMPANY)
    store.clock.set(scene.paused_colleague.paused_until + DAY)
    colleague = store.get_sequence(scene.acme.id, scene.paused_colleague.id)
    assert (colleague.status, colleague.updated_at) == (Status.STOPPED_EARLY, NOW)


@pytest.mark.parametrize("target", ["null_contact_target", "freelancer_target"])
def test_company_stop_without_company_stops_only_target(target: str) -> None:
    """A target with no contact, or a contact without company, stops only itself."""
    scene = CompanyWorld()
    run = getattr(scene, target)
    store = Store(scene.world, frozen_clock())
    before = store.world
    store.stop(scene.acme.id, run.id, StopReason.LOSE, StopScope.COMPANY)
    assert stopped_ids(before, store.world) == {run.id}


def test_contact_stop_stops_only_target() -> None:
    """CONTACT scope stops only the target, even with colleagues at its company."""
    scene = CompanyWorld()
    store = Store(scene.world, frozen_clock())
    before = store.world
    stopped = store.stop(scene.acme.id, scene.target.id, StopReason.WIN, StopScope.CONTACT)
    assert stopped_ids(before, store.world) == {scene.target.id}
    assert stopped == replace(
        scene.target, status=Status.STOPPED_EARLY, stop_reason=StopReason.WIN, updated_at=NOW
    )


def test_company_stop_updates_status_index() -> None:
    """After a COMPANY stop, the status filters list the stopped runs as STOPPED_EARLY."""
    scene = CompanyWorld()
    store = Store(scene.world, frozen_clock())
    store.stop(scene.acme.id, scene.target.id, StopReason.WIN, StopScope.COMPANY)
    query = ListQuery(status=Status.STOPPED_EARLY, template_id=scene.cold.id, size=100)
    listed = set(ids(store.list_sequences(scene.acme.id, query).items))
    already = {r.id for r in scene.untouched if r.status is Status.STOPPED_EARLY}
    assert listed == set(ids(scene.expected_stopped)) | already


# -- refused writes change nothing ------------------------------------------------------------


REFUSED_WRITES: list[tuple[str, Callable[[Store, CompanyWorld], object], type[MockError]]] = [
    (
        "company stop of a SUCCEEDED run",
        lambda store, scene: store.stop(
            scene.acme.id,
            next(r for r in scene.untouched if r.status is Status.SUCCEEDED).id,
            StopReason.WIN,
            StopScope.COMPANY,
        ),
        InvalidStateTransition,
    ),
    (
        "pause with a past deadline",
        lambda store, scene: store.pause(scene.acme.id, scene.target.id, NOW - DAY),
        PausedUntilNotInFuture,
    ),
    (
        "pause with the current instant",
        lambda store, scene: store.pause(scene.acme.id, scene.target.id, NOW),
        PausedUntilNotInFuture,
    ),
    (
        "pause of a FOUND run",
        lambda store, scene: store.pause(scene.acme.id, scene.found_colleague.id, NOW + DAY),
        InvalidStateTransition,
    ),
    (
        "resume of an ACTIVE run",
        lambda store, scene: store.resume(scene.acme.id, scene.target.id),
        InvalidStateTransition,
    ),
    (
        "stop of an unknown run",
        lambda store, scene: store.stop(scene.acme.id, new_id(), StopReason.WIN, StopScope.COMPANY),
        NotFound,
    ),
    (
        "company stop from another workspace",
        lambda store, scene: store.stop(
            scene.globex.id, scene.target.id, StopReason.WIN, StopScope.COMPANY
        ),
        NotFound,
    ),
]


@pytest.mark.parametrize(
    ("write", "error"),
    [(write, error) for _, write, error in REFUSED_WRITES],
    ids=[name for name, _, _ in REFUSED_WRITES],
)
def test_refused_write_changes_nothing(
    write: Callable[[Store, CompanyWorld], object], error: type[MockError]
) -> None:
    """A refused write raises its error and leaves every sequence exactly as it was."""
    scene = CompanyWorld()
    store = Store(scene.world, frozen_clock())
    before = store.world.sequences
    with pytest.raises(error):
        write(store, scene)
    assert store.world.sequences == before
    assert store.world.sequences == scene.world.sequences
