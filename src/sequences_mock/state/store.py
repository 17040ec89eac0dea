"""The state of one mock: its world, the time rules, and the reads and writes of the API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from sequences_mock.core import lifecycle
from sequences_mock.core.choices import Choices
from sequences_mock.core.clock import Clock
from sequences_mock.core.domain import (
    ApiKey,
    EmailStatus,
    Sequence,
    Status,
    StopReason,
    StopScope,
    Template,
)
from sequences_mock.core.errors import NotFound
from sequences_mock.core.events import Event, EventKind, make_event
from sequences_mock.core.lifecycle import TaskOutcome
from sequences_mock.core.world import ClockSetting, World
from sequences_mock.state.enrollments import Enrollment, enrolled_run
from sequences_mock.state.feed import Feed, FeedItem
from sequences_mock.state.history import Cause, History, Record
from sequences_mock.state.list_indexes import DEFAULT_INDEX_BUDGET, IndexBudget
from sequences_mock.state.queries import ListQuery, Page
from sequences_mock.state.runs import Runs, RunStats

__all__ = ["ContactChange", "Store"]


class ContactChange(StrEnum):
    """What the control plane may do to a contact (each is also its runs' history event)."""

    EMAIL_BOUNCED = "email_bounced"
    UNSUBSCRIBED = "unsubscribed"
    DELETED = "contact_deleted"


class Store:
    """The mutable state behind one mock server.

    Every public method first applies the time rules up to the clock's now (paused runs resume
    at their deadline, runs activate and execute their steps), so reads and filters never see a
    stale status. Writes compute every changed sequence before storing any of them: a refused
    request changes nothing. API writes are attributed in the runs' histories to the journal
    entry `current_request` names.

    Over 200 lines on purpose: it is the one door the HTTP layer uses to the state, a method per
    operation each a few lines over `Runs` and `core.lifecycle`.
    """

    def __init__(
        self,
        world: World,
        clock: Clock,
        *,
        index_budget: IndexBudget = DEFAULT_INDEX_BUDGET,
        current_request: Callable[[], int | None] = lambda: None,
        now: datetime | None = None,
        history: History | None = None,
    ) -> None:
        """`now`: the instant the world is scheduled at (default: the clock's now); a store built
        away from the event loop is given one rather than reading a clock the loop moves.
        `history`: the runs' history to go on with (a merge's), rather than a new one."""
        self.clock = clock
        self._world = world
        #: The world's current choices: the fixture's, until the control plane changes them.
        self.choices: Choices = world.choices
        self._runs = runs = Runs(world, index_budget=index_budget, history=history)
        #: The journal entry the API call being handled will get, for the runs' histories.
        self._current_request = current_request
        now = clock.now() if now is None else now
        delay = world.lifecycle.activation_delay
        runs.seed(
            lifecycle.schedule(sequence, runs.steps_of(sequence), now, delay)
            for sequence in world.sequences.values()
        )

    def built_from(self, world: World) -> bool:
        """This store is still what building one from `world` gives, at the instant it was built
        at: no run written since (by a call or by the clock), no id drawn, no contact changed,
        no choice switched."""
        return self._world is world and self.choices is world.choices and self._runs.unchanged()

    # -- reads ---------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        """The current state as an immutable `World` (what `/__mock/state` dumps)."""
        self.catch_up()
        world = self._world
        return World(
            clock=ClockSetting(self.clock.now(), self.clock.frozen),
            lifecycle=world.lifecycle,
            choices=self.choices,
            workspaces=world.workspaces,
            api_keys=world.api_keys,
            companies=world.companies,
            contacts=world.contacts,
            templates=world.templates,
            contact_lists=world.contact_lists,
            sequences=dict(self._runs.table.by_id),
        )

    def counts(self) -> dict[str, int]:
        """How many items each collection holds, without copying any of them."""
        world = self._world
        return {
            "workspaces": len(world.workspaces),
            "api_keys": len(world.api_keys),
            "companies": len(world.companies),
            "contacts": len(world.contacts),
            "templates": len(world.templates),
            "contact_lists": len(world.contact_lists),
            "sequences": len(self._runs),
        }

    def stats(self) -> RunStats:
        """What the runs hold beside themselves (histories, schedule, sorted indexes)."""
        return self._runs.stats()

    @property
    def setup(self) -> World:
        """The world's workspaces, keys, templates and the rest, without copying its runs: the
        runs it holds are the seeded ones (read the current ones from the other methods)."""
        return self._world

    def api_key(self, key: str) -> ApiKey | None:
        return self._world.api_keys.get(key)

    def template(self, template_id: str) -> Template | None:
        return self._world.templates.get(template_id)

    def templates(self) -> Mapping[str, Template]:
        """Every template by id (the same mapping for as long as this store lives)."""
        return self._world.templates

    def get_sequence(self, workspace_id: str, sequence_id: str) -> Sequence:
        self.catch_up()
        return self._runs.visible(workspace_id, sequence_id)

    def run(self, sequence_id: str) -> Sequence:
        """A run of any workspace (the control plane's view)."""
        self.catch_up()
        return self._runs.any(sequence_id)

    def run_counts(self) -> dict[str, dict[Status, int]]:
        """By workspace, how many of its runs have each status held by any, now."""
        self.catch_up()
        return self._runs.table.counts()

    def list_sequences(self, workspace_id: str, query: ListQuery) -> Page:
        self.catch_up()
        return self._runs.page(workspace_id, query)

    def history(self, sequence_id: str) -> tuple[list[Record], int]:
        """A run's history, oldest first, and how many older events it dropped (any workspace)."""
        self.catch_up()
        return self._runs.history(self._runs.any(sequence_id).id)

    @property
    def feed(self) -> Feed:
        """Every run's events in one ring (read `recorded` around a change to see what it did)."""
        return self._runs.feed

    def events(self, since: int, limit: int) -> tuple[list[FeedItem], Feed]:
        """At most `limit` events of every run after `since`, oldest first, and the feed."""
        self.catch_up()
        feed = self._runs.feed
        return feed.since(since, limit), feed

    # -- the API's writes ----------------------------------------------------------------------

    def update_variables(
        self, workspace_id: str, sequence_id: str, changes: Mapping[str, str | None]
    ) -> Sequence:
        now = self._caught_up()
        before = self._runs.visible(workspace_id, sequence_id)
        return self._apply(
            EventKind.VARIABLES_UPDATED,
            before,
            lifecycle.update_variables(before, changes, now, self.choices),
            now,
        )

    def pause(self, workspace_id: str, sequence_id: str, until: datetime) -> Sequence:
        now = self._caught_up()
        before = self._runs.visible(workspace_id, sequence_id)
        after = lifecycle.pause(before, until, now, self.choices)
        return self._apply(EventKind.PAUSED, before, after, now)

    def resume(self, workspace_id: str, sequence_id: str) -> Sequence:
        now = self._caught_up()
        before = self._runs.visible(workspace_id, sequence_id)
        resumed = self._apply(
            EventKind.RESUMED, before, lifecycle.resume(before, now, self.choices), now
        )
        # A step overdue while the run was paused runs as part of the resume, not after its
        # answer: the answer is what a read at the same instant shows, and the call caused it.
        self._runs.catch_up(
            now, cause=Cause.API, request_seq=self._current_request(), choices=self.choices
        )
        return self._runs.any(resumed.id)

    def stop(
        self, workspace_id: str, sequence_id: str, reason: StopReason, scope: StopScope
    ) -> Sequence:
        now = self._caught_up()
        target = self._runs.visible(workspace_id, sequence_id)
        stopped = lifecycle.stop(target, reason, now)
        colleagues = (
            self._runs.table.company_colleagues(
                target, self._world.contacts, lifecycle.company_stop_reach(self.choices)
            )
            if scope is StopScope.COMPANY
            else []
        )
        # Every stop is computed before any is stored: a refused one changes nothing.
        others = [(other, lifecycle.stop(other, reason, now)) for other in colleagues]
        self._apply(EventKind.STOPPED, target, stopped, now)
        for before, after in others:
            self._apply(EventKind.STOPPED, before, after, now)
        return stopped

    # -- the control plane's writes ------------------------------------------------------------

    def enroll(self, request: Enrollment) -> Sequence:
        """A new run: FOUND and due to activate, or REFUSED (see `lifecycle.refusal_for`)."""
        now = self._caught_up()
        sequence_id = request.id or self._runs.new_id()
        sequence, event = enrolled_run(request, sequence_id, self._world, self._runs.table, now)
        return self._runs.write(sequence, [event], Cause.CONTROL)

    def complete_task(self, sequence_id: str, outcome: TaskOutcome) -> Sequence:
        """A person completed or skipped the manual step a WAITING_FOR_USER run waits on."""
        now = self._caught_up()
        sequence = self._runs.any(sequence_id)
        steps = self._runs.steps_of(sequence)
        done, events = lifecycle.complete_task(sequence, steps, outcome, now)
        return self._runs.write(done, events, Cause.CONTROL)

    def fail(self, sequence_id: str) -> Sequence:
        """End an unfinished run as FAILED now (the docs' internal error)."""
        now = self._caught_up()
        before = self._runs.any(sequence_id)
        failed = lifecycle.fail(before, now)
        event = Event(now, EventKind.FAILED, before.status, failed.status)
        return self._runs.write(failed, [event], Cause.CONTROL)

    def change_contact(self, contact_id: str, change: ContactChange) -> list[Sequence]:
        """Bounce a contact's email, unsubscribe it, or delete it; its runs, each with the change
        in its history (cause `control`). A deleted contact's runs show `contact_id: null`; the
        others are unchanged, but a due email step of a bounced or missing contact fails the
        run (of an unsubscribed one too, under `unsubscribed_runs: fail`), and a new
        enrollment of a bounced or unsubscribed one is refused."""
        now = self._caught_up()
        contacts = self._world.contacts
        contact = contacts.get(contact_id.lower())
        if contact is None:
            raise NotFound(f"no contact {contact_id}")
        remaining = dict(contacts)
        runs = [run for run in self._runs.table.by_id.values() if run.contact_id == contact.id]
        if change is ContactChange.DELETED:
            del remaining[contact.id]
            runs = [lifecycle.without_contact(run, now) for run in runs]
        elif change is ContactChange.EMAIL_BOUNCED:
            remaining[contact.id] = replace(contact, email_status=EmailStatus.BOUNCED)
        else:
            remaining[contact.id] = replace(contact, unsubscribed=True)
        self._world = replace(self._world, contacts=remaining)
        self._runs.use_contacts(remaining)
        kind = EventKind(change.value)
        return [
            self._runs.write(run, [Event(now, kind, run.status, run.status)], Cause.CONTROL)
            for run in runs
        ]

    def has_due(self) -> bool:
        """Some clock event is due by the clock's now."""
        return self._runs.has_due(self.clock.now())

    def catch_up(self, until: float | None = None) -> bool:
        """Apply every clock event due by the clock's now: pause deadlines, activations, steps;
        with `until` (a `perf_counter` instant), some of them. True once none is left."""
        return self._runs.catch_up(self.clock.now(), until, choices=self.choices)

    def _caught_up(self) -> datetime:
        """The clock's now, read once, with every clock event due by it applied: a write is
        made at the instant the runs were brought up to."""
        now = self.clock.now()
        self._runs.catch_up(now, choices=self.choices)
        return now

    def _apply(self, kind: EventKind, before: Sequence, after: Sequence, now: datetime) -> Sequence:
        """Store an API write made at `now`, in the run's history at that same instant (read
        twice, a ticking clock put the event after the run's `updated_at`), with the journal
        entry of its call; a write that changed nothing (as some choices make one) leaves no
        trace."""
        if after is before:
            return before
        event = make_event((now, kind, before.status, after.status, None))  # one per API write
        return self._runs.write(after, [event], Cause.API, self._current_request())

    def __repr__(self) -> str:
        return f"Store(sequences={len(self._runs)}, clock={self.clock!r})"
