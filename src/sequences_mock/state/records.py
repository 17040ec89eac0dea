"""Worlds as fixture-format records and back: the JSON shape of each item, and the whole world."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sequences_mock.core.choices import DEFAULT_CHOICES, Choices
from sequences_mock.core.domain import (
    MANUAL_STEPS,
    ApiKey,
    Company,
    Contact,
    ContactList,
    EmailStatus,
    RefusalReason,
    Sequence,
    Status,
    Step,
    StepType,
    StopReason,
    Template,
    Workspace,
)
from sequences_mock.core.durations import format_duration, parse_duration
from sequences_mock.core.timestamps import format_timestamp, parse_timestamp
from sequences_mock.core.world import ClockSetting, LifecycleSetting, World

__all__ = ["Moments", "build", "dump", "run_record", "sequence_record"]

#: Enum members by value: a dictionary lookup, several times cheaper than calling the enum.
STATUSES = {status.value: status for status in Status}
STOP_REASONS = {reason.value: reason for reason in StopReason}
REFUSAL_REASONS = {reason.value: reason for reason in RefusalReason}
#: Where a run seeded without `next_step` stands: past the last step once it finished.
_DONE = frozenset({Status.SUCCEEDED, Status.COMPLETED})


class Moments(dict[str, datetime]):
    """Timestamps parsed once per document, though both checking and building read them."""

    def __missing__(self, text: str) -> datetime:
        moment = self[text] = parse_timestamp(text)
        return moment


def build(document: dict[str, Any], moments: Moments, choices: Choices = DEFAULT_CHOICES) -> World:
    """The world of a checked document; `moments` holds the timestamps the check parsed, and
    the document's `choices` go on top of `choices`."""

    def moment(value: str | None) -> datetime | None:
        return None if value is None else moments[value]

    clock = document.get("clock")
    lifecycle = document.get("lifecycle") or {}
    templates = {
        t["id"]: Template(
            t["id"],
            t["workspace_id"],
            t["name"],
            dict(t["variables"]),
            tuple(Step(StepType(s["type"]), parse_duration(s["wait"])) for s in t.get("steps", ())),
        )
        for t in document.get("templates", [])
    }
    return World(
        clock=(
            ClockSetting(parse_timestamp(clock["now"]), clock.get("frozen", False))
            if clock
            else None
        ),
        lifecycle=(
            LifecycleSetting(parse_duration(lifecycle["activation_delay"]))
            if "activation_delay" in lifecycle
            else LifecycleSetting()
        ),
        choices=choices.with_overrides(document.get("choices") or {}),
        workspaces={w["id"]: Workspace(w["id"], w["name"]) for w in document.get("workspaces", [])},
        api_keys={
            k["key"]: ApiKey(k["key"], k["workspace_id"], frozenset(k["scopes"]), k.get("name"))
            for k in document.get("api_keys", [])
        },
        companies={
            c["id"]: Company(c["id"], c["workspace_id"], c["name"])
            for c in document.get("companies", [])
        },
        contacts={
            c["id"]: Contact(
                c["id"],
                c["workspace_id"],
                c["company_id"],
                c["first_name"],
                c["last_name"],
                c["email"],
                EmailStatus(c.get("email_status", "valid")),
                c.get("unsubscribed", False),
                c.get("linkedin_url"),
                c.get("phone"),
            )
            for c in document.get("contacts", [])
        },
        templates=templates,
        contact_lists={
            c["id"]: ContactList(c["id"], c["workspace_id"], c["name"])
            for c in document.get("contact_lists", [])
        },
        # Positional, in field order: a third faster than keywords, which counts at 100k items.
        sequences={
            s["id"]: Sequence(
                s["id"],
                s["workspace_id"],
                s["contact_id"],
                s["template_id"],
                STATUSES[s["status"]],
                dict(s["variables"]),
                s["contact_list_id"],
                moment(s["last_step_executed_at"]),
                moments[s["created_at"]],
                moments[s["updated_at"]],
                moment(s.get("paused_until")),
                STOP_REASONS[s["stop_reason"]] if "stop_reason" in s else None,
                _next_step(s, templates),
                moment(s.get("next_step_at")),
                s.get("skipped_steps", 0),
                REFUSAL_REASONS[s["refusal_reason"]] if "refusal_reason" in s else None,
            )
            for s in document.get("sequences", [])
        },
    )


def _next_step(sequence: dict[str, Any], templates: dict[str, Template]) -> int:
    """A run's `next_step`, or where a run seeded without one stands: at its first manual step
    while it waits for a user, past the last step once it finished, else at the start."""
    if "next_step" in sequence:
        return int(sequence["next_step"])
    steps = templates[sequence["template_id"]].steps
    status = sequence["status"]
    if status == Status.WAITING_FOR_USER:
        return next((i for i, step in enumerate(steps) if step.type in MANUAL_STEPS), 0)
    return len(steps) if status in _DONE else 0


def dump(world: World) -> dict[str, Any]:
    """The world as a fixture document; loading it back gives the same world."""
    document: dict[str, Any] = {}
    if world.clock is not None:
        document["clock"] = {"now": format_timestamp(world.clock.now), "frozen": world.clock.frozen}
    document["lifecycle"] = {"activation_delay": format_duration(world.lifecycle.activation_delay)}
    document["choices"] = world.choices.switchable()
    document["workspaces"] = [{"id": w.id, "name": w.name} for w in world.workspaces.values()]
    document["api_keys"] = [
        {
            "key": k.key,
            **({"name": k.name} if k.name is not None else {}),
            "workspace_id": k.workspace_id,
            "scopes": sorted(k.scopes),
        }
        for k in world.api_keys.values()
    ]
    document["companies"] = [
        {"id": c.id, "workspace_id": c.workspace_id, "name": c.name}
        for c in world.companies.values()
    ]
    document["contacts"] = [_dump_contact(c) for c in world.contacts.values()]
    document["templates"] = [_dump_template(t) for t in world.templates.values()]
    document["contact_lists"] = [
        {"id": c.id, "workspace_id": c.workspace_id, "name": c.name}
        for c in world.contact_lists.values()
    ]
    stepped = {t.id for t in world.templates.values() if t.steps}
    document["sequences"] = [
        run_record(s, s.template_id in stepped) for s in world.sequences.values()
    ]
    return document


def sequence_record(
    sequence: Sequence, timestamp: Callable[[datetime], str] = format_timestamp
) -> dict[str, Any]:
    """The documented fields as JSON data: the public shape, and the core of a fixture item.

    `timestamp` writes each date-time (the renderer passes a remembering `format_timestamp`).
    """
    last_step = sequence.last_step_executed_at
    return {
        "id": sequence.id,
        "workspace_id": sequence.workspace_id,
        "contact_id": sequence.contact_id,
        "template_id": sequence.template_id,
        "status": sequence.status.value,
        "variables": dict(sequence.variables),
        "contact_list_id": sequence.contact_list_id,
        "last_step_executed_at": timestamp(last_step) if last_step else None,
        "created_at": timestamp(sequence.created_at),
        "updated_at": timestamp(sequence.updated_at),
    }


def _dump_contact(contact: Contact) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": contact.id,
        "workspace_id": contact.workspace_id,
        "company_id": contact.company_id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
    }
    # The lifecycle's fields only where they differ from their defaults, as fixtures write them.
    if contact.email_status is not EmailStatus.VALID:
        item["email_status"] = contact.email_status.value
    if contact.unsubscribed:
        item["unsubscribed"] = True
    if contact.linkedin_url is not None:
        item["linkedin_url"] = contact.linkedin_url
    if contact.phone is not None:
        item["phone"] = contact.phone
    return item


def _dump_template(template: Template) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": template.id,
        "workspace_id": template.workspace_id,
        "name": template.name,
        "variables": dict(template.variables),
    }
    if template.steps:
        item["steps"] = [
            {"type": step.type.value, "wait": format_duration(step.wait)} for step in template.steps
        ]
    return item


def run_record(sequence: Sequence, stepped: bool) -> dict[str, Any]:
    """A run as a fixture item: the public fields, then the mock-only ones its state has
    (progress when its template has steps, `stepped`)."""
    item = sequence_record(sequence)
    if sequence.paused_until is not None:
        item["paused_until"] = format_timestamp(sequence.paused_until)
    if sequence.stop_reason is not None:
        item["stop_reason"] = sequence.stop_reason.value
    if stepped:
        due = sequence.next_step_at
        item["next_step"] = sequence.next_step
        item["next_step_at"] = format_timestamp(due) if due is not None else None
        item["skipped_steps"] = sequence.skipped_steps
    if sequence.refusal_reason is not None:
        item["refusal_reason"] = sequence.refusal_reason.value
    return item
