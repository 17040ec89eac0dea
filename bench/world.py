"""The benchmark's one world generator: large, realistic fixture documents, deterministic.

One workspace holding `n` sequences over a fixed cast (20 templates, 2,000 companies, 2,000
contacts, 10 contact lists), statuses weighted like the packaged default world, `created_at`
spread over the year before the frozen clock; or, with a cadence, ACTIVE runs of templates with
those steps (the lifecycle scenario's world). Every scenario that seeds a generated world takes
it from here. The same arguments always give the same document. `python bench/world.py N >
world.json` writes one for `sequences-mock check-fixtures`.
"""

from __future__ import annotations

import json
import random
import sys
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["API_KEY", "generate"]

API_KEY = "sk_test_acme_read_write"
CLOCK_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
TEMPLATES = 20
COMPANIES = 2000
CONTACTS = 2000
CONTACT_LISTS = 10
#: Status weights: the packaged default world's 72 runs, counted per status.
STATUS_WEIGHTS = {
    "ACTIVE": 24,
    "WAITING_FOR_LEAD": 8,
    "WAITING_FOR_USER": 6,
    "SUCCEEDED": 8,
    "FAILED": 5,
    "STOPPED_EARLY": 7,
    "COMPLETED": 5,
    "FOUND": 4,
    "REFUSED": 5,
}
FIRST_NAMES = (
    "Amélie", "Jürgen", "Søren", "静", "Maria", "James", "Aisha", "Kenji", "Lucía", "Olu",
    "Priya", "Tomás", "Zoë", "Mateo", "Ingrid", "Chloé", "Dmitri", "Fatima", "Noah", "Yuki",
)  # fmt: skip
LAST_NAMES = (
    "Dubois", "Müller", "Kierkegaard", "陈", "Rossi", "Smith", "Okafor", "Tanaka", "García",
    "Nowak", "Patel", "Silva", "Johansson", "Kowalski", "O'Brien", "Novák", "Haddad", "Lee",
)  # fmt: skip
COMPANY_WORDS = (
    "Initech", "Umbrella", "Soylent", "Hooli", "Globex", "Vandelay", "Stark", "Wayne", "Acme",
    "Cyberdyne", "Tyrell", "Aperture", "Wonka", "Oscorp", "Nakatomi", "Gringotts",
)  # fmt: skip
COMPANY_SUFFIXES = ("Corp", "GmbH", "Ltd", "SA", "Labs", "Group", "AB", "KK")
TEMPLATE_NAMES = (
    "Cold outreach", "Webinar follow-up", "Trade fair follow-up", "Renewal reminder",
    "Upsell", "Re-engagement", "Demo no-show", "Inbound lead", "Partner intro", "Trial ending",
)  # fmt: skip
VARIABLES = {
    "first_name": FIRST_NAMES,
    "cta": ("Coffee at the Berlin fair?", "15 minutes next week?", "Shall I send a deck?"),
    "pain_point": ("slow onboarding", "churn", "manual reporting", "data silos"),
    "signature": ("Best, Anna", "Cheers, Ben", "Grüße, Clara"),
    "meeting_link": ("https://cal.example.com/anna", "https://cal.example.com/ben"),
    "calendar_week": ("KW 12", "KW 14", "week 9"),
}


def generate(
    n: int, seed: int = 1, *, cadence: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """A fixture document with one workspace and `n` sequences, the same for the same arguments.

    With a `cadence` (steps as a fixture writes them), every template has those steps, every
    contact is reachable on every channel, and every run is ACTIVE on a contact with its first
    step due within three days of the clock: the world the lifecycle scenario moves on.
    """
    rng = random.Random(seed)
    workspace = _uuid(rng)
    companies = [_company(rng, workspace, index) for index in range(COMPANIES)]
    contacts = [_contact(rng, workspace, index, companies) for index in range(CONTACTS)]
    templates = [_template(rng, workspace, index) for index in range(TEMPLATES)]
    if cadence is not None:
        for number, contact in enumerate(contacts, 1):
            contact["linkedin_url"] = f"https://www.linkedin.com/in/contact-{number}"
        for template in templates:
            template["steps"] = [dict(step) for step in cadence]
    lists = [
        {"id": _uuid(rng), "workspace_id": workspace, "name": f"Leads batch {index + 1}"}
        for index in range(CONTACT_LISTS)
    ]
    return {
        "clock": {"now": _timestamp(CLOCK_NOW), "frozen": True},
        "workspaces": [{"id": workspace, "name": "Acme Outbound (scale)"}],
        "api_keys": [
            {
                "key": API_KEY,
                "workspace_id": workspace,
                "scopes": ["sequences:read", "sequences:write"],
            }
        ],
        "companies": companies,
        "contacts": contacts,
        "templates": templates,
        "contact_lists": lists,
        "sequences": [
            _running(rng, workspace, contacts, templates)
            if cadence is not None
            else _sequence(rng, workspace, contacts, templates, lists)
            for _ in range(n)
        ],
    }


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(rng: random.Random, low: int, high: timedelta) -> timedelta:
    """A random whole number of seconds from `low` up to `high`, both included."""
    return timedelta(seconds=rng.randint(low, max(low, int(high.total_seconds()))))


def _ascii(name: str) -> str:
    """A name reduced to lower-case ASCII letters for e-mail addresses ("Zoë" -> "zoe")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(char for char in plain.lower() if char.isalpha()) or "contact"


def _company(rng: random.Random, workspace: str, index: int) -> dict[str, Any]:
    name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)} {index + 1}"
    return {"id": _uuid(rng), "workspace_id": workspace, "name": name}


def _contact(
    rng: random.Random, workspace: str, index: int, companies: list[dict[str, Any]]
) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    number = rng.randrange(len(companies)) if rng.random() < 0.95 else None
    domain = "mail" if number is None else f"company{number + 1}"
    return {
        "id": _uuid(rng),
        "workspace_id": workspace,
        "company_id": None if number is None else companies[number]["id"],
        "first_name": first,
        "last_name": last,
        "email": f"{_ascii(first)}.{_ascii(last)}.{index + 1}@{domain}.example.com",
    }


def _template(rng: random.Random, workspace: str, index: int) -> dict[str, Any]:
    name = f"{TEMPLATE_NAMES[index % len(TEMPLATE_NAMES)]} - Q{index // len(TEMPLATE_NAMES) + 1}"
    return {
        "id": _uuid(rng),
        "workspace_id": workspace,
        "name": name,
        "variables": _variables(rng),
    }


def _variables(rng: random.Random) -> dict[str, str]:
    names = rng.sample(sorted(VARIABLES), rng.randint(1, 3))
    return {name: rng.choice(VARIABLES[name]) for name in sorted(names)}


def _sequence(
    rng: random.Random,
    workspace: str,
    contacts: list[dict[str, Any]],
    templates: list[dict[str, Any]],
    lists: list[dict[str, Any]],
) -> dict[str, Any]:
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    created = CLOCK_NOW - _seconds(rng, 3600, YEAR)
    updated = created + _seconds(rng, 0, CLOCK_NOW - created)
    last_step = created + _seconds(rng, 0, updated - created) if rng.random() < 0.9 else None
    sequence: dict[str, Any] = {
        "id": _uuid(rng),
        "workspace_id": workspace,
        "contact_id": rng.choice(contacts)["id"] if rng.random() < 0.98 else None,
        "template_id": rng.choice(templates)["id"],
        "status": status,
        "variables": _variables(rng),
        "contact_list_id": rng.choice(lists)["id"] if rng.random() < 0.7 else None,
        "last_step_executed_at": _timestamp(last_step) if last_step else None,
        "created_at": _timestamp(created),
        "updated_at": _timestamp(updated),
    }
    if status == "WAITING_FOR_LEAD":
        sequence["paused_until"] = _timestamp(CLOCK_NOW + _seconds(rng, 3600, timedelta(days=60)))
    if status == "STOPPED_EARLY":
        sequence["stop_reason"] = rng.choice(("WIN", "LOSE"))
    return sequence


def _running(
    rng: random.Random,
    workspace: str,
    contacts: list[dict[str, Any]],
    templates: list[dict[str, Any]],
) -> dict[str, Any]:
    """An ACTIVE run at its first step, due within three days of the clock."""
    created = _timestamp(CLOCK_NOW - _seconds(rng, 60, timedelta(days=30)))
    return {
        "id": _uuid(rng),
        "workspace_id": workspace,
        "contact_id": rng.choice(contacts)["id"],
        "template_id": rng.choice(templates)["id"],
        "status": "ACTIVE",
        "variables": {},
        "contact_list_id": None,
        "last_step_executed_at": None,
        "created_at": created,
        "updated_at": created,
        "next_step": 0,
        "next_step_at": _timestamp(CLOCK_NOW + _seconds(rng, 0, timedelta(days=3))),
    }


if __name__ == "__main__":
    json.dump(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1000), sys.stdout, indent=1)
    sys.stdout.write("\n")
