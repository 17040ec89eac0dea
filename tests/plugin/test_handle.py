"""The handle's messages and inputs, through the plugin's in-process fixture (no socket).

Seeding with Python values, refusals that list their problems, `assert_called` refusing what
could never match, and a clock that says (and does) what the mock does.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from sequences_mock.pytest_plugin import InProcessMock
from sequences_mock.testing import ControlError, MockClock, MockHandle

WORKSPACE = uuid.UUID("00000000-0000-4000-8000-000000000001")
TEMPLATE = "00000000-0000-4000-8000-000000000002"
RUN = "00000000-0000-4000-8000-000000000003"
KEY = "sk_test_tiny_read_write"


class Status(enum.StrEnum):
    ACTIVE = "ACTIVE"


def tiny_world(**sequence: Any) -> dict[str, Any]:
    """One workspace, key, template and run, built as a test naturally would in Python."""
    return {
        "clock": {"now": datetime(2026, 1, 2, tzinfo=UTC), "frozen": True},
        "workspaces": [{"id": WORKSPACE, "name": "Tiny Co"}],
        "api_keys": [
            {
                "key": KEY,
                "name": "tiny",
                "workspace_id": WORKSPACE,
                "scopes": {"sequences:write", "sequences:read"},
            }
        ],
        "templates": [{"id": TEMPLATE, "workspace_id": WORKSPACE, "name": "T", "variables": {}}],
        "sequences": [
            {
                "id": RUN,
                "workspace_id": WORKSPACE,
                "contact_id": None,
                "template_id": TEMPLATE,
                "status": Status.ACTIVE,
                "variables": {},
                "contact_list_id": None,
                "last_step_executed_at": date(2025, 12, 31),
                "created_at": datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
                "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
                **sequence,
            }
        ],
    }


def test_seed_takes_datetimes_dates_uuids_enums_and_sets(sequences_mock_app: InProcessMock):
    sequences_mock_app.seed(tiny_world())

    (run,) = sequences_mock_app.state()["sequences"]
    assert run["workspace_id"] == str(WORKSPACE)
    assert run["status"] == "ACTIVE"
    assert run["last_step_executed_at"] == "2025-12-31T00:00:00Z"
    assert run["created_at"] == "2026-01-01T00:00:00Z"  # 01:00 at +01:00, as a UTC instant
    assert sequences_mock_app.clock.now() == datetime(2026, 1, 2, tzinfo=UTC)
    assert sequences_mock_app.api_keys["tiny"] == KEY


def test_a_naive_datetime_is_refused_by_path_before_any_request(
    sequences_mock_app: InProcessMock,
):
    with pytest.raises(
        ValueError, match=r"sequences\[0\]\.updated_at: .* naive datetime"
    ) as raised:
        sequences_mock_app.seed(tiny_world(updated_at=datetime(2026, 1, 1)))

    assert "UTC" in str(raised.value)
    assert sequences_mock_app.requests() == []
    assert len(sequences_mock_app.state()["sequences"]) == 72  # the default world, untouched


def test_a_value_no_fixture_holds_is_refused_by_path(sequences_mock_app: InProcessMock):
    with pytest.raises(TypeError, match=r"sequences\[0\]\.variables: a bytes is not fixture data"):
        sequences_mock_app.seed(tiny_world(variables=b"cta"))


def test_a_refused_seed_lists_its_problems_by_path(sequences_mock_app: InProcessMock):
    world = tiny_world(template_id="00000000-0000-4000-8000-00000000dead", status="NOPE")
    del world["workspaces"][0]["name"]

    with pytest.raises(ControlError) as refused:
        sequences_mock_app.seed(world)

    message = str(refused.value)
    assert message.startswith("POST /__mock/seed answered 422: the fixture document has")
    assert "\n  workspaces[0].name: is required" in message
    assert "\n  sequences[0].status: " in message
    assert (refused.value.status, refused.value.code) == (422, "invalid_fixtures")
    assert len(refused.value.problems) == len(message.splitlines()) - 1


def test_a_long_list_of_problems_is_cut_and_kept_whole_on_the_error(
    sequences_mock_app: InProcessMock,
):
    runs = [{"id": f"00000000-0000-4000-8000-{n:012d}"} for n in range(30)]

    with pytest.raises(ControlError) as refused:
        sequences_mock_app.seed({"sequences": runs})

    lines = str(refused.value).splitlines()
    assert len(lines) == 1 + 20 + 1
    hidden = len(refused.value.problems) - 20
    assert hidden > 0
    assert lines[-1] == f"  ... and {hidden} more (ControlError.problems holds them all)"


def test_assert_called_refuses_an_unknown_keyword_even_without_calls(
    sequences_mock_app: InProcessMock,
):
    with pytest.raises(TypeError) as refused:
        sequences_mock_app.assert_called("getSequence", times=0, sequense_id=RUN)

    message = str(refused.value)
    assert "cannot match on 'sequense_id'" in message
    assert "status" in message
    assert "a path parameter of getSequence (sequence_id)" in message


def test_assert_called_refuses_an_unknown_operation_and_a_bad_times(
    sequences_mock_app: InProcessMock,
):
    with pytest.raises(ValueError, match=r"no operation 'getSequences'.*use one of listSequences"):
        sequences_mock_app.assert_called("getSequences")
    with pytest.raises(ValueError, match="times must be a whole number"):
        sequences_mock_app.assert_called("getSequence", times=-1)


def test_assert_called_matches_path_parameters_and_journal_fields(
    sequences_mock_app: InProcessMock,
):
    key = sequences_mock_app.api_keys["acme_read_write"]
    run = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"
    sequences_mock_app.client.get(f"/sequences/{run}", headers={"Authorization": f"Bearer {key}"})

    (call,) = sequences_mock_app.assert_called("getSequence", times=1, sequence_id=run, status=200)
    assert call["path_params"] == {"sequence_id": run}
    sequences_mock_app.assert_called("listSequences", times=0, query={})


def test_the_clock_moves_forward_only_and_says_so(sequences_mock_app: InProcessMock):
    start = sequences_mock_app.clock.now()
    assert "refuses to go back" in (MockClock.set.__doc__ or "")

    assert sequences_mock_app.clock.set(start + timedelta(hours=1)).now == start + timedelta(
        hours=1
    )
    with pytest.raises(ControlError) as refused:
        sequences_mock_app.clock.set(start)

    assert refused.value.code == "invalid_clock_change"
    assert sequences_mock_app.clock.now() == start + timedelta(hours=1)
    sequences_mock_app.reset()
    assert sequences_mock_app.clock.now() == start


def test_api_keys_follow_seeds_and_resets(sequences_mock_app: InProcessMock):
    assert sequences_mock_app.api_keys["acme_read_write"] == "sk_test_acme_read_write"

    sequences_mock_app.seed(tiny_world())
    assert list(sequences_mock_app.api_keys) == ["tiny"]

    sequences_mock_app.reset()
    assert "acme_read_write" in sequences_mock_app.api_keys
    assert "tiny" not in sequences_mock_app.api_keys


def test_the_socket_handle_offers_a_pooled_api_client_with_a_key(
    sequences_mock: MockHandle,
) -> None:
    """One client for the session, at the API, sending a read-write key of the world."""
    client = sequences_mock.client

    response = client.get("/sequences/1ca9fa48-7489-48e1-a93b-8d5a708d3342")

    assert response.status_code == 200
    assert sequences_mock.client is client
    assert str(client.base_url) == f"{sequences_mock.api_url}/"
    sequences_mock.assert_called("getSequence", times=1, api_key="…rite")


def test_the_in_process_client_is_the_sessions_and_counts_its_calls(
    sequences_mock_app: InProcessMock, request: pytest.FixtureRequest
) -> None:
    """Shared by the session's handles, as the socket fixture's is: making one per test cost
    each test a client."""
    client = sequences_mock_app.client
    key = sequences_mock_app.api_keys["acme_read_write"]

    response = client.get(
        "/sequences/1ca9fa48-7489-48e1-a93b-8d5a708d3342",
        headers={"Authorization": f"Bearer {key}"},
    )

    assert response.status_code == 200
    assert client is request.getfixturevalue("_sequences_mock_in_process").client
    sequences_mock_app.close()  # what the fixture does after each test
    assert not client.is_closed
    sequences_mock_app.assert_called("getSequence", times=1)
