"""Under every switchable choice's other option, every operation on every run of the default
world keeps the contract: each answer's status is declared and its body valid (the autouse
`no_incidents` fixture fails the test on any 5xx or contract violation the journal holds)."""

from __future__ import annotations

import httpx
import pytest

from default_world import ACME
from sequences_mock.core.choices import REGISTER

OTHER_OPTIONS = [
    {choice.id: option} for choice in REGISTER if choice.switchable for option in choice.options[1:]
]
EVERY_OTHER = {choice.id: choice.options[-1] for choice in REGISTER if choice.switchable}


@pytest.mark.parametrize(
    "options", [*OTHER_OPTIONS, EVERY_OTHER], ids=lambda options: ",".join(options)
)
def test_every_operation_keeps_the_contract(acme: httpx.Client, options: dict[str, str]) -> None:
    """Gets, lists, updates, pauses, resumes and stops of every run, twice over."""
    acme.post("/__mock/choices", json={"choices": options}).raise_for_status()
    state = acme.get("/__mock/state").json()
    runs = [s["id"] for s in state["sequences"] if s["workspace_id"] == ACME]
    statuses = set()
    for run in runs:
        for _ in range(2):
            statuses.add(acme.get(f"/v1/sequences/{run}?extra=1").status_code)
            body = {"variables": {"first_name": "Ada", "company": None}}
            statuses.add(acme.patch(f"/v1/sequences/{run}", json=body).status_code)
            pause = {"paused_until": "2026-04-01T09:00:00Z"}
            statuses.add(acme.post(f"/v1/sequences/{run}/pause", json=pause).status_code)
            statuses.add(acme.post(f"/v1/sequences/{run}/resume").status_code)
        stop = {"reason": "WIN", "scope": "COMPANY"} if run == runs[0] else {"reason": "LOSE"}
        statuses.add(acme.post(f"/v1/sequences/{run}/stop", json=stop).status_code)
        statuses.add(acme.get("/v1/sequences", params={"size": 100}).status_code)

    assert statuses <= {200, 409, 422}
