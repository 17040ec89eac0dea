"""Enrolling a contact in a template through the control plane: the request, checked whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sequences_mock.core import lifecycle
from sequences_mock.core.domain import Sequence, Template
from sequences_mock.core.errors import DuplicateId, FieldProblem, ValidationFailed
from sequences_mock.core.events import Event
from sequences_mock.core.world import World
from sequences_mock.state.table import SequenceTable

__all__ = ["Enrollment", "check_enrollment", "enrolled_run"]


@dataclass(frozen=True, slots=True)
class Enrollment:
    """What `POST /__mock/enrollments` asks for; `id` None lets the mock choose one."""

    template_id: str
    contact_id: str
    contact_list_id: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    id: str | None = None


def check_enrollment(request: Enrollment, world: World, runs: Mapping[str, Sequence]) -> Template:
    """The template to enroll in, once every reference is known and in its workspace.

    Raises `ValidationFailed` naming each bad field, or `DuplicateId` for a taken `id`.
    """
    problems: list[FieldProblem] = []
    template = world.templates.get(request.template_id)
    if template is None:
        problems.append(_problem("template_id", f"unknown template {request.template_id}"))
    contact = world.contacts.get(request.contact_id)
    if contact is None:
        problems.append(_problem("contact_id", f"unknown contact {request.contact_id}"))
    elif template is not None and contact.workspace_id != template.workspace_id:
        problems.append(
            _problem(
                "contact_id", f"contact {contact.id} is in another workspace than the template"
            )
        )
    if request.contact_list_id is not None:
        contact_list = world.contact_lists.get(request.contact_list_id)
        if contact_list is None:
            message = f"unknown contact list {request.contact_list_id}"
            problems.append(_problem("contact_list_id", message))
        elif template is not None and contact_list.workspace_id != template.workspace_id:
            message = f"contact list {contact_list.id} is in another workspace than the template"
            problems.append(_problem("contact_list_id", message))
    if problems:
        raise ValidationFailed(problems)
    if request.id is not None and request.id in runs:
        raise DuplicateId(f"a sequence {request.id} exists already")
    assert template is not None
    return template


def enrolled_run(
    request: Enrollment, sequence_id: str, world: World, table: SequenceTable, now: datetime
) -> tuple[Sequence, Event]:
    """The run an enrollment creates now (FOUND, or REFUSED), once the request checks out."""
    template = check_enrollment(request, world, table.by_id)
    contact = world.contacts[request.contact_id]
    unfinished = table.unfinished(template.workspace_id, template.id, contact.id)
    return lifecycle.enroll(
        sequence_id,
        workspace_id=template.workspace_id,
        template_id=template.id,
        steps=template.steps,
        contact_id=contact.id,
        contact_list_id=request.contact_list_id,
        variables=request.variables,
        refusal=lifecycle.refusal_for(contact, unfinished),
        now=now,
        activation_delay=world.lifecycle.activation_delay,
    )


def _problem(name: str, message: str) -> FieldProblem:
    return FieldProblem("body", name, message)
