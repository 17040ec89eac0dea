"""`SequenceTable`: runs by id, and the members of a list filter through its hash indexes."""

from __future__ import annotations

from dataclasses import replace

import builders
from builders import NOW
from sequences_mock.core.domain import Sequence, Status
from sequences_mock.state.table import SequenceTable

ACME, GLOBEX = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
COLD, WEBINAR = "c0000000-0000-4000-8000-000000000000", "d0000000-0000-4000-8000-000000000000"


def run(n: int, workspace_id: str, template_id: str, status: Status) -> Sequence:
    return builders.sequence(
        status,
        id=f"{n:08x}-0000-4000-8000-000000000000",
        workspace_id=workspace_id,
        template_id=template_id,
        created_at=NOW,
    )


def filled() -> tuple[SequenceTable, list[Sequence]]:
    runs = [
        run(0, ACME, COLD, Status.ACTIVE),
        run(1, ACME, COLD, Status.FAILED),
        run(2, ACME, WEBINAR, Status.ACTIVE),
        run(3, GLOBEX, COLD, Status.ACTIVE),
    ]
    table = SequenceTable()
    for sequence in runs:
        assert table.put(sequence) is None
    return table, runs


def ids(sequences: list[Sequence]) -> set[str]:
    return {sequence.id for sequence in sequences}


def test_a_filter_matches_the_runs_of_its_workspace_status_and_template() -> None:
    table, runs = filled()
    assert ids(table.matching(ACME, None, None)) == ids(runs[:3])
    assert ids(table.matching(ACME, Status.ACTIVE, None)) == ids([runs[0], runs[2]])
    assert ids(table.matching(ACME, None, COLD)) == ids(runs[:2])
    assert ids(table.matching(ACME, Status.ACTIVE, COLD)) == ids([runs[0]])
    assert table.matching(ACME, Status.REFUSED, None) == []
    assert table.matching("no-such-workspace", None, None) == []


def test_a_new_version_replaces_the_old_and_moves_between_status_filters() -> None:
    table, runs = filled()
    failed = replace(runs[0], status=Status.FAILED)
    assert table.put(failed) is runs[0]
    assert table.by_id[failed.id] is failed
    assert len(table) == 4
    assert ids(table.matching(ACME, Status.ACTIVE, None)) == ids([runs[2]])
    assert ids(table.matching(ACME, Status.FAILED, COLD)) == ids([failed, runs[1]])
    assert failed in table.matching(ACME, None, None)  # the new version, not the old
    assert runs[0] not in table.matching(ACME, None, None)


def test_of_template_gives_the_current_runs_of_one_template_in_one_workspace() -> None:
    table, runs = filled()
    stopped = replace(runs[1], status=Status.STOPPED_EARLY)
    table.put(stopped)
    assert ids(list(table.of_template(ACME, COLD))) == ids([runs[0], stopped])
    assert stopped in list(table.of_template(ACME, COLD))
    assert list(table.of_template(GLOBEX, WEBINAR)) == []


def test_unfinished_counts_a_template_s_runs_per_contact_through_every_new_version() -> None:
    """What an enrollment's `already_enrolled` asks: kept with each `put`, never a scan."""
    ada, bob = "a0000000-0000-4000-8000-00000000000a", "b0000000-0000-4000-8000-00000000000b"
    table = SequenceTable()
    found = replace(run(0, ACME, COLD, Status.FOUND), contact_id=ada)
    paused = replace(run(1, ACME, COLD, Status.WAITING_FOR_LEAD), contact_id=ada)
    for sequence in (
        found,
        paused,
        replace(run(2, ACME, COLD, Status.REFUSED), contact_id=ada),
        replace(run(3, ACME, WEBINAR, Status.ACTIVE), contact_id=ada),
        replace(run(4, GLOBEX, COLD, Status.ACTIVE), contact_id=ada),
        replace(run(5, ACME, COLD, Status.ACTIVE), contact_id=bob),
    ):
        table.put(sequence)
    assert table.unfinished(ACME, COLD, ada) == 2
    assert (table.unfinished(ACME, WEBINAR, ada), table.unfinished(GLOBEX, COLD, ada)) == (1, 1)
    table.put(replace(found, status=Status.ACTIVE))  # still unfinished
    assert table.unfinished(ACME, COLD, ada) == 2
    table.put(replace(found, status=Status.SUCCEEDED))
    assert table.unfinished(ACME, COLD, ada) == 1
    table.put(replace(paused, contact_id=None))  # its contact deleted
    assert table.unfinished(ACME, COLD, ada) == 0
    assert table.unfinished(ACME, COLD, bob) == 1
