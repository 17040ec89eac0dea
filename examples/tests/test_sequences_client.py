"""The example client against the mock, through the fixtures that installing sequences-mock adds.

`sequences_mock` is a mock on a real socket, reset before every test; `sequences_mock_app` is the
same in-process. Both seed the world, move its clock, inject faults and check what was called.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sequences_client import SequencesClient, SequencesError

# Ids from the mock's default world (fixtures/default.yaml).
COLD_OUTREACH = "5d91017f-b1a4-421b-ba3c-57bacddf6042"
AMELIE_RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"


@pytest.fixture
def sleeps() -> list[float]:
    """What the client waited between retries, instead of waiting."""
    return []


@pytest.fixture
def client(sequences_mock, sleeps: list[float]) -> SequencesClient:
    # The handle's pooled client (at the API, made once a session): no new pool per test.
    key = sequences_mock.api_keys["acme_read_write"]
    return SequencesClient(sequences_mock.client, key, sleep=sleeps.append)


def test_a_paused_run_wakes_up_at_its_deadline(sequences_mock, client: SequencesClient) -> None:
    client.pause(AMELIE_RUN, sequences_mock.clock.now() + timedelta(hours=1))

    sequences_mock.clock.advance(3600)

    assert client.get(AMELIE_RUN)["status"] == "ACTIVE"
    sequences_mock.assert_called("pauseSequence", times=1, sequence_id=AMELIE_RUN, status=200)


def test_retries_a_503_after_its_retry_after(
    sequences_mock, client: SequencesClient, sleeps: list[float]
) -> None:
    sequences_mock.fault("listSequences", 503, retry_after=2)

    runs = client.active_runs(COLD_OUTREACH)

    assert runs
    assert sleeps == [2.0]
    sequences_mock.assert_called("listSequences", times=1, status=503)


def test_retries_a_read_whose_connection_was_reset(
    sequences_mock, client: SequencesClient, sleeps: list[float]
) -> None:
    sequences_mock.fault("listSequences", network="reset")

    runs = client.active_runs(COLD_OUTREACH)

    assert runs
    assert sleeps == [1.0]
    sequences_mock.assert_called("listSequences", times=2)
    sequences_mock.assert_called("listSequences", times=1, network="reset")


def test_a_write_whose_connection_was_reset_is_not_sent_again(
    sequences_mock, client: SequencesClient, sleeps: list[float]
) -> None:
    sequences_mock.fault("pauseSequence", network="reset")

    with pytest.raises(httpx.TransportError):
        client.pause(AMELIE_RUN, sequences_mock.clock.now() + timedelta(days=1))

    assert sleeps == []
    # The mock applied it before the answer was lost: sending it again would pause twice.
    sequences_mock.assert_called("pauseSequence", times=1, status=200, network="reset")


def test_a_refusal_is_raised_and_not_retried(sequences_mock, client: SequencesClient) -> None:
    with pytest.raises(SequencesError) as refused:
        client.resume(AMELIE_RUN)

    assert (refused.value.status, refused.value.code) == (409, "invalid_state_transition")
    sequences_mock.assert_called("resumeSequence", times=1)


def test_pause_sends_the_deadline_in_utc(sequences_mock, client: SequencesClient) -> None:
    until = sequences_mock.clock.now() + timedelta(days=7)

    run = client.pause(AMELIE_RUN, until)

    assert run["status"] == "WAITING_FOR_LEAD"
    sequences_mock.assert_called(
        "pauseSequence",
        times=1,
        sequence_id=AMELIE_RUN,
        body={"paused_until": "2026-03-09T09:00:00Z"},
    )


def test_active_runs_reads_every_page(sequences_mock, client: SequencesClient) -> None:
    expected = sorted(
        (run["created_at"], run["id"])
        for run in sequences_mock.state()["sequences"]
        if run["template_id"] == COLD_OUTREACH and run["status"] == "ACTIVE"
    )

    runs = client.active_runs(COLD_OUTREACH, page_size=2)

    assert [run["id"] for run in runs] == [run_id for _, run_id in expected]
    pages = (len(expected) + 1) // 2
    assert pages > 1
    sequences_mock.assert_called("listSequences", times=pages)
    sequences_mock.assert_called(
        "listSequences", times=1, query={"status": "ACTIVE", "page": str(pages), "size": "2"}
    )


def test_a_run_seeded_into_the_world_is_listed(sequences_mock, client: SequencesClient) -> None:
    amelie = sequences_mock.sequence(AMELIE_RUN)
    seeded = {
        "id": "0b5e1a8e-0000-4000-8000-000000000001",
        "workspace_id": amelie["workspace_id"],
        # A run without a contact would fail at its first email, as soon as it is seeded.
        "contact_id": amelie["contact_id"],
        "template_id": COLD_OUTREACH,
        "status": "ACTIVE",
        "variables": {},
        "contact_list_id": None,
        "last_step_executed_at": None,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    sequences_mock.seed({"sequences": [seeded]}, mode="merge")

    runs = client.active_runs(COLD_OUTREACH)

    # Created before any run of the default world, so first in the oldest-first list.
    assert runs[0]["id"] == seeded["id"]


def test_resume_a_paused_run(sequences_mock, client: SequencesClient) -> None:
    client.pause(AMELIE_RUN, sequences_mock.clock.now() + timedelta(days=1))

    run = client.resume(AMELIE_RUN)

    assert run["status"] == "ACTIVE"
    sequences_mock.assert_called("resumeSequence", times=1, sequence_id=AMELIE_RUN, status=200)


def test_gives_up_after_three_rate_limited_attempts(
    sequences_mock, client: SequencesClient, sleeps: list[float]
) -> None:
    sequences_mock.fault("pauseSequence", 429, times=3, retry_after=1)

    with pytest.raises(SequencesError) as refused:
        client.pause(AMELIE_RUN, sequences_mock.clock.now() + timedelta(days=1))

    assert refused.value.code == "too_many_requests"
    assert sleeps == [1.0, 1.0]
    sequences_mock.assert_called("pauseSequence", times=3, status=429)
    assert sequences_mock.sequence(AMELIE_RUN)["status"] == "ACTIVE"


def test_a_read_only_key_cannot_pause(sequences_mock) -> None:
    key = sequences_mock.api_keys["acme_read_only"]
    client = SequencesClient.connect(sequences_mock.api_url, key)

    with client, pytest.raises(SequencesError) as refused:
        client.pause(AMELIE_RUN, sequences_mock.clock.now() + timedelta(days=1))

    assert refused.value.code == "insufficient_scope"


def test_a_naive_deadline_is_refused_before_any_call(
    sequences_mock, client: SequencesClient
) -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        client.pause(AMELIE_RUN, sequences_mock.clock.now().replace(tzinfo=None))

    assert sequences_mock.requests() == []


def test_in_process_without_a_socket(sequences_mock_app) -> None:
    key = sequences_mock_app.api_keys["acme_read_write"]
    client = SequencesClient(sequences_mock_app.client, key)

    client.stop(AMELIE_RUN, "LOSE")

    assert sequences_mock_app.sequence(AMELIE_RUN)["stop_reason"] == "LOSE"
    sequences_mock_app.assert_called("stopSequence", times=1, body={"reason": "LOSE"})


def test_stop_for_the_whole_company(sequences_mock, client: SequencesClient) -> None:
    stopped_before = stopped_runs(sequences_mock)

    run = client.stop(AMELIE_RUN, "WIN", scope="COMPANY")

    assert run["status"] == "STOPPED_EARLY"
    sequences_mock.assert_called(
        "stopSequence", times=1, body={"reason": "WIN", "scope": "COMPANY"}
    )
    # The runs of Amélie's three Initech colleagues on the same template stopped with hers.
    assert len(stopped_runs(sequences_mock) - stopped_before) == 4
    assert sequences_mock.sequence(AMELIE_RUN)["stop_reason"] == "WIN"


def stopped_runs(sequences_mock) -> set[str]:
    return {
        run["id"] for run in sequences_mock.state()["sequences"] if run["status"] == "STOPPED_EARLY"
    }
