"""The control plane under `/__mock`, routed and validated from `control.openapi.yaml`.

Health, reset, seed, state and clock set the world up; the request journal, coverage and faults
tell tests what their code did and make the API misbehave on demand.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sequences_mock.contract import validation
from sequences_mock.contract.openapi import Contract, Operation
from sequences_mock.contract.validation import media_type_of, parse_json
from sequences_mock.core.errors import (
    FieldProblem,
    InvalidClockChange,
    UnsupportedMediaType,
    ValidationFailed,
)
from sequences_mock.core.lifecycle import TaskOutcome
from sequences_mock.core.timestamps import TimestampError, parse_timestamp
from sequences_mock.http.bodies import read_body
from sequences_mock.http.context import Context
from sequences_mock.http.control_views import (
    clock_change_view,
    clock_view,
    coverage_view,
    entry_view,
    events_view,
    fault_view,
    history_view,
    run_view,
    world_summary,
)
from sequences_mock.http.network import NEEDS_SOCKET, transport_of
from sequences_mock.http.problems import NO_HEADERS
from sequences_mock.http.threads import in_daemon_thread
from sequences_mock.http.views import Body
from sequences_mock.state import fixtures
from sequences_mock.state.enrollments import Enrollment
from sequences_mock.state.faults import ANY_OPERATION, NO_ANSWER, Faults
from sequences_mock.state.journal import Journal, JournalQuery
from sequences_mock.state.runtime import Runtime
from sequences_mock.state.store import ContactChange

__all__ = ["Call", "ControlPlane"]

Reply = tuple[int, Body]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Call:
    """One control-plane request: its operation, and its query already checked against it."""

    request: Request
    operation: Operation
    query: dict[str, Any]


class ControlPlane:
    """One method per operation of `control.openapi.yaml`. Refusals are raised as `MockError`s
    and answered by the app's exception handlers; every reply is checked against the document."""

    def __init__(self, context: Context) -> None:
        _check_operation_ids(context)
        self.context = context
        self.runtime = context.runtime
        self.handlers: dict[str, Callable[[Call], Awaitable[Reply]]] = {
            "getHealth": self.health,
            "resetWorld": self.reset,
            "seedWorld": self.seed,
            "getState": self.state,
            "getClock": self.clock,
            "changeClock": self.change_clock,
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
            query = validation.read_query(operation, request.query_params.multi_items())
            handler = self.handlers[operation.operation_id]
            status, reply = await handler(Call(request, operation, query))
            violation = self.context.violation(operation, status, reply.document, NO_HEADERS)
            if violation is not None:
                raise violation
            declared = operation.responses.get(status)
            media_type = declared.media_type if declared else None
            return Response(reply.data, status, media_type=media_type or "application/json")

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
        runtime = self.runtime
        generation = runtime.generation
        media_type = media_type_of(call.request.headers.get("content-type"))
        if call.operation.body is None or media_type not in call.operation.body.media_types:
            raise UnsupportedMediaType(
                "send the fixture document as application/json or application/yaml, "
                f"not {media_type or 'without a Content-Type'}"
            )
        data = await read_body(call.request, self.context.settings.max_seed_bytes)
        as_json = media_type == "application/json"
        runtime.check_current(generation)
        basis = runtime.seed_basis(merge=call.query["mode"] == "merge")

        def document() -> Any:
            return fixtures.parse_seed(data, as_json=as_json)

        prepared = await in_daemon_thread(
            lambda: runtime.prepare(basis, document, strict_json=as_json), name="mock-seed"
        )
        runtime.install(prepared)
        return 200, Body.of(world_summary(runtime))

    async def state(self, call: Call) -> Reply:
        return 200, Body.of(fixtures.dump(self.runtime.store.world))

    async def clock(self, call: Call) -> Reply:
        return 200, Body.of(clock_view(self.runtime.clock))

    async def change_clock(self, call: Call) -> Reply:
        change = await self._json_body(call)
        feed = self.runtime.store.runs.feed
        before = feed.recorded
        _change_clock(self.runtime, change)
        return 200, Body.of(clock_change_view(self.runtime.clock, before, feed.recorded))

    # -- the journal -------------------------------------------------------------------------

    async def requests(self, call: Call) -> Reply:
        filters = dict(call.query)
        if "method" in filters:
            filters["method"] = filters["method"].upper()
        journal = self.runtime.journal
        entries = journal.entries(JournalQuery(**filters))
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
        return 200, Body.of(coverage_view(self.context.contract, self.runtime.journal))

    # -- faults ------------------------------------------------------------------------------

    async def faults(self, call: Call) -> Reply:
        return 200, Body.of(
            {"faults": [fault_view(fault) for fault in self.runtime.faults.pending]}
        )

    async def add_fault(self, call: Call) -> Reply:
        # A control call may reach the app without the socket (the plugin's calls run on the
        # server's loop), while the calls the fault waits for come over it.
        on_socket = self.context.on_socket or transport_of(call.request.scope) is not None

        def explain(change: Any) -> None:
            # The document states the same rules, but its refusals cannot name the choices.
            if _typed_fault(change):
                _check_fault(self.context.contract, change, on_socket=on_socket)

        change = await self._json_body(call, explain)
        _check_fault(self.context.contract, change, on_socket=on_socket)
        return 201, Body.of(fault_view(self.runtime.faults.add(**change)))

    async def clear_faults(self, call: Call) -> Reply:
        return _cleared(self.runtime.faults)

    # -- the lifecycle -----------------------------------------------------------------------

    async def enroll(self, call: Call) -> Reply:
        request = Enrollment(**await self._json_body(call))
        store = self.runtime.store
        return 201, Body.of(run_view(store, store.enroll(request)))

    async def complete_task(self, call: Call) -> Reply:
        outcome = TaskOutcome((await self._json_body(call))["outcome"])
        store = self.runtime.store
        sequence = store.complete_task(call.request.path_params["sequence_id"], outcome)
        return 200, Body.of(run_view(store, sequence))

    async def fail_run(self, call: Call) -> Reply:
        store = self.runtime.store
        return 200, Body.of(run_view(store, store.fail(call.request.path_params["sequence_id"])))

    async def change_contact(self, call: Call) -> Reply:
        change = ContactChange((await self._json_body(call))["change"])
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

    async def _json_body(self, call: Call, explain: Callable[[Any], None] | None = None) -> Any:
        """The body as JSON checked against the operation's schema (400, 413, 415, 422), after
        `explain`, which may refuse it first with a clearer message.

        `application/json` only: a browser page of any origin may send a form or text body
        without asking first."""
        generation = self.runtime.generation
        media_type = media_type_of(call.request.headers.get("content-type"))
        if media_type != "application/json":
            raise UnsupportedMediaType(
                f"send this body as application/json, not {media_type or 'without a Content-Type'}"
            )
        document = parse_json(await read_body(call.request, self.context.settings.max_body_bytes))
        if explain is not None:
            explain(document)
        validation.check_body(call.operation, document)
        # A change is applied to the world it arrived in, or not at all.
        self.runtime.check_current(generation)
        return document


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


def _change_clock(runtime: Runtime, change: dict[str, Any]) -> None:
    """Apply a validated clock change; a refused one leaves the clock as it was."""
    clock = runtime.clock
    if "now" in change:
        try:
            target = parse_timestamp(change["now"])
        except TimestampError as error:
            raise InvalidClockChange(str(error)) from None
        clock.set(target)
    elif "advance_seconds" in change:
        clock.advance(change["advance_seconds"])
    if "frozen" in change:
        clock.freeze(change["frozen"])
    runtime.store.catch_up()


def _check_fault(contract: Contract, change: dict[str, Any], *, on_socket: object) -> None:
    """A fault must name an operation and, if it has one, a status that operation declares; a
    network fault must have a connection to act on (`on_socket`) and make sense with the rest."""
    name = change["operation"]
    operations = [
        operation
        for operation in contract.operations
        if name in (ANY_OPERATION, operation.operation_id)
    ]
    if not operations:
        known = ", ".join(operation.operation_id for operation in contract.operations)
        message = f"no operation {name!r} in openapi.yaml; use one of {known} or {ANY_OPERATION!r}"
        raise ValidationFailed([FieldProblem("body", "operation", message)])
    if not change.keys() & {"status", "delay_ms", "network"}:
        message = "give a status to answer with, a delay_ms to wait, a network fault, or some"
        raise ValidationFailed([FieldProblem("body", "status", message)])
    if "network" in change:
        _check_network(change, on_socket)
    status = change.get("status")
    undeclared = [op.operation_id for op in operations if status and status not in op.responses]
    if undeclared:
        message = f"{', '.join(undeclared)} does not declare status {status} in openapi.yaml"
        raise ValidationFailed([FieldProblem("body", "status", message)])


def _typed_fault(change: Any) -> bool:
    """Whether a fault request's named fields have the types `_check_fault` reads."""
    if not isinstance(change, dict) or not isinstance(change.get("operation"), str):
        return False
    status, network, delay = change.get("status"), change.get("network"), change.get("delay_ms")
    return (
        isinstance(status, int | None)
        and isinstance(network, str | None)
        and isinstance(delay, int | float | None)
    )


def _check_network(change: dict[str, Any], on_socket: object) -> None:
    network = change["network"]
    if network in NO_ANSWER and "status" in change:
        message = f"a {network!r} connection sends no answer, so no status; drop one of them"
        raise ValidationFailed([FieldProblem("body", "status", message)])
    if network == "dribble" and not change.get("delay_ms"):
        message = "a 'dribble' spreads the body over delay_ms: give one above 0"
        raise ValidationFailed([FieldProblem("body", "delay_ms", message)])
    if network in NEEDS_SOCKET and not on_socket:
        message = (
            f"a {network!r} fault needs the mock on a socket (sequences-mock serve, MockServer, "
            "the sequences_mock fixture); this app is called in-process, with no connection "
            "to break ('dribble' works in-process)"
        )
        raise ValidationFailed([FieldProblem("body", "network", message)])
