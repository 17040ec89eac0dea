"""stopSequence: allowed statuses, body validation and the COMPANY blast radius."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from default_world import ACME, AMELIE_RUN, CLOCK_START, INITECH
from http_helpers import (
    NON_TERMINAL,
    TERMINAL,
    advance,
    assert_problem,
    assert_sequence_shape,
    assert_validation_error,
    run_in_status,
    state,
    state_of,
    state_sequences,
)


def stop(client: httpx.Client, sequence_id: str, **body: Any) -> httpx.Response:
    return client.post(f"/v1/sequences/{sequence_id}/stop", json=body)


def changed_ids(before: dict[str, dict], after: dict[str, dict]) -> set[str]:
    assert before.keys() == after.keys()
    return {sequence_id for sequence_id in before if before[sequence_id] != after[sequence_id]}


def company_of(world: dict[str, Any], contact_id: str | None) -> str | None:
    contacts = {contact["id"]: contact for contact in world["contacts"]}
    contact = contacts.get(contact_id) if contact_id else None
    return contact["company_id"] if contact else None


def initech_blast_radius(world: dict[str, Any], target_id: str) -> set[str]:
    """Non-terminal runs of the target's workspace and template whose contact is at Initech."""
    target = next(s for s in world["sequences"] if s["id"] == target_id)
    return {
        s["id"]
        for s in world["sequences"]
        if s["workspace_id"] == target["workspace_id"]
        and s["template_id"] == target["template_id"]
        and company_of(world, s["contact_id"]) == INITECH
        and s["status"] in NON_TERMINAL
    }


@pytest.mark.parametrize("status", NON_TERMINAL)
@pytest.mark.parametrize("reason", ["WIN", "LOSE"])
def test_stop_unfinished_run(acme: httpx.Client, status: str, reason: str) -> None:
    """ACTIVE, WAITING_FOR_LEAD, WAITING_FOR_USER and FOUND runs stop, keeping the reason."""
    sequence_id = run_in_status(acme, status)
    advance(acme, 30)
    response = stop(acme, sequence_id, reason=reason)
    assert response.status_code == 200
    body = response.json()
    assert_sequence_shape(body)
    assert body["id"] == sequence_id
    assert body["status"] == "STOPPED_EARLY"
    assert body["updated_at"] == "2026-03-02T09:00:30Z"
    stored = state_of(acme, sequence_id)
    assert stored["status"] == "STOPPED_EARLY"
    assert stored["stop_reason"] == reason
    assert "paused_until" not in stored


def test_stopped_paused_run_does_not_resume_at_its_old_deadline(acme: httpx.Client) -> None:
    """Stopping a WAITING_FOR_LEAD run discards its deadline for good."""
    sequence_id = run_in_status(acme, "WAITING_FOR_LEAD")
    deadline = state_of(acme, sequence_id)["paused_until"]
    stop(acme, sequence_id, reason="LOSE")
    acme.post("/__mock/clock", json={"now": deadline})
    advance(acme, 1)
    body = acme.get(f"/v1/sequences/{sequence_id}").json()
    assert body["status"] == "STOPPED_EARLY"
    assert body["updated_at"] == CLOCK_START


@pytest.mark.parametrize("status", TERMINAL)
@pytest.mark.parametrize("scope", ["CONTACT", "COMPANY"])
def test_stop_finished_run_is_409(acme: httpx.Client, status: str, scope: str) -> None:
    """Finished runs cannot be stopped: 409 naming the status, and nothing changes."""
    sequence_id = run_in_status(acme, status)
    before = state(acme)
    response = stop(acme, sequence_id, reason="WIN", scope=scope)
    document = assert_problem(response, 409, "invalid_state_transition")
    assert status in document["detail"]
    assert state(acme) == before


@pytest.mark.parametrize(
    ("payload", "names"),
    [
        ({}, {"reason"}),
        ({"scope": "COMPANY"}, {"reason"}),
        ({"reason": "DRAW"}, {"reason"}),
        ({"reason": "win"}, {"reason"}),
        ({"reason": None}, {"reason"}),
        ({"reason": "WIN", "scope": "TEAM"}, {"scope"}),
        ({"reason": "WIN", "scope": "contact"}, {"scope"}),
        ({"reason": "WIN", "note": "x"}, None),
        ({"reason": "MAYBE", "scope": "WORLD"}, {"reason", "scope"}),
    ],
)
def test_stop_body_validation(acme: httpx.Client, payload: dict, names: set[str] | None) -> None:
    """A body that breaks StopSequenceRequest is 422 in:body and changes nothing."""
    before = state(acme)
    response = acme.post(f"/v1/sequences/{AMELIE_RUN}/stop", json=payload)
    assert_validation_error(response, "body", names)
    assert state(acme) == before


def test_stop_without_body_is_422(acme: httpx.Client) -> None:
    """The stop body is required."""
    assert_validation_error(acme.post(f"/v1/sequences/{AMELIE_RUN}/stop"), "body")


def test_company_stop_fixture_has_a_blast_radius(acme: httpx.Client) -> None:
    """The README run shares its template with other unfinished Initech runs (test premise)."""
    world = state(acme)
    radius = initech_blast_radius(world, AMELIE_RUN)
    assert AMELIE_RUN in radius
    assert len(radius) == 4
    amelie = state_of(acme, AMELIE_RUN)
    assert company_of(world, amelie["contact_id"]) == INITECH


def test_company_stop_stops_exactly_the_initech_runs_of_the_template(acme: httpx.Client) -> None:
    """COMPANY scope stops every unfinished Initech run of the template and nothing else."""
    world = state(acme)
    radius = initech_blast_radius(world, AMELIE_RUN)
    before = state_sequences(acme)
    advance(acme, 5)
    response = stop(acme, AMELIE_RUN, reason="WIN", scope="COMPANY")
    assert response.status_code == 200
    assert response.json()["id"] == AMELIE_RUN
    assert response.json()["status"] == "STOPPED_EARLY"
    after = state_sequences(acme)
    assert changed_ids(before, after) == radius
    for sequence_id in radius:
        assert after[sequence_id]["status"] == "STOPPED_EARLY"
        assert after[sequence_id]["stop_reason"] == "WIN"
        assert after[sequence_id]["updated_at"] == "2026-03-02T09:00:05Z"
        assert "paused_until" not in after[sequence_id]


def test_company_stop_spares_other_templates_and_finished_runs(acme: httpx.Client) -> None:
    """Initech runs of another template, and finished ones of this template, stay untouched."""
    world = state(acme)
    template = state_of(acme, AMELIE_RUN)["template_id"]
    initech = [s for s in world["sequences"] if company_of(world, s["contact_id"]) == INITECH]
    other_template = [s for s in initech if s["template_id"] != template]
    finished_same_template = [
        s for s in initech if s["template_id"] == template and s["status"] in TERMINAL
    ]
    assert any(s["status"] == "ACTIVE" for s in other_template)
    assert any(s["status"] == "SUCCEEDED" for s in finished_same_template)
    stop(acme, AMELIE_RUN, reason="LOSE", scope="COMPANY")
    after = state_sequences(acme)
    for sequence in other_template + finished_same_template:
        assert after[sequence["id"]] == sequence


def test_company_stop_from_a_colleague_reaches_the_same_runs(acme: httpx.Client) -> None:
    """Stopping another run of the radius with COMPANY scope stops the README run too."""
    world = state(acme)
    radius = initech_blast_radius(world, AMELIE_RUN)
    colleague = sorted(radius - {AMELIE_RUN})[0]
    before = state_sequences(acme)
    assert stop(acme, colleague, reason="WIN", scope="COMPANY").status_code == 200
    assert changed_ids(before, state_sequences(acme)) == radius


@pytest.mark.parametrize("body", [{"reason": "WIN", "scope": "CONTACT"}, {"reason": "WIN"}])
def test_contact_stop_stops_only_the_one_run(acme: httpx.Client, body: dict) -> None:
    """CONTACT scope (explicit or by default) stops only the named run."""
    before = state_sequences(acme)
    assert acme.post(f"/v1/sequences/{AMELIE_RUN}/stop", json=body).status_code == 200
    assert changed_ids(before, state_sequences(acme)) == {AMELIE_RUN}


@pytest.mark.parametrize("kind", ["contact deleted", "contact without company"])
def test_company_stop_without_a_company_stops_only_itself(acme: httpx.Client, kind: str) -> None:
    """A run whose contact is deleted or has no company has no colleagues to stop."""
    world = state(acme)
    no_company = {c["id"] for c in world["contacts"] if c["company_id"] is None}
    targets = [
        s["id"]
        for s in world["sequences"]
        if s["workspace_id"] == ACME
        and s["status"] in NON_TERMINAL
        and (
            s["contact_id"] is None if kind == "contact deleted" else s["contact_id"] in no_company
        )
    ]
    assert targets
    before = state_sequences(acme)
    assert stop(acme, targets[0], reason="LOSE", scope="COMPANY").status_code == 200
    assert changed_ids(before, state_sequences(acme)) == {targets[0]}


def test_company_stop_refused_for_finished_target_changes_no_colleague(acme: httpx.Client) -> None:
    """A COMPANY stop of a finished Initech run is 409 and leaves its colleagues running."""
    world = state(acme)
    template = state_of(acme, AMELIE_RUN)["template_id"]
    finished = [
        s["id"]
        for s in world["sequences"]
        if s["template_id"] == template
        and company_of(world, s["contact_id"]) == INITECH
        and s["status"] in TERMINAL
    ]
    assert finished
    before = state(acme)
    response = stop(acme, finished[0], reason="WIN", scope="COMPANY")
    assert_problem(response, 409, "invalid_state_transition")
    assert state(acme) == before
