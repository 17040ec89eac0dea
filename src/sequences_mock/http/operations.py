"""The public API's operations: one thin handler per operationId of openapi.yaml."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sequences_mock.contract.validation import Coercions, Inputs
from sequences_mock.core.domain import ApiKey, Status, StopReason, StopScope
from sequences_mock.core.lifecycle import stop_scope
from sequences_mock.core.timestamps import parse_timestamp
from sequences_mock.http.views import Body, Renderer
from sequences_mock.state.queries import list_query
from sequences_mock.state.store import Store

__all__ = ["COERCIONS", "HANDLERS", "Handler", "Reply"]

Reply = tuple[int, Body]
Handler = Callable[[Store, Renderer, ApiKey, Inputs], Reply]


def list_sequences(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    query = inputs.query
    page = store.list_sequences(
        key.workspace_id,
        list_query(
            (
                query.get("status"),
                query.get("template_id"),
                query.get("created_after"),
                query.get("created_before"),
                query["sort_by"],
                query["order"],
                query["page"],
                query["size"],
            )
        ),
    )
    return 200, render.page(page)


def get_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    sequence = store.get_sequence(key.workspace_id, inputs.path["sequence_id"])
    return 200, render.sequence(sequence)


def update_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    sequence_id, changes = inputs.path["sequence_id"], inputs.body["variables"]
    return 200, render.sequence(store.update_variables(key.workspace_id, sequence_id, changes))


def pause_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    until = inputs.body["paused_until"]
    return 200, render.sequence(store.pause(key.workspace_id, inputs.path["sequence_id"], until))


def resume_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    return 200, render.sequence(store.resume(key.workspace_id, inputs.path["sequence_id"]))


def stop_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    given = inputs.body["scope"] if "scope" in inputs.sent else None
    reason, scope = inputs.body["reason"], stop_scope(given, store.choices)
    stopped = store.stop(key.workspace_id, inputs.path["sequence_id"], reason, scope)
    return 200, render.sequence(stopped)


#: A date-time out of Python's range is clamped to the nearest one it has (year 1 or 9999).
_instant = partial(parse_timestamp, clamp=True)
#: The inputs each operation reads as domain values, coerced once they are valid.
COERCIONS: dict[str, Coercions] = {
    "listSequences": {
        "status": Status,
        "created_after": _instant,
        "created_before": _instant,
    },
    "pauseSequence": {"paused_until": _instant},
    "stopSequence": {"reason": StopReason, "scope": StopScope},
}

HANDLERS: dict[str, Handler] = {
    "listSequences": list_sequences,
    "getSequence": get_sequence,
    "updateSequence": update_sequence,
    "pauseSequence": pause_sequence,
    "resumeSequence": resume_sequence,
    "stopSequence": stop_sequence,
}
