"""A whole world as one immutable value: what a fixture describes and a state dump holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sequences_mock.core.choices import DEFAULT_CHOICES, Choices
from sequences_mock.core.domain import (
    ApiKey,
    Company,
    Contact,
    ContactList,
    Sequence,
    Template,
    Workspace,
)

__all__ = ["ClockSetting", "LifecycleSetting", "World"]

#: How long a FOUND run waits before it is ACTIVE, unless the fixture's `lifecycle` says.
DEFAULT_ACTIVATION_DELAY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ClockSetting:
    """Where a fixture starts the clock: at `now`, ticking or `frozen` (none: the wall clock)."""

    now: datetime
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class LifecycleSetting:
    """How runs live on the clock: a FOUND run is ACTIVE `activation_delay` after enrollment."""

    activation_delay: timedelta = DEFAULT_ACTIVATION_DELAY


@dataclass(frozen=True, slots=True)
class World:
    """Everything a fixture document describes, as domain objects keyed by id (api keys by key)."""

    clock: ClockSetting | None = None
    lifecycle: LifecycleSetting = field(default_factory=LifecycleSetting)
    #: The world's options for the choice register (see `core.choices`).
    choices: Choices = DEFAULT_CHOICES
    workspaces: Mapping[str, Workspace] = field(default_factory=dict)
    api_keys: Mapping[str, ApiKey] = field(default_factory=dict)
    companies: Mapping[str, Company] = field(default_factory=dict)
    contacts: Mapping[str, Contact] = field(default_factory=dict)
    templates: Mapping[str, Template] = field(default_factory=dict)
    contact_lists: Mapping[str, ContactList] = field(default_factory=dict)
    sequences: Mapping[str, Sequence] = field(default_factory=dict)
