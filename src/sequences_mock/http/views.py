"""The public JSON shapes: exactly the fields the API documents, nothing mock-only.

A `Renderer` keeps each sequence's JSON (document and bytes) while that version of the sequence
lives, or a later one showing the same fields, so a page is joined from ready bytes instead of
being formatted and encoded again. The documents stay beside the bytes because every response
is still validated.

The invariant both caches here rely on: **a document the renderer has handed out is never
mutated** (a changed sequence is a new object, rendered anew unless it shows the same fields,
when its document is the same). That is what lets `CheckedItems` remember, by identity, the
rendered items already found valid, so a page checks each one once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from sequences_mock.core.choices import DEFAULT_CHOICES, Choices
from sequences_mock.core.domain import Sequence, Template
from sequences_mock.core.lifecycle import shown_variables
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.fixtures.records import SEQUENCE_RECORD_FIELDS, sequence_record
from sequences_mock.formats import strict_json
from sequences_mock.formats.schema import Validator
from sequences_mock.state.queries import Page

__all__ = ["RENDER_BUDGET", "Body", "CheckedItems", "Renderer", "sequence_view"]

sequence_view = sequence_record
#: What the default view of a run reads of it (its template's variables are the world's).
_shown = attrgetter(*SEQUENCE_RECORD_FIELDS)

#: What the kept renderings may cost together, in bytes; past it the oldest go first. About
#: 13,000 renderings of ordinary runs, or 32 of runs with the most variables a run can hold.
RENDER_BUDGET = 64 * 1024 * 1024
#: A rendering's cost: its bytes, its document (about as large again) and the objects around
#: them (measured: some 5 KiB for a run of the default world, whose JSON is 400 bytes).
RENDERING_OVERHEAD = 4096
#: Kept timestamp texts: enough for the moments that recur (a frozen clock, fixture times).
TIMESTAMP_LIMIT = 4096


class Body(NamedTuple):
    """A JSON response body as data (for validation) and as the bytes that go out.

    A named tuple (one or more per call): as immutable as a frozen dataclass, several times
    cheaper to make with `tuple.__new__`."""

    document: Any
    data: bytes

    @classmethod
    def of(cls, document: Any) -> Body:
        return _body((document, strict_json.dumps(document)))


_body = partial(tuple.__new__, Body)
_document_of, _data_of = itemgetter(0), itemgetter(1)


#: A kept rendering: the sequence version it renders, its body, and what it costs.
_Rendering = tuple[Sequence, Body, int]


class Renderer:
    """Renders sequences and pages, reusing the rendering of a sequence until it changes.

    The renderings kept cost at most `budget` bytes together (see `RENDERING_OVERHEAD`); the
    oldest go first. `checked` remembers which of them a page check found valid.
    """

    def __init__(
        self,
        view: Callable[[Sequence], dict[str, Any]] | None = None,
        budget: int = RENDER_BUDGET,
    ) -> None:
        self._view = view or self._document
        #: The view is `sequence_view` (what `_shown` names); another may show any field.
        self._default_view = view is None
        #: The world's choices and templates the renderings were made under (see `use`).
        self._choices = DEFAULT_CHOICES
        self._templates: Mapping[str, Template] = {}
        self._budget = budget
        self._cache: dict[str, _Rendering] = {}
        self._cost = 0
        #: The documents of kept renderings found valid, by `id` (see `CheckedItems`).
        self._checked: dict[int, Any] = {}
        self._timestamps: dict[datetime, str] = {}
        self.checked = CheckedItems(self._cache, self._checked)

    def sequence(self, sequence: Sequence) -> Body:
        cache = self._cache
        cached = cache.get(sequence.id)
        if cached is not None:
            # Sequences are immutable and replaced on every change: the same object, the same JSON.
            if cached[0] is sequence:
                return cached[1]
            del cache[sequence.id]  # the new version goes last, with the newest
            if self._default_view and _shown(cached[0]) == _shown(sequence):
                # A new version showing the same fields (a PATCH that changed no variable, on a
                # clock that stands still): the same JSON, now kept for that version.
                cache[sequence.id] = (sequence, cached[1], cached[2])
                return cached[1]
            self._cost -= cached[2]
            self._checked.pop(id(cached[1].document), None)
        body = Body.of(self._view(sequence))
        cost = 2 * len(body.data) + RENDERING_OVERHEAD
        cache[sequence.id] = (sequence, body, cost)
        self._cost += cost
        if self._cost > self._budget:
            self._shrink()
        return body

    def use(self, choices: Choices, templates: Mapping[str, Template]) -> None:
        """Render under these choices and templates from now on; the renderings made under
        others are dropped (choices can change while the world lives)."""
        if choices is not self._choices or templates is not self._templates:
            self.clear()
            self._choices, self._templates = choices, templates

    def _document(self, sequence: Sequence) -> dict[str, Any]:
        document = sequence_view(sequence, timestamp=self._timestamp)
        if self._choices is not DEFAULT_CHOICES:
            template = self._templates.get(sequence.template_id)
            defaults = template.variables if template is not None else {}
            document["variables"] = shown_variables(sequence, defaults, self._choices)
        return document

    def page(self, page: Page) -> Body:
        cache, render = self._cache, self.sequence
        # A kept rendering of the very same version is taken here, without a call per item.
        items = [
            cached[1]
            if (cached := cache.get(run.id)) is not None and cached[0] is run
            else render(run)
            for run in page.items
        ]
        total, total_pages = page.total, page.total_pages
        has_more = page.page < total_pages
        data = b"".join(
            (
                b'{"items":[',
                b",".join(map(_data_of, items)),
                b'],"total":%d,"total_pages":%d,"has_more":%s}'
                % (total, total_pages, b"true" if has_more else b"false"),
            )
        )
        document = {
            "items": list(map(_document_of, items)),
            "total": total,
            "total_pages": total_pages,
            "has_more": has_more,
        }
        return _body((document, data))

    def clear(self) -> None:
        """Forget every rendering (after a seed, whose sequences are all new objects)."""
        self._cache.clear()
        self._cost = 0
        self._checked.clear()
        self._timestamps.clear()

    @property
    def cost(self) -> int:
        """What the kept renderings cost together, in bytes (see `RENDERING_OVERHEAD`)."""
        return self._cost

    def _shrink(self) -> None:
        """Drop the oldest renderings until the rest fit the budget."""
        cache = self._cache
        while self._cost > self._budget and cache:
            _, body, cost = cache.pop(next(iter(cache)))
            self._cost -= cost
            self._checked.pop(id(body.document), None)

    def _timestamp(self, moment: datetime) -> str:
        """`format_timestamp`, remembered: a write formats three, and most recur."""
        text = self._timestamps.get(moment)
        if text is None:
            if len(self._timestamps) >= TIMESTAMP_LIMIT:
                self._timestamps.clear()
            text = self._timestamps[moment] = format_timestamp(moment)
        return text

    def __len__(self) -> int:
        return len(self._cache)


class CheckedItems:
    """Renderings of runs already found valid, by identity and validator (see the module's
    invariant): a page's items, and a run answered whole.

    A view on a renderer: only documents of renderings it still keeps are remembered, and each
    is forgotten when its rendering goes, so the memo keeps nothing alive and never outgrows it.
    """

    def __init__(self, kept: dict[str, _Rendering], checked: dict[int, Any]) -> None:
        self._kept = kept
        self._checked = checked

    def holds(self, document: object, validator: Validator) -> bool:
        found = self._checked.get(id(document))
        return found is not None and found[0] is document and validator in found[1]

    def unchecked(self, documents: list[Any], validator: Validator) -> list[int]:
        """The positions of the `documents` not found valid against `validator` before."""
        checked = self._checked
        return [
            index
            for index, document in enumerate(documents)
            if (found := checked.get(id(document))) is None
            or found[0] is not document
            or validator not in found[1]
        ]

    def add(self, document: Any, validator: Validator) -> None:
        """Remember `document` as valid against `validator` if it is the document of a
        rendering the renderer keeps (anything else is checked every time)."""
        key = document.get("id") if isinstance(document, dict) else None
        kept = self._kept.get(key) if isinstance(key, str) else None
        if kept is None or kept[1].document is not document:
            return
        found = self._checked.get(id(document))
        if found is not None and found[0] is document:
            found[1].append(validator)  # a few at most: the schemas a run is declared by
        else:
            self._checked[id(document)] = (document, [validator])

    def __len__(self) -> int:
        return len(self._checked)
