"""Lifecycle levers: change one contact without resending it, and fail a run now."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from default_world import AMELIE_RUN, COLD_OUTREACH, READ_WRITE, bearer
from http_helpers import UNKNOWN_ID, advance, assert_problem

AMELIE = "90c79624-35b6-46d8-9b24-c0402596d24a"


def change(client: httpx.Client, contact_id: str, what: str) -> httpx.Response:
    return client.post(f"/__mock/contacts/{contact_id}/changes", json={"change": what})


def last_event(client: httpx.Client, sequence_id: str) -> dict[str, Any]:
    events: list[dict[str, Any]] = client.get(f"/__mock/sequences/{sequence_id}/history").json()[
        "events"
    ]
    return events[-1]


def public(client: httpx.Client, sequence_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/sequences/{sequence_id}", headers=bearer(READ_WRITE))
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_failing_a_run_ends_it_now_with_a_control_event(client: httpx.Client) -> None:
    failed = client.post(f"/__mock/sequences/{AMELIE_RUN}/fail")

    assert failed.status_code == 200, failed.text
    assert failed.json()["status"] == "FAILED"
    assert public(client, AMELIE_RUN)["status"] == "FAILED"
    event = last_event(client, AMELIE_RUN)
    assert (event["event"], event["from"], event["to"], event["cause"]) == (
        "failed",
        "ACTIVE",
        "FAILED",
        "control",
    )
    assert_problem(
        client.post(f"/__mock/sequences/{AMELIE_RUN}/fail"), 409, "invalid_state_transition"
    )
    assert_problem(client.post(f"/__mock/sequences/{UNKNOWN_ID}/fail"), 404, "not_found")


def test_a_deleted_contacts_runs_show_a_null_contact_id(client: httpx.Client) -> None:
    deleted = change(client, AMELIE, "contact_deleted")

    assert deleted.status_code == 200, deleted.text
    runs = deleted.json()["runs"]
    assert AMELIE_RUN in [run["id"] for run in runs]
    assert {run["contact_id"] for run in runs} == {None}
    assert public(client, AMELIE_RUN)["contact_id"] is None
    assert public(client, AMELIE_RUN)["status"] == "ACTIVE"
    event = last_event(client, AMELIE_RUN)
    assert (event["event"], event["cause"]) == ("contact_deleted", "control")
    contacts = client.get("/__mock/state").json()["contacts"]
    assert AMELIE not in {contact["id"] for contact in contacts}
    enroll = {"template_id": COLD_OUTREACH, "contact_id": AMELIE}
    assert client.post("/__mock/enrollments", json=enroll).status_code == 422
    assert_problem(change(client, AMELIE, "contact_deleted"), 404, "not_found")


def test_a_bounced_email_fails_the_run_at_its_next_email_step(client: httpx.Client) -> None:
    bounced = change(client, AMELIE, "email_bounced")

    assert bounced.status_code == 200, bounced.text
    assert public(client, AMELIE_RUN)["status"] == "ACTIVE"
    assert last_event(client, AMELIE_RUN)["event"] == "email_bounced"
    advance(client, 3 * 86400)  # step 1, an email, is due on 2026-03-04
    assert public(client, AMELIE_RUN)["status"] == "FAILED"
    [contact] = [c for c in client.get("/__mock/state").json()["contacts"] if c["id"] == AMELIE]
    assert contact["email_status"] == "bounced"


def test_an_unsubscribed_contact_is_refused_at_enrollment(client: httpx.Client) -> None:
    assert change(client, AMELIE, "unsubscribed").status_code == 200
    assert last_event(client, AMELIE_RUN)["event"] == "unsubscribed"

    enrolled = client.post(
        "/__mock/enrollments",
        json={"template_id": "7b12872f-a499-4890-bfb1-4c12412b18fd", "contact_id": AMELIE},
    )

    assert enrolled.status_code == 201
    assert (enrolled.json()["status"], enrolled.json()["refusal_reason"]) == (
        "REFUSED",
        "unsubscribed",
    )


@pytest.mark.parametrize(
    ("option", "after_the_email_step"), [("continue", "ACTIVE"), ("fail", "FAILED")]
)
def test_an_unsubscribed_contacts_run_at_its_next_email_step_follows_the_choice(
    client: httpx.Client, option: str, after_the_email_step: str
) -> None:
    """`unsubscribed_runs`: the docs are silent on what an unsubscribe does to running runs."""
    chosen = client.post("/__mock/choices", json={"choices": {"unsubscribed_runs": option}})
    assert chosen.status_code == 200, chosen.text
    assert change(client, AMELIE, "unsubscribed").status_code == 200
    assert public(client, AMELIE_RUN)["status"] == "ACTIVE"

    advance(client, 3 * 86400)  # step 1, an email, is due on 2026-03-04

    assert public(client, AMELIE_RUN)["status"] == after_the_email_step
    expected = "failed" if option == "fail" else "step_ran"
    assert last_event(client, AMELIE_RUN)["event"] == expected


def test_an_unknown_change_or_contact_is_refused(client: httpx.Client) -> None:
    assert_problem(change(client, AMELIE, "married"), 422, "validation_error")
    assert_problem(change(client, UNKNOWN_ID, "unsubscribed"), 404, "not_found")
