"""The stored sequences by id, with the hash indexes that find the members of a list filter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sequences_mock.core.domain import Contact, Sequence, Status
from sequences_mock.core.lifecycle import NON_TERMINAL

__all__ = ["SequenceTable"]

#: A template's runs aimed at one contact: (workspace, template, contact).
_Enrolled = tuple[str, str, str]


class SequenceTable:
    """Sequences by id, and their ids by workspace, by (workspace, status) and by
    (workspace, template); a sequence's workspace and template never change (its contact may:
    a deleted contact's runs lose it)."""

    __slots__ = ("_by_status", "_by_template", "_by_workspace", "_unfinished", "by_id")

    def __init__(self) -> None:
        #: Read freely; written only through `put`, which keeps the hash indexes with it.
        self.by_id: dict[str, Sequence] = {}
        self._by_workspace: dict[str, set[str]] = {}
        self._by_status: dict[tuple[str, Status], set[str]] = {}
        self._by_template: dict[tuple[str, str], set[str]] = {}
        #: How many unfinished runs each template has per contact (none kept at zero): what an
        #: enrollment asks, without reading the template's runs.
        self._unfinished: dict[_Enrolled, int] = {}

    def put(self, sequence: Sequence) -> Sequence | None:
        """Store a new sequence or a new version of one; returns the version it replaces."""
        id_, workspace_id, status = sequence.id, sequence.workspace_id, sequence.status
        previous = self.by_id.get(id_)
        self.by_id[id_] = sequence
        if previous is None:
            self._by_workspace.setdefault(workspace_id, set()).add(id_)
            self._by_template.setdefault((workspace_id, sequence.template_id), set()).add(id_)
            self._by_status.setdefault((workspace_id, status), set()).add(id_)
            self._count_unfinished(sequence, 1)
            return None
        # The usual changes (variables, a pause deadline, a step, a pause) keep most indexes.
        if previous.status is not status:
            self._by_status[(previous.workspace_id, previous.status)].discard(id_)
            self._by_status.setdefault((workspace_id, status), set()).add(id_)
        was_unfinished = previous.status in NON_TERMINAL
        if previous.contact_id != sequence.contact_id or was_unfinished != (status in NON_TERMINAL):
            self._count_unfinished(previous, -1)
            self._count_unfinished(sequence, 1)
        return previous

    def unfinished(self, workspace_id: str, template_id: str, contact_id: str) -> int:
        """How many runs of the template aimed at the contact have not finished."""
        return self._unfinished.get((workspace_id, template_id, contact_id), 0)

    def _count_unfinished(self, sequence: Sequence, change: int) -> None:
        if sequence.contact_id is None or sequence.status not in NON_TERMINAL:
            return
        key = (sequence.workspace_id, sequence.template_id, sequence.contact_id)
        count = self._unfinished.get(key, 0) + change
        if count:
            self._unfinished[key] = count
        else:
            del self._unfinished[key]

    def matching(
        self, workspace_id: str, status: Status | None, template_id: str | None
    ) -> list[Sequence]:
        """The members of a list filter, in no particular order."""
        sets = [self._by_workspace.get(workspace_id, set())]
        if status is not None:
            sets.append(self._by_status.get((workspace_id, status), set()))
        if template_id is not None:
            sets.append(self._by_template.get((workspace_id, template_id), set()))
        smallest, *others = sorted(sets, key=len)
        ids = smallest.intersection(*others) if others else smallest
        return [self.by_id[i] for i in ids]

    def counts(self) -> dict[str, dict[Status, int]]:
        """By workspace, how many of its runs have each status held by any."""
        counts: dict[str, dict[Status, int]] = {}
        for (workspace, status), ids in self._by_status.items():
            if ids:
                counts.setdefault(workspace, {})[status] = len(ids)
        return counts

    def of_template(self, workspace_id: str, template_id: str) -> Iterator[Sequence]:
        """The runs of one template."""
        for sequence_id in self._by_template.get((workspace_id, template_id), ()):
            yield self.by_id[sequence_id]

    def company_colleagues(
        self, target: Sequence, contacts: Mapping[str, Contact], reach: frozenset[Status]
    ) -> list[Sequence]:
        """Other runs in a `reach` status of the target's template aimed at its contact's
        company."""
        contact = contacts.get(target.contact_id) if target.contact_id else None
        if contact is None or contact.company_id is None:
            return []
        colleagues = []
        for other in self.of_template(target.workspace_id, target.template_id):
            other_contact = contacts.get(other.contact_id) if other.contact_id else None
            if (
                other.id != target.id
                and other.status in reach
                and other_contact is not None
                and other_contact.company_id == contact.company_id
            ):
                colleagues.append(other)
        return colleagues

    def __len__(self) -> int:
        return len(self.by_id)
