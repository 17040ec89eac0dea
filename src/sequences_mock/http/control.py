"""The control plane under `/__mock`, routed and validated from `control.openapi.yaml`.

Health, reset, seed, state and clock set the world up; the request journal, coverage and faults
tell tests what their code did and make the API misbehave on demand.

Over 350 lines, and `ControlPlane` over 200, on purpose: it is one thin method per operation of
the control document (35 of them), each a few lines over `state/`; splitting them by topic would
spread the operation table that `_check_operation_ids` keeps equal to the document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sequences_mock import fixtures
from sequences_mock.contract import validation
from sequences_mock.contract.openapi import Operation
from sequences_mock.contract.validation import NO_COERCIONS, Coercions, media_type_of, parse_json
from sequences_mock.core.choices import choice_problems
from sequences_mock.core.errors import (
    FieldProblem,
    InvalidClockChange,
    SeedQueueFull,
    UnsupportedMediaType,
    ValidationFailed,
)
from sequences_mock.core.lifecycle import TaskOutcome
from sequences_mock.core.timestamps import TimestampError, parse_timestamp
from sequences_mock.http.bodies import read_body
from sequences_mock.http.console import CONSOLE_HEADERS, Console
from sequences_mock.http.context import Context
from sequences_mock.http.control_call import Call, Reply
from sequences_mock.http.control_views import (
    choices_view,
    clock_change_view,
    clock_view,
    entry_view,
    events_view,
    fault_view,
    history_view,
    run_view,
    world_summary,
)
from sequences_mock.http.control_worlds import WorldsPlane, install_seed
from sequences_mock.http.namespaces import Namespaces
from sequences_mock.http.network import transport_of
from sequences_mock.http.problems import NO_HEADERS
from sequences_mock.http.views import Body
from sequences_mock.state.enrollments import Enrollment
from sequences_mock.state.faults import Faults, NetworkFault, check_fault
from sequences_mock.state.journal import Journal, JournalQuery
from sequences_mock.state.store import ContactChange

__all__ = ["Call", "ControlPlane"]

Endpoint = Callable[[Request], Awaitable[Response]]
#: The console's page and files are sent with the headers that confine them.
_HEADERS: Mapping[str, Mapping[str, str]] = {
    "getConsole": CONSOLE_HEADERS,
    "getConsoleScript": CONSOLE_HEADERS,
    "getConsoleStyle": CONSOLE_HEADERS,
}


#: Seeds admitted at once: one built, one waiting. Each holds its body (up to 256 MiB), so the
#: rest are refused before theirs is read.
SEEDS_AT_ONCE = 2


class ControlPlane:
    """One method per operation of `control.openapi.yaml`. Refusals are raised as `MockError`s
    and answered by the app's exception handlers; every reply is checked against the document."""

    def __init__(self, context: Context, namespaces: Namespaces) -> None:
        _check_operation_ids(context)
        self.context = context
        self.runtime = context.runtime
        worlds = WorldsPlane(context, namespaces, self._json_body, self.seed_slot)
        #: Seeds being read, built or waiting to be (see `SEEDS_AT_ONCE`).
        self._seeds = 0
        #: Each public operation's declared statuses: what a fault may answer.
        self._declared = {
            operation.operation_id: tuple(operation.responses)
            for operation in context.contract.operations
        }
        self.handlers: dict[str, Callable[[Call], Awaitable[Reply]]] = {
            **worlds.handlers(),
            "getHealth": self.health,
            "resetWorld": self.reset,
            "seedWorld": self.seed,
            "getState": self.state,
            "getClock": self.clock,
            "changeClock": self.change_clock,
            "getChoices": self.choices,
            "changeChoices": self.change_choices,
            "listRequests": self.requests,
            "clearRequests": self.clear_requests,
            "getCoverage": self.coverage,
            "listFaults": self.faults,
            "addFault": self.add_fault,
            "clearFaults": self.clear_faults,
            "enrollContact": self.enroll,
            "completeTask": self.complete_task,
            "getHistory": self.history,
            "listEvents": self.events,
            "failRun": self.fail_run,
            "changeContact": self.change_contact,
            "getControlOpenapiJson": self.openapi_json,
            "getControlOpenapiYaml": self.openapi_yaml,
            **Console(context.runtime).handlers(),
        }

    def routes(self) -> list[Route]:
        """One route per path of the document, carrying all of its methods."""
        control = self.context.control
        unmatched = {op.operation_id for op in control.operations} ^ self.handlers.keys()
        if unmatched:
            raise RuntimeError(f"control operations and handlers differ: {sorted(unmatched)}")
        return [
            Route(path, self._endpoint(operations), methods=list(operations))
            for path, operations in control.by_path.items()
        ]

    def _endpoint(
        self, operations: dict[str, Operation]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            operation = operations["GET" if request.method == "HEAD" else request.method]
            if operation.operation_id != "getHealth" and self.runtime.behind():
                await self.runtime.caught_up()
            query = validation.read_query(
                operation,
                request.query_params.multi_items(),
                _COERCIONS.get(operation.operation_id, NO_COERCIONS),
            )
            handler = self.handlers[operation.operation_id]
            status, reply = await handler(Call(request, operation, query))
            violation = self.context.violation(operation, status, reply.document, NO_HEADERS)
            if violation is not None:
                raise violation
            declared = operation.responses.get(status)
            media_type = declared.media_type if declared else None
            return Response(
                reply.data,
                status,
                headers=_HEADERS.get(operation.operation_id),
                media_type=media_type or "application/json",
            )

        return endpoint

    # -- the world ---------------------------------------------------------------------------

    async def health(self, call: Call) -> Reply:
        return 200, Body.of({"status": "ok"})

    async def reset(self, call: Call) -> Reply:
        self.runtime.reset()
        return 200, Body.of(world_summary(self.runtime))

    async def seed(self, call: Call) -> Reply:
        """The body is parsed and checked whole by `fixtures`, not against the document's outline
        of a fixture: that would walk a document of up to 256 MiB twice. Parsing, checking and
        building run on a worker thread while the old world goes on serving; the new one
        replaces it on the loop, unless a reset or another seed ended the world the seed arrived
        in first (`world_replaced`)."""
        with self.seed_slot():
            return await self._seed(call)

    @contextmanager
    def seed_slot(self) -> Iterator[None]:
        """Hold one of the `SEEDS_AT_ONCE` places of a world being built (a seed, a restore);
        raises `SeedQueueFull` when there is none."""
        if self._seeds >= SEEDS_AT_ONCE:
            raise SeedQueueFull(
                "a seed is being built and another waits: send this one again once they are done"
            )
        self._seeds += 1
        try:
            yield
        finally:
            self._seeds -= 1

    async def _seed(self, call: Call) -> Reply:
        runtime = self.runtime
        generation = runtime.generation
        media_type = media_type_of(call.request.headers.get("content-type"))
        if call.operation.body is None or media_type not in call.operation.body.media_types:
            raise UnsupportedMediaType(
                "send the fixture document as application/json or application/yaml, "
                f"not {media_type or 'without a Content-Type'}"
            )
        data = await read_body(call.request, self.context.settings.max_seed_bytes)
        return await install_seed(
            runtime,
            generation,
            data,
            as_json=media_type == "application/json",
            merge=call.query["mode"] == "merge",
            thread="mock-seed",
        )

    async def state(self, call: Call) -> Reply:
        return 200, Body.of(fixtures.dump(self.runtime.store.world))

    async def clock(self, call: Call) -> Reply:
        return 200, Body.of(clock_view(self.runtime.clock))

    async def change_clock(self, call: Call) -> Reply:
        runtime = self.runtime
        change = await self._json_body(call)
        before = runtime.store.feed.recorded
        runtime.change_clock(**change, catch_up=False)
        store = runtime.store
        await runtime.caught_up()
        after = runtime.store.feed.recorded
        if runtime.store is not store:
            before = after  # the feed is the new world's: this move fired nothing there
        return 200, Body.of(clock_change_view(runtime.clock, before, after))

    async def choices(self, call: Call) -> Reply:
        return 200, Body.of(choices_view(self.runtime.store.choices))

    async def change_choices(self, call: Call) -> Reply:
        """The register names what is allowed before the schema does: its problems say why (a
        verify-only choice) and list every allowed id or option."""
        document = await self._json_body(call, first=_choice_problems)
        return 200, Body.of(choices_view(self.runtime.set_choices(document["choices"])))

    # -- the journal -------------------------------------------------------------------------

    async def requests(self, call: Call) -> Reply:
        journal = self.runtime.journal
        entries = journal.entries(JournalQuery(**call.query))
        return 200, Body.of(
            {
                "requests": [entry_view(entry) for entry in entries],
                "recorded": journal.recorded,
                "dropped": journal.dropped,
                "size": journal.size,
            }
        )

    async def clear_requests(self, call: Call) -> Reply:
        return _cleared(self.runtime.journal)

    async def coverage(self, call: Call) -> Reply:
        return 200, Body.of(self.context.coverage())

    # -- faults ------------------------------------------------------------------------------

    async def faults(self, call: Call) -> Reply:
        return 200, Body.of(
            {"faults": [fault_view(fault) for fault in self.runtime.faults.pending]}
        )

    async def add_fault(self, call: Call) -> Reply:
        # A control call may reach the app without the socket (the plugin's calls run on the
        # server's loop), while the calls the fault waits for come over it.
        on_socket = self.context.on_socket or transport_of(call.request.scope) is not None

        def explain(change: Any) -> list[FieldProblem]:
            # The document states the same rules, but its refusals cannot name the choices.
            if _typed_fault(change):
                check_fault(change, self._declared, on_socket=on_socket)
            return []

        change = await self._json_body(call, first=explain)
        check_fault(change, self._declared, on_socket=on_socket)
        return 201, Body.of(fault_view(self.runtime.faults.add(**change)))

    async def clear_faults(self, call: Call) -> Reply:
        return _cleared(self.runtime.faults)

    # -- the lifecycle -----------------------------------------------------------------------

    async def fail_run(self, call: Call) -> Reply:
        store = self.runtime.store
        return 200, Body.of(run_view(store, store.fail(call.request.path_params["sequence_id"])))

    async def change_contact(self, call: Call) -> Reply:
        change: ContactChange = (await self._json_body(call))["change"]
        store = self.runtime.store
        contact_id = call.request.path_params["contact_id"].lower()
        runs = store.change_contact(contact_id, change)
        return 200, Body.of(
            {
                "contact_id": contact_id,
                "change": change.value,
                "runs": [run_view(store, run) for run in runs],
            }
        )

    async def events(self, call: Call) -> Reply:
        items, feed = self.runtime.store.events(call.query["since"], call.query["limit"])
        return 200, Body.of(events_view(items, feed))

    async def enroll(self, call: Call) -> Reply:
        request = Enrollment(**await self._json_body(call))
        store = self.runtime.store
        return 201, Body.of(run_view(store, store.enroll(request)))

    async def complete_task(self, call: Call) -> Reply:
        outcome = (await self._json_body(call))["outcome"]
        store = self.runtime.store
        sequence = store.complete_task(call.request.path_params["sequence_id"], outcome)
        return 200, Body.of(run_view(store, sequence))

    async def history(self, call: Call) -> Reply:
        sequence_id = call.request.path_params["sequence_id"].lower()
        records, dropped = self.runtime.store.history(sequence_id)
        return 200, Body.of(history_view(sequence_id, records, dropped))

    # -- this document -----------------------------------------------------------------------

    async def openapi_json(self, call: Call) -> Reply:
        control = self.context.control
        return 200, Body(control.document, control.json_bytes)

    async def openapi_yaml(self, call: Call) -> Reply:
        control = self.context.control
        return 200, Body(control.document, control.yaml_bytes)

    async def _json_body(
        self, call: Call, first: Callable[[Any], list[FieldProblem]] | None = None
    ) -> Any:
        """The body as JSON checked against the operation's schema (400, 413, 415, 422), after
        `first` (problems of its own, if any).

        `application/json` only: a browser page of any origin may send a form or text body
        without asking first."""
        generation = self.runtime.generation
        media_type = media_type_of(call.request.headers.get("content-type"))
        if media_type != "application/json":
            raise UnsupportedMediaType(
                f"send this body as application/json, not {media_type or 'without a Content-Type'}"
            )
        document = parse_json(await read_body(call.request, self.context.settings.max_body_bytes))
        problems = first(document) if first is not None else []
        if problems:
            raise ValidationFailed(problems)
        coercions = _COERCIONS.get(call.operation.operation_id, NO_COERCIONS)
        document = validation.check_body(call.operation, document, coercions)
        # A change is applied to the world it arrived in, or not at all.
        self.runtime.check_current(generation)
        return document


def _choice_problems(document: Any) -> list[FieldProblem]:
    options = document.get("choices") if isinstance(document, dict) else None
    return choice_problems(options) if isinstance(options, dict) else []


def _cleared(items: Journal | Faults) -> Reply:
    """Empty the journal or the faults, answering how many entries there were."""
    cleared = len(items)
    items.clear()
    return 200, Body.of({"cleared": cleared})


def _check_operation_ids(context: Context) -> None:
    """The journal's `operation` filter lists the public operationIds: a document cannot take
    an enum from another, so the control document repeats them, and this keeps them equal."""
    listed = context.control.document["components"]["schemas"]["OperationId"]["enum"]
    public = [operation.operation_id for operation in context.contract.operations]
    if listed != public:
        raise RuntimeError(f"control.openapi.yaml lists operations {listed}, not {public}")


def _typed_fault(change: Any) -> bool:
    """Whether the fields of a fault request that `check_fault` reads are all there with their
    types and values (else the schema's check alone answers)."""
    if not isinstance(change, dict) or not isinstance(change.get("operation"), str):
        return False
    kinds = {"status": int, "delay_ms": int | float, "network": str}
    if any(
        name in change and (not isinstance(change[name], kind) or isinstance(change[name], bool))
        for name, kind in kinds.items()
    ):
        return False
    return "network" not in change or change["network"] in _NETWORK_FAULTS


_NETWORK_FAULTS = frozenset(fault.value for fault in NetworkFault)


def _clock_instant(text: str) -> Any:
    """A clock change's `now`: one Python cannot hold is refused as a clock change."""
    try:
        return parse_timestamp(text)
    except TimestampError as error:
        raise InvalidClockChange(str(error)) from None


#: The inputs each control operation reads as domain values, coerced once they are valid.
_COERCIONS: dict[str, Coercions] = {
    "changeClock": {"now": _clock_instant},
    "listRequests": {"method": str.upper},
    "addFault": {"network": NetworkFault},
    "completeTask": {"outcome": TaskOutcome},
    "changeContact": {"change": ContactChange},
}
