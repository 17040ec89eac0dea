"""Fixture documents: the default world's promises, checks, YAML quirks, dump and merge."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from sequences_mock import fixtures
from sequences_mock.core.domain import Status, StopReason
from sequences_mock.core.errors import FieldProblem, InvalidFixtures, MalformedDocument, MockError
from sequences_mock.core.lifecycle import NON_TERMINAL
from sequences_mock.core.world import ClockSetting, World

Document = dict[str, Any]

WS_A, WS_B = str(uuid4()), str(uuid4())
COMPANY_A, COMPANY_B = str(uuid4()), str(uuid4())
CONTACT_A, CONTACT_B = str(uuid4()), str(uuid4())
TEMPLATE_A, TEMPLATE_B = str(uuid4()), str(uuid4())
LIST_A = str(uuid4())
RUN_ACTIVE, RUN_PAUSED, RUN_STOPPED, RUN_B = (str(uuid4()) for _ in range(4))
UNKNOWN = str(uuid4())


def sequence_item(
    sequence_id: str,
    status: str = "ACTIVE",
    *,
    workspace_id: str = WS_A,
    contact_id: str | None = CONTACT_A,
    template_id: str = TEMPLATE_A,
    **extra: Any,
) -> Document:
    return {
        "id": sequence_id,
        "workspace_id": workspace_id,
        "contact_id": contact_id,
        "template_id": template_id,
        "status": status,
        "variables": {"first_name": "Ada"},
        "contact_list_id": None,
        "last_step_executed_at": None,
        "created_at": "2026-02-01T08:00:00Z",
        "updated_at": "2026-02-02T08:00:00Z",
        **extra,
    }


def valid_document() -> Document:
    """A small, valid two-workspace document using every collection and mock-only field."""
    return {
        "clock": {"now": "2026-03-02T09:00:00Z", "frozen": True},
        "workspaces": [{"id": WS_A, "name": "Acme"}, {"id": WS_B, "name": "Globex"}],
        "api_keys": [
            {"key": "sk_test_a_rw", "workspace_id": WS_A, "scopes": ["sequences:read"]},
            {"key": "sk_test_b_rw", "workspace_id": WS_B, "scopes": []},
        ],
        "companies": [
            {"id": COMPANY_A, "workspace_id": WS_A, "name": "Initech"},
            {"id": COMPANY_B, "workspace_id": WS_B, "name": "Globex Corp"},
        ],
        "contacts": [
            {
                "id": CONTACT_A,
                "workspace_id": WS_A,
                "company_id": COMPANY_A,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada@example.com",
            },
            {
                "id": CONTACT_B,
                "workspace_id": WS_B,
                "company_id": None,
                "first_name": "Björk",
                "last_name": "Guðmundsdóttir",
                "email": "bjork@example.com",
            },
        ],
        "templates": [
            {"id": TEMPLATE_A, "workspace_id": WS_A, "name": "Cold", "variables": {"cta": "Hi"}},
            {"id": TEMPLATE_B, "workspace_id": WS_B, "name": "Warm", "variables": {}},
        ],
        "contact_lists": [{"id": LIST_A, "workspace_id": WS_A, "name": "Q1 leads"}],
        "sequences": [
            sequence_item(RUN_ACTIVE, contact_list_id=LIST_A),
            sequence_item(
                RUN_PAUSED,
                "WAITING_FOR_LEAD",
                paused_until="2026-03-05T14:00:00.250000Z",
                last_step_executed_at="2026-02-01T09:30:00Z",
            ),
            sequence_item(RUN_STOPPED, "STOPPED_EARLY", contact_id=None, stop_reason="WIN"),
            sequence_item(
                RUN_B, "SUCCEEDED", workspace_id=WS_B, contact_id=CONTACT_B, template_id=TEMPLATE_B
            ),
        ],
    }


def names(problems: list[FieldProblem]) -> list[str]:
    return [problem.name for problem in problems]


def pairs(problems: list[FieldProblem]) -> list[tuple[str, str]]:
    return [(problem.name, problem.message) for problem in problems]


# -- the default world -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_document() -> Document:
    return fixtures.read_document(fixtures.DEFAULT_FIXTURES)


@pytest.fixture(scope="module")
def default_world(default_document: Document) -> World:
    return fixtures.load(default_document)


def test_default_fixtures_have_no_problems(default_document: Document) -> None:
    """The packaged default document passes every check."""
    assert fixtures.check(default_document) == []


def test_default_world_has_two_workspaces(default_world: World) -> None:
    """The default world has at least two workspaces."""
    assert len(default_world.workspaces) >= 2


def test_default_world_api_keys(default_world: World) -> None:
    """Default keys cover read-only, write-only and read-write, plus one for another workspace."""
    read, write = "sequences:read", "sequences:write"
    keys = default_world.api_keys.values()
    by_scopes = {(key.workspace_id, key.scopes) for key in keys}
    workspaces = {key.workspace_id for key in keys}
    main = Counter(key.workspace_id for key in keys).most_common(1)[0][0]
    assert (main, frozenset({read})) in by_scopes
    assert (main, frozenset({write})) in by_scopes
    assert (main, frozenset({read, write})) in by_scopes
    assert len(workspaces) >= 2
    assert all(key.workspace_id in default_world.workspaces for key in keys)


def test_default_world_has_sixty_sequences(default_world: World) -> None:
    """The default world holds at least 60 sequences."""
    assert len(default_world.sequences) >= 60


def test_default_world_has_every_status(default_world: World) -> None:
    """All nine statuses appear in the default world."""
    assert {s.status for s in default_world.sequences.values()} == set(Status)


def test_default_world_spans_four_weeks(default_world: World) -> None:
    """created_at values span at least four weeks, so date filters have something to cut."""
    created = [s.created_at for s in default_world.sequences.values()]
    assert max(created) - min(created) >= timedelta(weeks=4)


def test_default_world_templates_have_variables(default_world: World) -> None:
    """At least three templates carry non-empty default variables."""
    assert sum(1 for t in default_world.templates.values() if t.variables) >= 3


def test_default_world_has_a_company_blast_radius(default_world: World) -> None:
    """Some company has three or more unfinished runs of one template (a visible COMPANY stop)."""
    contacts = default_world.contacts
    counts = Counter(
        (s.workspace_id, s.template_id, contacts[s.contact_id].company_id)
        for s in default_world.sequences.values()
        if s.status in NON_TERMINAL
        and s.contact_id is not None
        and contacts[s.contact_id].company_id is not None
    )
    assert max(counts.values()) >= 3


def test_default_world_has_a_run_without_contact(default_world: World) -> None:
    """At least one run has contact_id null."""
    assert any(s.contact_id is None for s in default_world.sequences.values())


def test_default_world_contact_lists_present_and_absent(default_world: World) -> None:
    """Some runs have a contact_list_id and some do not."""
    lists = {s.contact_list_id is None for s in default_world.sequences.values()}
    assert lists == {True, False}


def test_default_world_has_a_non_ascii_name(default_world: World) -> None:
    """At least one name in the default world is not plain ASCII."""
    texts = [
        *(w.name for w in default_world.workspaces.values()),
        *(c.name for c in default_world.companies.values()),
        *(c.first_name + c.last_name for c in default_world.contacts.values()),
        *(t.name for t in default_world.templates.values()),
        *(c.name for c in default_world.contact_lists.values()),
    ]
    assert any(not text.isascii() for text in texts)


def test_default_world_pauses_end_after_clock_start(default_world: World) -> None:
    """Every WAITING_FOR_LEAD run's deadline is after the fixture clock's now."""
    assert default_world.clock is not None
    now = default_world.clock.now
    assert now == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    waiting = [s for s in default_world.sequences.values() if s.status is Status.WAITING_FOR_LEAD]
    assert waiting
    assert all(s.paused_until is not None and s.paused_until > now for s in waiting)


def test_default_world_round_trips(default_world: World) -> None:
    """Dumping and reloading the default world gives the same world."""
    assert fixtures.load(fixtures.dump(default_world)) == default_world


# -- check() and load() ------------------------------------------------------------------------


def test_valid_document_loads() -> None:
    """A valid document has no problems and builds the matching domain objects."""
    document = valid_document()
    assert fixtures.check(document) == []
    world = fixtures.load(document)
    assert world.clock == ClockSetting(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), True)
    assert list(world.workspaces) == [WS_A, WS_B]
    assert world.api_keys["sk_test_a_rw"].scopes == frozenset({"sequences:read"})
    assert world.contacts[CONTACT_B].company_id is None
    assert world.templates[TEMPLATE_A].variables == {"cta": "Hi"}
    paused = world.sequences[RUN_PAUSED]
    assert paused.status is Status.WAITING_FOR_LEAD
    assert paused.paused_until == datetime(2026, 3, 5, 14, 0, 0, 250000, tzinfo=UTC)
    assert paused.last_step_executed_at == datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
    assert world.sequences[RUN_STOPPED].stop_reason is StopReason.WIN
    assert world.sequences[RUN_STOPPED].contact_id is None
    assert world.sequences[RUN_ACTIVE].contact_list_id == LIST_A
    assert world.sequences[RUN_ACTIVE].paused_until is None
    assert world.sequences[RUN_ACTIVE].stop_reason is None


def test_document_without_clock_loads_without_clock() -> None:
    """A document with no clock section gives a world whose clock is None."""
    document = valid_document()
    del document["clock"]
    assert fixtures.load(document).clock is None


def test_clock_frozen_defaults_to_false() -> None:
    """A clock section without `frozen` gives a ticking clock."""
    document = valid_document()
    document["clock"] = {"now": "2026-03-02T10:00:00+01:00"}
    assert fixtures.load(document).clock == ClockSetting(
        datetime(2026, 3, 2, 9, 0, tzinfo=UTC), False
    )


def _set(path: list[str | int], value: Any) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        target: Any = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _delete(path: list[str | int]) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        target: Any = document
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _duplicate_workspace(document: Document) -> None:
    document["workspaces"].append({"id": WS_A, "name": "Acme again"})


def _duplicate_sequence(document: Document) -> None:
    document["sequences"].append(sequence_item(RUN_PAUSED, "FOUND"))


# (mutation, [(path, message)]) for problems whose message is the mock's own.
RULE_PROBLEMS: dict[str, tuple[Callable[[Document], None], list[tuple[str, str]]]] = {
    "unknown template": (
        _set(["sequences", 0, "template_id"], UNKNOWN),
        [("sequences[0].template_id", f"unknown template {UNKNOWN}")],
    ),
    "unknown contact": (
        _set(["sequences", 1, "contact_id"], UNKNOWN),
        [("sequences[1].contact_id", f"unknown contact {UNKNOWN}")],
    ),
    "unknown contact list": (
        _set(["sequences", 0, "contact_list_id"], UNKNOWN),
        [("sequences[0].contact_list_id", f"unknown contact list {UNKNOWN}")],
    ),
    "unknown company": (
        _set(["contacts", 0, "company_id"], UNKNOWN),
        [("contacts[0].company_id", f"unknown company {UNKNOWN}")],
    ),
    "unknown workspace": (
        _set(["api_keys", 1, "workspace_id"], UNKNOWN),
        [("api_keys[1].workspace_id", f"unknown workspace {UNKNOWN}")],
    ),
    "duplicate workspace id": (
        _duplicate_workspace,
        [("workspaces[2].id", f"duplicate id {WS_A}, first used at workspaces[0]")],
    ),
    "duplicate sequence id": (
        _duplicate_sequence,
        [("sequences[4].id", f"duplicate id {RUN_PAUSED}, first used at sequences[1]")],
    ),
    "duplicate api key": (
        _set(["api_keys", 1, "key"], "sk_test_a_rw"),
        [("api_keys[1].key", "duplicate key sk_test_a_rw, first used at api_keys[0]")],
    ),
    "template in another workspace": (
        _set(["sequences", 0, "template_id"], TEMPLATE_B),
        [("sequences[0].template_id", f"template {TEMPLATE_B} is in another workspace")],
    ),
    "contact in another workspace": (
        _set(["sequences", 3, "contact_id"], CONTACT_A),
        [("sequences[3].contact_id", f"contact {CONTACT_A} is in another workspace")],
    ),
    "contact list in another workspace": (
        _set(["sequences", 3, "contact_list_id"], LIST_A),
        [("sequences[3].contact_list_id", f"contact list {LIST_A} is in another workspace")],
    ),
    "company in another workspace": (
        _set(["contacts", 1, "company_id"], COMPANY_A),
        [("contacts[1].company_id", f"company {COMPANY_A} is in another workspace")],
    ),
    "waiting for lead without deadline": (
        _delete(["sequences", 1, "paused_until"]),
        [
            (
                "sequences[1].paused_until",
                "a WAITING_FOR_LEAD sequence needs a paused_until deadline",
            )
        ],
    ),
    "deadline on an active run": (
        _set(["sequences", 0, "paused_until"], "2026-04-01T00:00:00Z"),
        [
            (
                "sequences[0].paused_until",
                "only a WAITING_FOR_LEAD sequence has a deadline, not ACTIVE",
            )
        ],
    ),
    "stop reason on a succeeded run": (
        _set(["sequences", 3, "stop_reason"], "LOSE"),
        [
            (
                "sequences[3].stop_reason",
                "only a STOPPED_EARLY sequence has a stop reason, not SUCCEEDED",
            )
        ],
    ),
    "updated before created": (
        _set(["sequences", 0, "updated_at"], "2026-01-31T23:59:59.999999Z"),
        [("sequences[0].updated_at", "is earlier than created_at")],
    ),
    "timestamp overflowing to utc": (
        _set(["sequences", 0, "created_at"], "9999-12-31T23:59:59-23:59"),
        [
            (
                "sequences[0].created_at",
                "'9999-12-31T23:59:59-23:59' is not a representable date-time: "
                "date value out of range",
            )
        ],
    ),
}


@pytest.mark.parametrize(
    ("mutate", "expected"), list(RULE_PROBLEMS.values()), ids=list(RULE_PROBLEMS)
)
def test_check_reports_rule_problem(
    mutate: Callable[[Document], None], expected: list[tuple[str, str]]
) -> None:
    """Each broken reference or state rule is reported once, at its path, with its message."""
    document = valid_document()
    mutate(document)
    assert pairs(fixtures.check(document)) == expected


@pytest.mark.parametrize("now", ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"])
def test_check_reports_unrepresentable_clock(now: str) -> None:
    """A clock.now Python cannot hold is a reported problem, and load raises InvalidFixtures."""
    document = valid_document()
    document["clock"]["now"] = now
    assert names(fixtures.check(document)) == ["clock.now"]
    with pytest.raises(InvalidFixtures):
        fixtures.load(document)


def test_updated_equal_to_created_is_fine() -> None:
    """updated_at equal to created_at is not a problem."""
    document = valid_document()
    document["sequences"][0]["updated_at"] = document["sequences"][0]["created_at"]
    assert fixtures.check(document) == []


# (mutation, path) for problems the schema reports, in its own words.
SCHEMA_PROBLEMS: dict[str, tuple[Callable[[Document], None], str]] = {
    "bad uuid": (_set(["sequences", 2, "id"], "NOT-A-UUID"), "sequences[2].id"),
    "upper-case uuid": (_set(["companies", 0, "id"], COMPANY_A.upper()), "companies[0].id"),
    "unknown top-level key": (_set(["sequence"], []), "sequence"),
    "unknown item key": (_set(["workspaces", 0, "colour"], "red"), "workspaces[0].colour"),
    "wrong scope name": (
        _set(["api_keys", 0, "scopes"], ["sequences:admin"]),
        "api_keys[0].scopes[0]",
    ),
    "unknown status": (_set(["sequences", 0, "status"], "PAUSED"), "sequences[0].status"),
    "unknown stop reason": (
        _set(["sequences", 2, "stop_reason"], "DRAW"),
        "sequences[2].stop_reason",
    ),
    "missing field": (_delete(["sequences", 0, "created_at"]), "sequences[0].created_at"),
    "bad timestamp": (_set(["sequences", 0, "updated_at"], "yesterday"), "sequences[0].updated_at"),
    "non-string variable": (
        _set(["templates", 0, "variables", "n"], 3),
        "templates[0].variables.n",
    ),
    "101 run overrides": (
        _set(["sequences", 0, "variables"], {f"v{i}": "x" for i in range(101)}),
        "sequences[0].variables",
    ),
    "template default of 10,001": (
        _set(["templates", 0, "variables", "cta"], "x" * 10_001),
        "templates[0].variables.cta",
    ),
    "override name of 101": (
        _set(["sequences", 1, "variables", "n" * 101], "x"),
        "sequences[1].variables",
    ),
    "empty name": (_set(["workspaces", 1, "name"], ""), "workspaces[1].name"),
    "short api key": (_set(["api_keys", 0, "key"], "short"), "api_keys[0].key"),
    "bad email": (_set(["contacts", 0, "email"], "not an email"), "contacts[0].email"),
    "clock without now": (_set(["clock"], {"frozen": True}), "clock.now"),
    "not a list": (_set(["companies"], {"id": COMPANY_A}), "companies"),
}


@pytest.mark.parametrize(
    ("mutate", "path"), list(SCHEMA_PROBLEMS.values()), ids=list(SCHEMA_PROBLEMS)
)
def test_check_reports_schema_problem(mutate: Callable[[Document], None], path: str) -> None:
    """Each shape problem is reported with the path of the offending part."""
    document = valid_document()
    mutate(document)
    assert path in names(fixtures.check(document))


def test_check_reports_wrong_scope_name_in_words() -> None:
    """A wrong scope name is reported at its index, naming the refused value."""
    document = valid_document()
    document["api_keys"][0]["scopes"] = ["sequences:read", "sequences:admin"]
    (problem,) = fixtures.check(document)
    assert problem.name == "api_keys[0].scopes[1]"
    assert "sequences:admin" in problem.message


def test_check_reports_unknown_top_level_key_in_words() -> None:
    """An unknown top-level key is reported by name."""
    document = valid_document()
    document["sequence"] = []
    (problem,) = fixtures.check(document)
    assert (problem.name, problem.message) == ("sequence", "is not an allowed property")


def test_check_reports_every_problem_at_once() -> None:
    """A document with many problems of every kind lists them all, each at its path."""
    document = valid_document()
    document["bogus"] = 1
    document["sequences"][2]["id"] = "NOT-A-UUID"
    document["api_keys"][0]["scopes"] = ["sequences:admin"]
    document["workspaces"].append({"id": WS_A, "name": "Acme again"})
    document["sequences"][0]["template_id"] = UNKNOWN
    document["sequences"][0]["paused_until"] = "2026-04-01T00:00:00Z"
    document["sequences"][3]["contact_id"] = CONTACT_A
    del document["sequences"][1]["paused_until"]
    document["sequences"][3]["stop_reason"] = "WIN"
    document["sequences"][3]["updated_at"] = "2026-01-01T00:00:00Z"
    problems = fixtures.check(document)
    assert sorted(names(problems)) == sorted(
        [
            "bogus",
            "sequences[2].id",
            "api_keys[0].scopes[0]",
            "workspaces[2].id",
            "sequences[0].template_id",
            "sequences[0].paused_until",
            "sequences[3].contact_id",
            "sequences[1].paused_until",
            "sequences[3].stop_reason",
            "sequences[3].updated_at",
        ]
    )
    assert all(problem.location == "body" for problem in problems)


def test_load_raises_with_every_problem() -> None:
    """load() raises InvalidFixtures carrying exactly the problems check() finds."""
    document = valid_document()
    document["sequences"][0]["template_id"] = UNKNOWN
    document["sequences"][2]["stop_reason"] = "DRAW"
    document["workspaces"].append({"id": WS_B, "name": "Globex again"})
    with pytest.raises(InvalidFixtures) as caught:
        fixtures.load(document)
    assert list(caught.value.problems) == fixtures.check(document)
    assert len(caught.value.problems) == 3
    assert caught.value.detail == "the fixture document has 3 problems"
    assert caught.value.code == "invalid_fixtures"


def test_reference_problems_are_listed_before_sequence_rule_problems() -> None:
    """Every unknown or foreign reference first, in document order; then the status rules."""
    document = valid_document()
    document["sequences"][0]["stop_reason"] = "WIN"  # a rule: only STOPPED_EARLY has one
    document["sequences"][1]["template_id"] = UNKNOWN
    document["sequences"][2]["contact_id"] = UNKNOWN

    assert names(fixtures.check(document)) == [
        "sequences[1].template_id",
        "sequences[2].contact_id",
        "sequences[0].stop_reason",
    ]


def test_load_single_problem_message_is_singular() -> None:
    """One problem is counted in the singular."""
    document = valid_document()
    document["sequences"][0]["template_id"] = UNKNOWN
    with pytest.raises(InvalidFixtures, match=r"^the fixture document has 1 problem$"):
        fixtures.load(document)


@pytest.mark.parametrize("document", [None, [], "text", 3])
def test_check_non_object_document(document: Any) -> None:
    """A document that is not a mapping is one root problem, not a crash."""
    assert names(fixtures.check(document)) == [""]
    with pytest.raises(InvalidFixtures):
        fixtures.load(document)


def test_check_empty_mapping_is_an_empty_world() -> None:
    """An empty mapping is a valid document with nothing in it."""
    assert fixtures.check({}) == []
    assert fixtures.load({}) == World()


# -- YAML and JSON specifics -------------------------------------------------------------------

UNQUOTED_YAML = f"""
clock:
  now: 2026-03-02T09:00:00Z
workspaces:
  - id: {WS_A}
    name: Acme
templates:
  - id: {TEMPLATE_A}
    workspace_id: {WS_A}
    name: Cold
    variables: {{}}
sequences:
  - id: {RUN_PAUSED}
    workspace_id: {WS_A}
    contact_id: null
    template_id: {TEMPLATE_A}
    status: WAITING_FOR_LEAD
    variables: {{day: 2026-03-02}}
    contact_list_id: null
    last_step_executed_at: 2026-02-01 09:30:00Z
    created_at: 2026-02-01T08:00:00Z
    updated_at: 2026-02-01T10:00:00.5+01:00
    paused_until: 2026-03-05T14:00:00Z
""".encode()


def test_yaml_unquoted_timestamps_stay_strings() -> None:
    """Unquoted YAML timestamps and dates are read as the strings they were written as."""
    document = fixtures.parse_document(UNQUOTED_YAML, yaml_syntax=True)
    assert document["clock"]["now"] == "2026-03-02T09:00:00Z"
    assert document["sequences"][0]["created_at"] == "2026-02-01T08:00:00Z"
    assert document["sequences"][0]["variables"] == {"day": "2026-03-02"}


def test_yaml_unquoted_timestamps_load() -> None:
    """A YAML document with unquoted RFC 3339 timestamps loads, but a space separator does not."""
    document = fixtures.parse_document(UNQUOTED_YAML, yaml_syntax=True)
    assert set(names(fixtures.check(document))) == {"sequences[0].last_step_executed_at"}
    document["sequences"][0]["last_step_executed_at"] = "2026-02-01T09:30:00Z"
    world = fixtures.load(document)
    sequence = world.sequences[RUN_PAUSED]
    assert sequence.created_at == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    assert sequence.updated_at == datetime(2026, 2, 1, 9, 0, 0, 500000, tzinfo=UTC)
    assert sequence.paused_until == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    assert sequence.variables == {"day": "2026-03-02"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"yes: x\n", [("", "key True is not a string")]),
        (
            b"templates: [{variables: {1: x}}]\n",
            [("templates[0].variables", "key 1 is not a string")],
        ),
        (
            b"templates: [{variables: {yes: x, no: y}}]\n",
            [
                ("templates[0].variables", "key True is not a string"),
                ("templates[0].variables", "key False is not a string"),
            ],
        ),
        (b"workspaces: [{null: x}]\n", [("workspaces[0]", "key None is not a string")]),
        (b"clock: {now: .nan}\n", [("clock.now", "nan is not a JSON number")]),
        (b"clock: {now: .inf}\n", [("clock.now", "inf is not a JSON number")]),
        (b"clock: {now: !!binary aGVsbG8=}\n", [("clock.now", "a bytes is not JSON data")]),
    ],
)
def test_yaml_non_json_data_is_reported(text: bytes, expected: list[tuple[str, str]]) -> None:
    """YAML that JSON cannot hold (non-string keys, NaN, binary) is a reported problem."""
    document = fixtures.parse_document(text, yaml_syntax=True)
    found = pairs(fixtures.check(document))
    assert [problem for problem in found if problem[0] == expected[0][0]] == expected
    with pytest.raises(InvalidFixtures):
        fixtures.load(document)


def test_yaml_non_json_data_does_not_hide_other_problems() -> None:
    """A non-string key is reported alongside the document's other problems, not instead."""
    document = fixtures.parse_document(UNQUOTED_YAML, yaml_syntax=True)
    document["templates"][0]["variables"] = {1: "x"}
    document["workspaces"][0]["id"] = "NOT-A-UUID"
    document["sequences"][0]["status"] = "PAUSED"
    found = names(fixtures.check(document))
    assert "templates[0].variables" in found
    assert "workspaces[0].id" in found
    assert "sequences[0].status" in found


def test_recursive_yaml_is_refused_not_a_crash() -> None:
    """A self-referencing YAML alias ends in a MockError, not a RecursionError."""
    with pytest.raises(MockError):
        fixtures.load(fixtures.parse_document(b"workspaces: &loop [*loop]\n", yaml_syntax=True))


@pytest.mark.parametrize(
    "text",
    [b"workspaces: [1, 2\n", b"a: b: c\n", b"- a\nb: c\n", b"\tkey: value\n", b"a: 'open\n"],
)
def test_invalid_yaml_raises_with_message(text: bytes) -> None:
    """Text that is not YAML raises MalformedDocument naming the source and the position."""
    with pytest.raises(MalformedDocument) as caught:
        fixtures.parse_document(text, yaml_syntax=True, source="seed.yaml")
    assert caught.value.detail.startswith("seed.yaml is not valid YAML: ")
    assert "line" in caught.value.detail
    assert "\n" not in caught.value.detail
    assert caught.value.code == "malformed_document"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_constants_are_refused(constant: str) -> None:
    """JSON's NaN and Infinity extensions are refused as not JSON, at the constant's position."""
    with pytest.raises(MalformedDocument) as caught:
        fixtures.parse_document(f'{{"clock": {constant}}}'.encode(), yaml_syntax=False)
    assert caught.value.detail.startswith("document is not valid JSON: ")
    assert "line 1 column 1" in caught.value.detail


def test_invalid_json_raises_with_message() -> None:
    """Text that is not JSON raises MalformedDocument with the parser's position."""
    with pytest.raises(MalformedDocument, match=r"^document is not valid JSON: .*line 1 column 2"):
        fixtures.parse_document(b"{bad", yaml_syntax=False)


def test_json_document_loads() -> None:
    """The JSON form of a valid document parses and loads to the same world."""
    text = json.dumps(valid_document()).encode()
    parsed = fixtures.parse_document(text, yaml_syntax=False)
    assert fixtures.load(parsed) == fixtures.load(valid_document())


def test_read_document_missing_file(tmp_path: Any) -> None:
    """A missing fixture file is a MalformedDocument naming the path."""
    missing = tmp_path / "nope.yaml"
    with pytest.raises(MalformedDocument, match=r"nope\.yaml"):
        fixtures.read_document(missing)


def test_read_document_chooses_parser_by_suffix(tmp_path: Any) -> None:
    """A `.json` file is parsed as JSON (NaN refused); other files as YAML."""
    json_file = tmp_path / "world.JSON"
    json_file.write_text('{"clock": NaN}')
    with pytest.raises(MalformedDocument, match="is not valid JSON"):
        fixtures.read_document(json_file)
    yaml_file = tmp_path / "world.yml"
    yaml_file.write_text("workspaces: []\n")
    assert fixtures.read_document(yaml_file) == {"workspaces": []}


# -- dump --------------------------------------------------------------------------------------


def test_dump_load_round_trip_keeps_mock_only_fields() -> None:
    """dump(load(doc)) loads back to an equal world, paused_until and stop_reason included."""
    world = fixtures.load(valid_document())
    again = fixtures.load(fixtures.dump(world))
    assert again == world
    assert again.sequences[RUN_PAUSED].paused_until == datetime(
        2026, 3, 5, 14, 0, 0, 250000, tzinfo=UTC
    )
    assert again.sequences[RUN_STOPPED].stop_reason is StopReason.WIN


def test_dump_load_round_trip_of_early_years() -> None:
    """Timestamps before year 1000 survive dump and load (four-digit years)."""
    document = valid_document()
    document["sequences"][0]["created_at"] = "0999-01-01T00:00:00Z"
    world = fixtures.load(document)
    dumped = fixtures.dump(world)
    assert dumped["sequences"][0]["created_at"] == "0999-01-01T00:00:00Z"
    assert fixtures.load(dumped) == world


def test_dump_writes_canonical_document() -> None:
    """dump writes timestamps as UTC `Z` strings and mock-only fields only where they apply."""
    document = fixtures.dump(fixtures.load(valid_document()))
    by_id = {item["id"]: item for item in document["sequences"]}
    assert by_id[RUN_PAUSED]["paused_until"] == "2026-03-05T14:00:00.250000Z"
    assert by_id[RUN_STOPPED]["stop_reason"] == "WIN"
    assert "paused_until" not in by_id[RUN_ACTIVE]
    assert "stop_reason" not in by_id[RUN_ACTIVE]
    assert document["clock"] == {"now": "2026-03-02T09:00:00Z", "frozen": True}
    assert fixtures.check(document) == []
    assert fixtures.dump(fixtures.load(document)) == document


def test_dump_is_json_serialisable() -> None:
    """A dumped document survives JSON and loads to the same world."""
    world = fixtures.load(valid_document())
    text = json.dumps(fixtures.dump(world)).encode()
    assert fixtures.load(fixtures.parse_document(text, yaml_syntax=False)) == world


# -- merge -------------------------------------------------------------------------------------


def test_merge_upserts_by_id() -> None:
    """merge replaces items with a known id, appends new ones, and keeps the rest."""
    current = fixtures.load(valid_document())
    new_run = str(uuid4())
    changed = sequence_item(RUN_ACTIVE, "FOUND")
    incoming = {"sequences": [changed, sequence_item(new_run, "REFUSED", contact_id=None)]}
    merged = fixtures.merge(current, incoming)
    assert list(merged.sequences) == [RUN_ACTIVE, RUN_PAUSED, RUN_STOPPED, RUN_B, new_run]
    assert merged.sequences[RUN_ACTIVE].status is Status.FOUND
    assert merged.sequences[RUN_ACTIVE].contact_list_id is None
    assert merged.sequences[new_run].template_id == TEMPLATE_A
    for kept in (RUN_PAUSED, RUN_STOPPED, RUN_B):
        assert merged.sequences[kept] == current.sequences[kept]
    assert merged.workspaces == current.workspaces
    assert merged.templates == current.templates
    assert merged.api_keys == current.api_keys
    assert merged.clock == current.clock


def test_merge_new_sequence_may_reference_current_state() -> None:
    """An incoming sequence can point at a template and contact that exist only in current."""
    current = fixtures.load(valid_document())
    new_run = str(uuid4())
    merged = fixtures.merge(current, {"sequences": [sequence_item(new_run)]})
    assert merged.sequences[new_run].template_id == TEMPLATE_A
    assert merged.sequences[new_run].contact_id == CONTACT_A


def test_merge_other_collections_and_clock() -> None:
    """merge upserts templates and workspaces too, and an incoming clock replaces the current."""
    current = fixtures.load(valid_document())
    new_workspace = str(uuid4())
    incoming = {
        "clock": {"now": "2026-04-01T00:00:00Z"},
        "workspaces": [{"id": new_workspace, "name": "Hooli"}],
        "templates": [
            {"id": TEMPLATE_A, "workspace_id": WS_A, "name": "Colder", "variables": {}},
        ],
    }
    merged = fixtures.merge(current, incoming)
    assert list(merged.workspaces) == [WS_A, WS_B, new_workspace]
    assert merged.templates[TEMPLATE_A].name == "Colder"
    assert merged.templates[TEMPLATE_B] == current.templates[TEMPLATE_B]
    assert merged.clock == ClockSetting(datetime(2026, 4, 1, tzinfo=UTC), False)
    assert merged.sequences == current.sequences


def test_merge_reports_incoming_path_for_broken_reference() -> None:
    """A merged item that breaks a reference is named by its path in the incoming document."""
    current = fixtures.load(valid_document())
    incoming = {
        "sequences": [
            sequence_item(str(uuid4())),
            sequence_item(RUN_STOPPED, "STOPPED_EARLY", template_id=UNKNOWN, stop_reason="LOSE"),
            sequence_item(str(uuid4()), template_id=TEMPLATE_B),
        ]
    }
    with pytest.raises(InvalidFixtures) as caught:
        fixtures.merge(current, incoming)
    assert pairs(list(caught.value.problems)) == [
        ("sequences[1].template_id", f"unknown template {UNKNOWN}"),
        ("sequences[2].template_id", f"template {TEMPLATE_B} is in another workspace"),
    ]


def test_merge_names_current_items_it_breaks_by_id() -> None:
    """An item of the current state broken by the merge is named by its id."""
    current = fixtures.load(valid_document())
    incoming = {
        "templates": [{"id": TEMPLATE_A, "workspace_id": WS_B, "name": "Moved", "variables": {}}]
    }
    with pytest.raises(InvalidFixtures) as caught:
        fixtures.merge(current, incoming)
    assert names(list(caught.value.problems)) == [
        f"sequences[id={run}] (current state).template_id"
        for run in (RUN_ACTIVE, RUN_PAUSED, RUN_STOPPED)
    ]


def test_merge_reports_duplicate_ids_in_incoming() -> None:
    """Two incoming items with one id are reported at the incoming document's path."""
    current = fixtures.load(valid_document())
    new_run = str(uuid4())
    incoming = {"sequences": [sequence_item(new_run), sequence_item(new_run, "FOUND")]}
    with pytest.raises(InvalidFixtures) as caught:
        fixtures.merge(current, incoming)
    assert pairs(list(caught.value.problems)) == [
        ("sequences[1].id", f"duplicate id {new_run}, first used at sequences[0]")
    ]


def test_merge_reports_schema_problems_with_incoming_path() -> None:
    """An incoming item of the wrong shape is reported at its incoming path."""
    current = fixtures.load(valid_document())
    incoming = {"sequences": [sequence_item("NOT-A-UUID")]}
    with pytest.raises(InvalidFixtures) as caught:
        fixtures.merge(current, incoming)
    assert "sequences[0].id" in names(list(caught.value.problems))


def test_refused_merge_leaves_current_unchanged() -> None:
    """A refused merge leaves the current world as it was."""
    current = fixtures.load(valid_document())
    before = copy.deepcopy(fixtures.dump(current))
    incoming = {"sequences": [sequence_item(RUN_ACTIVE, template_id=UNKNOWN)]}
    with pytest.raises(InvalidFixtures):
        fixtures.merge(current, incoming)
    assert fixtures.dump(current) == before


def test_merge_of_empty_document_keeps_world() -> None:
    """Merging an empty document gives back an equal world."""
    current = fixtures.load(valid_document())
    assert fixtures.merge(current, {}) == current


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("world.json", b'{"workspaces": [], "clock": {"now": "2026-01-01T00:00:00Z", "now": "x"}}'),
        ("world.yaml", b"clock: {now: '2026-01-01T00:00:00Z', now: x}\n"),
    ],
)
def test_a_fixture_file_with_a_key_given_twice_is_refused(tmp_path: Any, name: str, text: bytes):
    """What `serve --fixtures` and `check-fixtures` read: the problem named by path."""
    path = tmp_path / name
    path.write_bytes(text)

    with pytest.raises(InvalidFixtures) as caught:
        fixtures.read_document(path)

    assert names(list(caught.value.problems)) == ["clock.now"]


@pytest.mark.parametrize("field", ["template_id", "workspace_id"])
def test_a_reference_that_is_an_object_is_a_problem_not_a_crash(field: str) -> None:
    """Found by schemathesis on the control plane: looking an unhashable reference up once made
    a TypeError (a 500)."""
    document = valid_document()
    document["sequences"][0][field] = {}
    assert f"sequences[0].{field}" in names(fixtures.check(document))
