"""Sequences and their entities: what a world holds. The rules that move a run between
statuses live in `lifecycle`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "MANUAL_STEPS",
    "ApiKey",
    "Company",
    "Contact",
    "ContactList",
    "EmailStatus",
    "RefusalReason",
    "Sequence",
    "Status",
    "Step",
    "StepType",
    "StopReason",
    "StopScope",
    "Template",
    "Workspace",
]


class Status(StrEnum):
    ACTIVE = "ACTIVE"
    WAITING_FOR_LEAD = "WAITING_FOR_LEAD"
    WAITING_FOR_USER = "WAITING_FOR_USER"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED_EARLY = "STOPPED_EARLY"
    COMPLETED = "COMPLETED"
    FOUND = "FOUND"
    REFUSED = "REFUSED"


class StopReason(StrEnum):
    WIN = "WIN"
    LOSE = "LOSE"


class StopScope(StrEnum):
    CONTACT = "CONTACT"
    COMPANY = "COMPANY"


class StepType(StrEnum):
    EMAIL = "email"
    LINKEDIN = "linkedin"
    CALL = "call"
    TASK = "task"


#: Steps a person must act on; the others run by themselves when due.
MANUAL_STEPS = frozenset({StepType.CALL, StepType.TASK})


class EmailStatus(StrEnum):
    VALID = "valid"
    BOUNCED = "bounced"


class RefusalReason(StrEnum):
    """Why an enrollment was refused (mock-only, like `stop_reason`)."""

    UNSUBSCRIBED = "unsubscribed"
    EMAIL_BOUNCED = "email_bounced"
    ALREADY_ENROLLED = "already_enrolled"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a template: its channel, and how long after the previous step it is due."""

    type: StepType
    wait: timedelta


@dataclass(frozen=True, slots=True)
class Workspace:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ApiKey:
    key: str
    workspace_id: str
    scopes: frozenset[str]
    name: str | None = None

    def __repr__(self) -> str:
        return f"ApiKey(key='…{self.key[-4:]}', workspace_id={self.workspace_id!r})"


@dataclass(frozen=True, slots=True)
class Company:
    id: str
    workspace_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    workspace_id: str
    company_id: str | None
    first_name: str
    last_name: str
    email: str
    email_status: EmailStatus = EmailStatus.VALID
    unsubscribed: bool = False
    linkedin_url: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    workspace_id: str
    name: str
    variables: Mapping[str, str]
    #: In order; none: the template's runs never progress by themselves.
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class ContactList:
    id: str
    workspace_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Sequence:
    """One run of a template against a contact; the fields after `updated_at` are mock-only.

    Progress through the template's steps: `next_step` is the index of the next step (the step
    count once done), `next_step_at` when the clock is due to act on the run (activation for a
    FOUND run, the next step for an ACTIVE or paused one; None when nothing is scheduled), and
    `skipped_steps` how many steps were skipped (a run that skipped any ends COMPLETED).
    """

    id: str
    workspace_id: str
    contact_id: str | None
    template_id: str
    status: Status
    variables: Mapping[str, str]
    contact_list_id: str | None
    last_step_executed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    paused_until: datetime | None = None
    stop_reason: StopReason | None = None
    next_step: int = 0
    next_step_at: datetime | None = None
    skipped_steps: int = 0
    refusal_reason: RefusalReason | None = None
