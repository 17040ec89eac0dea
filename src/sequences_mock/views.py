"""The public JSON shapes: exactly the fields the API documents, nothing mock-only."""

from __future__ import annotations

from typing import Any

from sequences_mock.domain import Sequence
from sequences_mock.store import Page
from sequences_mock.timestamps import format_timestamp

__all__ = ["page_view", "sequence_view"]


def sequence_view(sequence: Sequence) -> dict[str, Any]:
    last_step = sequence.last_step_executed_at
    return {
        "id": sequence.id,
        "workspace_id": sequence.workspace_id,
        "contact_id": sequence.contact_id,
        "template_id": sequence.template_id,
        "status": sequence.status.value,
        "variables": dict(sequence.variables),
        "contact_list_id": sequence.contact_list_id,
        "last_step_executed_at": format_timestamp(last_step) if last_step else None,
        "created_at": format_timestamp(sequence.created_at),
        "updated_at": format_timestamp(sequence.updated_at),
    }


def page_view(page: Page) -> dict[str, Any]:
    return {
        "items": [sequence_view(sequence) for sequence in page.items],
        "total": page.total,
        "total_pages": page.total_pages,
        "has_more": page.has_more,
    }
