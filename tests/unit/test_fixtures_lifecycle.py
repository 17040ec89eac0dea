"""Fixture documents with the lifecycle: steps, channels, progress, and their checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from test_fixtures import (
    CONTACT_A,
    RUN_ACTIVE,
    RUN_PAUSED,
    TEMPLATE_A,
    TEMPLATE_B,
    Document,
    pairs,
    sequence_item,
    valid_document,
)

from sequences_mock import fixtures
from sequences_mock.core.domain import EmailStatus, RefusalReason, Status, StepType

STEPS = [
    {"type": "email", "wait": "PT0S"},
    {"type": "linkedin", "wait": "P2D"},
    {"type": "call", "wait": "PT4H30M"},
]


def stepped() -> Document:
    document = valid_document()
    document["lifecycle"] = {"activation_delay": "PT10M"}
    document["templates"][0]["steps"] = [dict(step) for step in STEPS]
    document["contacts"][0] |= {
        "email_status": "bounced",
        "unsubscribed": True,
        "linkedin_url": "https://www.linkedin.com/in/ada",
        "phone": "+44 20 7946 0000",
    }
    return document


def test_steps_channels_and_progress_load() -> None:
    document = stepped()
    document["sequences"][0] |= {"next_step": 1, "next_step_at": "2026-03-04T10:00:00Z"}
    world = fixtures.load(document)
    assert world.lifecycle.activation_delay == timedelta(minutes=10)
    steps = world.templates[TEMPLATE_A].steps
    assert [(s.type, s.wait) for s in steps] == [
        (StepType.EMAIL, timedelta(0)),
        (StepType.LINKEDIN, timedelta(days=2)),
        (StepType.CALL, timedelta(hours=4, minutes=30)),
    ]
    assert world.templates[TEMPLATE_B].steps == ()
    ada = world.contacts[CONTACT_A]
    assert (ada.email_status, ada.unsubscribed) == (EmailStatus.BOUNCED, True)
    assert (ada.linkedin_url, ada.phone) == ("https://www.linkedin.com/in/ada", "+44 20 7946 0000")
    run = world.sequences[RUN_ACTIVE]
    assert (run.next_step, run.next_step_at.isoformat()) == (1, "2026-03-04T10:00:00+00:00")


def test_a_world_with_the_lifecycle_round_trips() -> None:
    document = stepped()
    document["sequences"].append(
        sequence_item(
            "0a1b2c3d-0000-4000-8000-000000000001",
            "WAITING_FOR_USER",
            next_step=2,
            skipped_steps=1,
        )
    )
    document["sequences"].append(
        sequence_item(
            "0a1b2c3d-0000-4000-8000-000000000002", "REFUSED", refusal_reason="unsubscribed"
        )
    )
    world = fixtures.load(document)
    assert world.sequences["0a1b2c3d-0000-4000-8000-000000000002"].refusal_reason is (
        RefusalReason.UNSUBSCRIBED
    )
    assert fixtures.load(fixtures.dump(world)) == world


def test_defaults_where_a_run_seeded_without_progress_stands() -> None:
    document = stepped()
    document["sequences"] += [
        sequence_item("0a1b2c3d-0000-4000-8000-000000000003", "WAITING_FOR_USER"),
        sequence_item("0a1b2c3d-0000-4000-8000-000000000004", "SUCCEEDED"),
    ]
    world = fixtures.load(document)
    assert world.sequences["0a1b2c3d-0000-4000-8000-000000000003"].next_step == 2  # the call
    assert world.sequences["0a1b2c3d-0000-4000-8000-000000000004"].next_step == 3  # finished
    assert world.sequences[RUN_ACTIVE].next_step == 0


def _set_run(index: int, **fields: Any) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        document["sequences"][index] |= fields

    return mutate


def _set_step(wait: str) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        document["templates"][0]["steps"][1]["wait"] = wait

    return mutate


def _stepless_progress(document: Document) -> None:
    document["sequences"][3] |= {"next_step": 0}


def _waiting_on_email(document: Document) -> None:
    document["sequences"].append(
        sequence_item("0a1b2c3d-0000-4000-8000-000000000005", "WAITING_FOR_USER", next_step=0)
    )


def _waiting_without_manual_step(document: Document) -> None:
    document["templates"][0]["steps"] = [{"type": "email", "wait": "P1D"}]
    document["sequences"].append(
        sequence_item("0a1b2c3d-0000-4000-8000-000000000006", "WAITING_FOR_USER")
    )


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (_set_step("P1M"), "templates[0].steps[1].wait", "ambiguous"),
        (_set_step("2 days"), "templates[0].steps[1].wait", "ISO 8601"),
        (_set_run(0, next_step=4), "sequences[0].next_step", "past the end"),
        (_set_run(0, next_step=3), "sequences[0].next_step", "past the last step"),
        (_set_run(2, next_step_at="2026-03-04T10:00:00Z"), "sequences[2].next_step_at", "not"),
        (_set_run(0, skipped_steps=2, next_step=1), "sequences[0].skipped_steps", "more than"),
        (_set_run(0, refusal_reason="unsubscribed"), "sequences[0].refusal_reason", "REFUSED"),
        (_stepless_progress, "sequences[3].next_step", "template with steps"),
        (_waiting_on_email, "sequences[4].next_step", "not step 0 (email)"),
        (_waiting_without_manual_step, "sequences[4].status", "has none"),
    ],
)
def test_progress_that_cannot_be_is_a_problem_by_path(
    mutate: Callable[[Document], None], path: str, words: str
) -> None:
    document = stepped()
    mutate(document)
    found = pairs(fixtures.check(document))
    assert [name for name, _ in found] == [path], found
    assert words in found[0][1]


def test_a_bad_activation_delay_is_a_problem() -> None:
    document = stepped()
    document["lifecycle"]["activation_delay"] = "P1Y"
    assert [name for name, _ in pairs(fixtures.check(document))] == ["lifecycle.activation_delay"]


def test_a_paused_run_of_a_stepped_template_keeps_its_deadline() -> None:
    world = fixtures.load(stepped())
    assert world.sequences[RUN_PAUSED].status is Status.WAITING_FOR_LEAD
