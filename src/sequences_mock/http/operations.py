"""The public API's operations: one thin handler per operationId of openapi.yaml."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sequences_mock.contract.validation import Inputs
from sequences_mock.core.domain import ApiKey, Status, StopReason, stop_scope
from sequences_mock.core.errors import FieldProblem, Location, ValidationFailed
from sequences_mock.core.timestamps import TimestampError, parse_timestamp
from sequences_mock.http.views import Body, Renderer
from sequences_mock.state.queries import ListQuery
from sequences_mock.state.store import Store

__all__ = ["HANDLERS", "Handler", "Reply"]

Reply = tuple[int, Body]
Handler = Callable[[Store, Renderer, ApiKey, Inputs], Reply]


def list_sequences(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    query = inputs.query
    page = store.list_sequences(
        key.workspace_id,
        ListQuery(
            status=Status(query["status"]) if "status" in query else None,
            template_id=query.get("template_id"),
            created_after=_timestamp(query, "created_after", "query"),
            created_before=_timestamp(query, "created_before", "query"),
            sort_by=query["sort_by"],
            order=query["order"],
            page=query["page"],
            size=query["size"],
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
    until = _timestamp(inputs.body, "paused_until", "body")
    assert until is not None
    return 200, render.sequence(store.pause(key.workspace_id, inputs.path["sequence_id"], until))


def resume_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    return 200, render.sequence(store.resume(key.workspace_id, inputs.path["sequence_id"]))


def stop_sequence(store: Store, render: Renderer, key: ApiKey, inputs: Inputs) -> Reply:
    given = inputs.body["scope"] if "scope" in inputs.sent else None
    reason, scope = StopReason(inputs.body["reason"]), stop_scope(given, store.choices)
    stopped = store.stop(key.workspace_id, inputs.path["sequence_id"], reason, scope)
    return 200, render.sequence(stopped)


HANDLERS: dict[str, Handler] = {
    "listSequences": list_sequences,
    "getSequence": get_sequence,
    "updateSequence": update_sequence,
    "pauseSequence": pause_sequence,
    "resumeSequence": resume_sequence,
    "stopSequence": stop_sequence,
}


def _timestamp(values: dict[str, Any], name: str, location: Location) -> datetime | None:
    """A validated date-time value as a UTC datetime (None when absent)."""
    if name not in values:
        return None
    try:
        return parse_timestamp(values[name], clamp=True)
    except TimestampError as error:
        raise ValidationFailed([FieldProblem(location, name, str(error))]) from None
