"""The public JSON shapes: exactly the fields the API documents, nothing mock-only."""

from __future__ import annotations

from typing import Any

from sequences_mock.fixtures import sequence_record
from sequences_mock.store import Page

__all__ = ["page_view", "sequence_view"]

sequence_view = sequence_record


def page_view(page: Page) -> dict[str, Any]:
    return {
        "items": [sequence_view(sequence) for sequence in page.items],
        "total": page.total,
        "total_pages": page.total_pages,
        "has_more": page.has_more,
    }
