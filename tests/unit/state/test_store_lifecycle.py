"""The lifecycle inside the `Store`: the clock runs steps, enrollment, tasks, histories."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

import builders
from builders import DAY, HOUR, LINKEDIN_THEN_CALL, MINUTE, NOW, uid
from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import (
    Contact,
    EmailStatus,
    RefusalReason,
    Sequence,
    Status,
    Step,
    StepType,
    StopReason,
    StopScope,
    Template,
    Workspace,
)
from sequences_mock.core.errors import (
    DuplicateId,
    InvalidStateTransition,
    MockError,
    NotFound,
    ValidationFailed,
)
from sequences_mock.core.lifecycle import TaskOutcome
from sequences_mock.core.world import ClockSetting, LifecycleSetting, World
from sequences_mock.state.enrollments import Enrollment
from sequences_mock.state.queries import ListQuery
from sequences_mock.state.runs import BULK_CHANGES
from sequences_mock.state.store import Store

WORKSPACE = Workspace("a0000000-0000-4000-8000-000000000001", "Acme")
CADENCE = LINKEDIN_THEN_CALL


def template(n: int = 1, steps: tuple[Step, ...] = CADENCE) -> Template:
    return Template(uid(n, "b"), WORKSPACE.id, f"Template {n}", {}, steps)


def contact(n: int = 1, **changes: Any) -> Contact:
    return builders.contact(id=uid(n, "c"), workspace_id=WORKSPACE.id, **changes)


def run(
    n: int, of: Template, to: Contact | None, status: Status = Status.ACTIVE, **changes: Any
) -> Sequence:
    return builders.sequence(
        status,
        id=uid(n, "d"),
        workspace_id=WORKSPACE.id,
        contact_id=to.id if to else None,
        template_id=of.id,
        **changes,
    )


def store_of(
    sequences: list[Sequence],
    templates: list[Template],
    contacts: list[Contact],
    *,
    delay: timedelta = 5 * MINUTE,
    current_request: Callable[[], int | None] = lambda: None,
) -> Store:
    world = World(
        clock=ClockSetting(NOW, True),
        lifecycle=LifecycleSetting(delay),
        workspaces={WORKSPACE.id: WORKSPACE},
        contacts={c.id: c for c in contacts},
        templates={t.id: t for t in templates},
        sequences={s.id: s for s in sequences},
    )
    return Store(world, builders.frozen_clock(), current_request=current_request)


def events(store: Store, sequence_id: str) -> list[tuple[str, str]]:
    records, _ = store.history(sequence_id)
    return [(record.event.kind.value, record.cause.value) for record in records]


def test_a_seeded_active_run_is_scheduled_from_now_and_runs_its_steps_as_the_clock_moves() -> None:
    cadence, ada = template(), contact()
    store = store_of([run(1, cadence, ada)], [cadence], [ada])
    # Created a day ago and seeded without progress: step 0 (no wait) is due now, and runs.
    seeded = store.get_sequence(WORKSPACE.id, uid(1, "d"))
    assert (seeded.next_step, seeded.last_step_executed_at) == (1, NOW)
    assert seeded.next_step_at == NOW + 2 * DAY

    store.clock.advance((3 * DAY).total_seconds())
    waiting = store.get_sequence(WORKSPACE.id, uid(1, "d"))
    assert waiting.status is Status.WAITING_FOR_USER  # email at NOW, linkedin at +2d, call at +3d
    assert waiting.last_step_executed_at == NOW + 2 * DAY
    assert waiting.updated_at == NOW + 3 * DAY
    assert events(store, waiting.id) == [
        ("step_ran", "clock"),
        ("step_ran", "clock"),
        ("task_pending", "clock"),
    ]


def test_lists_see_the_clock_s_changes_at_once() -> None:
    cadence, ada = template(), contact()
    store = store_of([run(1, cadence, ada)], [cadence], [ada])
    active = ListQuery(status=Status.ACTIVE)
    assert store.list_sequences(WORKSPACE.id, active).total == 1
    store.clock.advance((3 * DAY).total_seconds())
    assert store.list_sequences(WORKSPACE.id, active).total == 0
    waiting = store.list_sequences(WORKSPACE.id, ListQuery(status=Status.WAITING_FOR_USER))
    assert [s.id for s in waiting.items] == [uid(1, "d")]


def test_completing_the_task_runs_the_last_step_and_the_run_succeeds() -> None:
    cadence, ada = template(), contact()
    store = store_of([run(1, cadence, ada)], [cadence], [ada])
    store.clock.advance((3 * DAY).total_seconds())
    active = store.complete_task(uid(1, "d"), TaskOutcome.DONE)
    assert (active.status, active.next_step_at) == (Status.ACTIVE, NOW + 4 * DAY)
    store.clock.advance(DAY.total_seconds())
    done = store.get_sequence(WORKSPACE.id, uid(1, "d"))
    assert (done.status, done.last_step_executed_at) == (Status.SUCCEEDED, NOW + 4 * DAY)
    assert events(store, done.id)[-3:] == [
        ("task_done", "control"),
        ("step_ran", "clock"),
        ("succeeded", "clock"),
    ]


def test_a_task_on_a_run_not_waiting_is_a_conflict_and_an_unknown_run_is_not_found() -> None:
    cadence, ada = template(), contact()
    store = store_of([run(1, cadence, ada)], [cadence], [ada])
    with pytest.raises(InvalidStateTransition):
        store.complete_task(uid(1, "d"), TaskOutcome.DONE)
    with pytest.raises(NotFound):
        store.complete_task(uid(9, "d"), TaskOutcome.DONE)
    with pytest.raises(NotFound):
        store.history(uid(9, "d"))


def test_a_bounced_contact_fails_its_run_at_the_email_step() -> None:
    cadence, bounced = template(), contact(email_status=EmailStatus.BOUNCED)
    store = store_of([run(1, cadence, bounced)], [cadence], [bounced])
    store.clock.advance(60)
    failed = store.get_sequence(WORKSPACE.id, uid(1, "d"))
    assert (failed.status, failed.updated_at) == (Status.FAILED, NOW)
    assert events(store, failed.id) == [("failed", "clock")]


def test_api_writes_are_in_the_history_with_their_request() -> None:
    cadence, ada = template(), contact()
    requests = iter(range(4, 8))
    current: list[int] = []
    store = store_of(
        [run(1, cadence, ada, next_step_at=NOW + DAY)],
        [cadence],
        [ada],
        current_request=lambda: current[-1],
    )
    calls = [
        lambda: store.pause(WORKSPACE.id, uid(1, "d"), NOW + 2 * DAY),
        lambda: store.update_variables(WORKSPACE.id, uid(1, "d"), {"cta": "Coffee?"}),
        lambda: store.resume(WORKSPACE.id, uid(1, "d")),
        lambda: store.stop(WORKSPACE.id, uid(1, "d"), StopReason.WIN, StopScope.CONTACT),
    ]
    for call in calls:
        current.append(next(requests))
        call()
    records, dropped = store.history(uid(1, "d"))
    assert [(r.event.kind.value, r.cause.value, r.request_seq) for r in records] == [
        ("paused", "api", 4),
        ("variables_updated", "api", 5),
        ("resumed", "api", 6),
        ("stopped", "api", 7),
    ]
    assert [(r.event.before, r.event.after) for r in records][-1] == (
        Status.ACTIVE,
        Status.STOPPED_EARLY,
    )
    assert dropped == 0
    store.clock.advance((30 * DAY).total_seconds())
    assert store.get_sequence(WORKSPACE.id, uid(1, "d")).status is Status.STOPPED_EARLY


def test_enrollment_makes_a_found_run_that_activates_after_the_delay() -> None:
    cadence, ada = template(), contact()
    store = store_of([], [cadence], [ada], delay=10 * MINUTE)
    enrolled = store.enroll(Enrollment(cadence.id, ada.id, variables={"cta": "Hi"}))
    assert (enrolled.status, enrolled.created_at, enrolled.next_step_at) == (
        Status.FOUND,
        NOW,
        NOW + 10 * MINUTE,
    )
    store.clock.advance((10 * MINUTE).total_seconds())
    active = store.get_sequence(WORKSPACE.id, enrolled.id)
    assert (active.status, active.last_step_executed_at) == (Status.ACTIVE, NOW + 10 * MINUTE)
    assert events(store, enrolled.id) == [
        ("enrolled", "control"),
        ("activated", "clock"),
        ("step_ran", "clock"),
    ]


def test_enrollment_ids_repeat_after_a_fresh_store() -> None:
    cadence, ada, bob = template(), contact(1), contact(2)
    first = store_of([], [cadence], [ada, bob])
    second = store_of([], [cadence], [ada, bob])
    made = [first.enroll(Enrollment(cadence.id, c.id)).id for c in (ada, bob)]
    assert made == [second.enroll(Enrollment(cadence.id, c.id)).id for c in (ada, bob)]
    assert len(set(made)) == 2


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"unsubscribed": True}, RefusalReason.UNSUBSCRIBED),
        ({"email_status": EmailStatus.BOUNCED}, RefusalReason.EMAIL_BOUNCED),
    ],
)
def test_enrollment_of_an_unreachable_contact_is_refused(
    changes: dict[str, Any], reason: RefusalReason
) -> None:
    cadence, gone = template(), contact(**changes)
    store = store_of([], [cadence], [gone])
    refused = store.enroll(Enrollment(cadence.id, gone.id))
    assert (refused.status, refused.refusal_reason, refused.next_step_at) == (
        Status.REFUSED,
        reason,
        None,
    )
    assert events(store, refused.id) == [("refused", "control")]


def test_a_second_enrollment_while_the_first_runs_is_refused_but_not_after_it_ended() -> None:
    cadence, ada = template(), contact()
    store = store_of([], [cadence], [ada])
    first = store.enroll(Enrollment(cadence.id, ada.id))
    second = store.enroll(Enrollment(cadence.id, ada.id))
    assert second.refusal_reason is RefusalReason.ALREADY_ENROLLED
    store.stop(WORKSPACE.id, first.id, StopReason.LOSE, StopScope.CONTACT)
    assert store.enroll(Enrollment(cadence.id, ada.id)).status is Status.FOUND


def test_an_unfinished_run_refuses_an_enrollment_whichever_write_ends_it() -> None:
    """Seeded, moved on by the clock, ended by a task or a failure: `already_enrolled` follows."""
    cadence, ada, bob = template(), contact(1), contact(2)
    store = store_of([run(1, cadence, ada), run(2, cadence, bob)], [cadence], [ada, bob])
    refused = RefusalReason.ALREADY_ENROLLED
    assert store.enroll(Enrollment(cadence.id, ada.id)).refusal_reason is refused
    store.fail(uid(2, "d"))
    assert store.enroll(Enrollment(cadence.id, bob.id)).status is Status.FOUND
    store.clock.advance((3 * DAY).total_seconds())  # ada's run waits on its call step
    assert store.run(uid(1, "d")).status is Status.WAITING_FOR_USER
    assert store.enroll(Enrollment(cadence.id, ada.id)).refusal_reason is refused
    store.complete_task(uid(1, "d"), TaskOutcome.DONE)
    store.clock.advance(DAY.total_seconds())  # and its last step ran
    assert store.run(uid(1, "d")).status is Status.SUCCEEDED
    assert store.enroll(Enrollment(cadence.id, ada.id)).status is Status.FOUND


def test_enrollment_checks_every_reference_and_refuses_a_taken_id() -> None:
    cadence, ada = template(), contact()
    elsewhere = replace(contact(2), workspace_id=uid(2, "a"))
    store = store_of([run(1, cadence, ada)], [cadence], [ada, elsewhere])
    with pytest.raises(ValidationFailed) as refused:
        store.enroll(Enrollment(uid(9, "b"), uid(9, "c"), contact_list_id=uid(9, "e")))
    assert [p.name for p in refused.value.problems] == [
        "template_id",
        "contact_id",
        "contact_list_id",
    ]
    with pytest.raises(ValidationFailed, match="another workspace"):
        store.enroll(Enrollment(cadence.id, elsewhere.id))
    with pytest.raises(DuplicateId):
        store.enroll(Enrollment(cadence.id, ada.id, id=uid(1, "d")))
    assert store.counts()["sequences"] == 1


def test_a_big_clock_move_drops_the_sorted_indexes_and_lists_are_right_after_it() -> None:
    """More runs change than BULK_CHANGES: the kept indexes are rebuilt, not moved one by one."""
    cadence, ada = template(), contact()
    count = BULK_CHANGES + 100
    runs = [run(n, cadence, ada, next_step_at=NOW + n * MINUTE) for n in range(1, count + 1)]
    store = store_of(runs, [cadence], [ada])
    query = ListQuery(sort_by="updated_at", order="desc", size=100)
    assert store.list_sequences(WORKSPACE.id, query).total == count
    store.clock.advance((count * MINUTE + HOUR).total_seconds())
    page = store.list_sequences(WORKSPACE.id, query)
    assert [s.id for s in page.items] == [uid(n, "d") for n in range(count, count - 100, -1)]
    assert all(s.last_step_executed_at == s.updated_at for s in page.items)
    assert store.list_sequences(WORKSPACE.id, ListQuery(status=Status.ACTIVE)).total == count


# -- one big clock move or many small ones, with API calls between ------------------------------


def random_world(rng: random.Random) -> tuple[list[Sequence], list[Template], list[Contact]]:
    kinds = list(StepType)
    templates = [
        template(
            n,
            tuple(
                Step(rng.choice(kinds), timedelta(minutes=rng.randrange(0, 3000)))
                for _ in range(rng.randrange(0, 5))
            ),
        )
        for n in range(1, 4)
    ]
    contacts = [
        contact(
            n,
            email_status=rng.choice(list(EmailStatus)),
            linkedin_url=rng.choice([None, "https://www.linkedin.com/in/x"]),
            phone=rng.choice([None, "+1 555 0100"]),
        )
        for n in range(1, 6)
    ]
    statuses = [Status.ACTIVE, Status.FOUND, Status.WAITING_FOR_LEAD]
    sequences = []
    for n in range(1, 13):
        status = rng.choice(statuses)
        extra: dict[str, Any] = {}
        if status is Status.WAITING_FOR_LEAD:
            extra["paused_until"] = NOW + timedelta(minutes=rng.randrange(1, 5000))
        target = rng.choice([*contacts, None])
        sequences.append(run(n, rng.choice(templates), target, status, **extra))
    return sequences, templates, contacts


def state_of(store: Store) -> tuple[dict[str, Sequence], dict[str, list[Any]]]:
    world = store.world
    histories = {sid: store.history(sid)[0] for sid in world.sequences}
    return dict(world.sequences), histories


def apply(store: Store, action: tuple[str, str, Any]) -> None:
    name, sequence_id, argument = action
    try:
        if name == "pause":
            store.pause(WORKSPACE.id, sequence_id, store.clock.now() + argument)
        elif name == "resume":
            store.resume(WORKSPACE.id, sequence_id)
        elif name == "stop":
            store.stop(WORKSPACE.id, sequence_id, StopReason.WIN, argument)
        elif name == "task":
            store.complete_task(sequence_id, argument)
        elif name == "variables":
            store.update_variables(WORKSPACE.id, sequence_id, {"cta": argument})
    except MockError:
        pass  # a refused call changes nothing, whichever way the clock moved


@pytest.mark.parametrize("seed", range(25))
def test_one_big_jump_and_many_small_ones_reach_identical_states(seed: int) -> None:
    """Random worlds, random API calls between clock moves: the same runs, the same histories."""
    rng = random.Random(seed)
    sequences, templates, contacts = random_world(rng)
    big = store_of(sequences, templates, contacts)
    small = store_of(sequences, templates, contacts)
    for _ in range(6):
        span = timedelta(minutes=rng.randrange(1, 6000))
        big.clock.advance(span.total_seconds())
        moved = timedelta(0)
        while moved < span:
            step = min(span - moved, timedelta(minutes=rng.randrange(1, 700)))
            small.clock.advance(step.total_seconds())
            small.catch_up()
            moved += step
        target = rng.choice(sequences).id
        action = rng.choice(
            [
                ("pause", target, timedelta(minutes=rng.randrange(1, 3000))),
                ("resume", target, None),
                ("stop", target, rng.choice(list(StopScope))),
                ("task", target, rng.choice(list(TaskOutcome))),
                ("variables", target, f"v{rng.randrange(100)}"),
            ]
        )
        apply(big, action)
        apply(small, action)
    assert state_of(big) == state_of(small)


def test_on_a_ticking_clock_a_write_and_its_history_event_share_their_instant() -> None:
    """The write and its event once read the clock one after the other: the history then said
    the run was paused a few microseconds after its `updated_at`, and events went back."""
    cadence, ada = template(), contact()
    store = store_of([run(1, cadence, ada, next_step_at=NOW + DAY)], [cadence], [ada])
    ticks = iter(range(1, 1000))
    store.clock = Clock(NOW, monotonic=lambda: next(ticks) / 1_000_000)

    paused = store.pause(WORKSPACE.id, uid(1, "d"), NOW + 2 * DAY)
    resumed = store.resume(WORKSPACE.id, uid(1, "d"))
    records, _ = store.history(uid(1, "d"))

    assert [record.event.at for record in records] == [paused.updated_at, resumed.updated_at]
