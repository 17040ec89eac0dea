"""GET /__mock/events: every run's lifecycle events in one feed, and the clock naming the range a
move fired."""

from __future__ import annotations

from typing import Any

import httpx

from default_world import AMELIE_RUN


def events(client: httpx.Client, **params: int) -> dict[str, Any]:
    response = client.get("/__mock/events", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_30_day_jump_lists_its_events_across_runs_in_seq_order(client: httpx.Client) -> None:
    moved = client.post("/__mock/clock", json={"advance_seconds": 30 * 86400})

    assert moved.status_code == 200, moved.text
    answer = moved.json()
    assert answer["fired"] > 0
    assert answer["last_seq"] - answer["first_seq"] + 1 == answer["fired"]
    feed = events(client, since=answer["first_seq"] - 1, limit=10_000)
    fired = feed["events"]
    assert [event["seq"] for event in fired] == list(
        range(answer["first_seq"], answer["last_seq"] + 1)
    )
    assert len({event["sequence_id"] for event in fired}) > 1
    assert {event["cause"] for event in fired} == {"clock"}
    # Each run's share of the feed is that run's history, in the same order.
    amelie = [
        {key: value for key, value in event.items() if key not in ("seq", "sequence_id")}
        for event in fired
        if event["sequence_id"] == AMELIE_RUN
    ]
    history = client.get(f"/__mock/sequences/{AMELIE_RUN}/history").json()["events"]
    assert amelie
    assert history[-len(amelie) :] == amelie


def test_a_move_that_fires_nothing_names_no_range(client: httpx.Client) -> None:
    answer = client.post("/__mock/clock", json={"advance_seconds": 1}).json()
    assert (answer["fired"], answer["first_seq"], answer["last_seq"]) == (0, None, None)


def test_pages_follow_since_and_limit(client: httpx.Client) -> None:
    client.post("/__mock/clock", json={"advance_seconds": 30 * 86400}).raise_for_status()
    whole = events(client, limit=10_000)

    first = events(client, limit=3)
    second = events(client, since=first["events"][-1]["seq"], limit=3)

    assert first["events"] + second["events"] == whole["events"][:6]
    assert whole["recorded"] == whole["events"][-1]["seq"]
    assert (whole["dropped"], whole["size"]) == (0, 200_000)


def test_api_and_control_events_are_in_the_feed_with_their_cause(acme: httpx.Client) -> None:
    acme.post(f"/v1/sequences/{AMELIE_RUN}/pause", json={"paused_until": "2026-03-03T00:00:00Z"})

    [paused] = events(acme)["events"]

    assert (paused["sequence_id"], paused["event"], paused["cause"]) == (
        AMELIE_RUN,
        "paused",
        "api",
    )


def test_a_reset_starts_the_feed_again(client: httpx.Client) -> None:
    client.post("/__mock/clock", json={"advance_seconds": 30 * 86400}).raise_for_status()
    client.post("/__mock/reset").raise_for_status()
    assert events(client) == {"events": [], "recorded": 0, "dropped": 0, "size": 200_000}


def test_an_unknown_parameter_or_bad_limit_is_refused(client: httpx.Client) -> None:
    assert client.get("/__mock/events", params={"after": 3}).status_code == 422
    assert client.get("/__mock/events", params={"limit": 10_001}).status_code == 422
