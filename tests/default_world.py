"""Names from the packaged default fixtures that tests refer to, and small request helpers."""

from __future__ import annotations

from typing import Any

import httpx

ACME = "424b1fee-9709-4315-85d9-5954058b4714"
GLOBEX = "70ad2ccd-03bb-405b-a04f-14a7b6d801b2"
READ_WRITE = "sk_test_acme_read_write"
READ_ONLY = "sk_test_acme_read_only"
WRITE_ONLY = "sk_test_acme_write_only"
NO_SCOPES = "sk_test_acme_no_scopes"
GLOBEX_READ_WRITE = "sk_test_globex_read_write"
#: The README's example run: Amélie Dubois (Initech) on "Cold outreach - Q1", ACTIVE.
AMELIE_RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"
INITECH = "126e79e2-e6ca-41d6-a1ad-bc4e10bfa287"
CLOCK_START = "2026-03-02T09:00:00Z"
#: Templates with steps; "Renewal nudge" is email, then a call 5 days later, then an email.
COLD_OUTREACH = "5d91017f-b1a4-421b-ba3c-57bacddf6042"
RENEWAL_NUDGE = "7b12872f-a499-4890-bfb1-4c12412b18fd"
#: Olivia Brooks (Acme): a phone and a LinkedIn profile, and no run of "Renewal nudge" yet.
OLIVIA = "8d2b3b1d-d2c7-49c7-af39-0b80b81a4d09"
#: Diego Herrera (Acme): unsubscribed, so an enrollment of him is refused.
DIEGO = "5f5cf9b5-7e80-4ebb-be07-f0d4bdd839ec"
#: A WAITING_FOR_USER run of "Cold outreach - Q1", waiting on its call (step 3).
WAITING_ON_A_CALL = "6f4819ef-9c65-48b5-8747-d45fa9a93cc8"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def sequences_in_state(client: httpx.Client, **match: Any) -> list[dict[str, Any]]:
    """Sequences in the control plane's state dump (mock-only fields too) matching `match`."""
    state = client.get("/__mock/state").json()
    return [
        sequence
        for sequence in state["sequences"]
        if all(sequence.get(name) == value for name, value in match.items())
    ]
