"""A client generated from control.openapi.yaml types the control plane's answers, errors too.

Generated with warnings fatal. The generator knows no YAML media type, so the config maps the
seed's YAML bodies and the YAML document to bytes (`content_type_overrides`); nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from uuid import UUID

import pytest
from starlette.applications import Starlette

from default_world import AMELIE_RUN
from generated_clients import generated_package
from sequences_mock.contract.openapi import CONTROL_OPENAPI
from sequences_mock.state.runtime import Runtime
from sequences_mock.testing import SyncASGITransport

PACKAGE = "sequences_mock_control_client"
YAML_AS_BYTES = "content_type_overrides:\n" + "".join(
    f"  {media_type}: application/octet-stream\n"
    for media_type in ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
)
UNKNOWN_RUN = UUID("00000000-0000-4000-8000-000000000000")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("generated")
    document = root / "control.openapi.yaml"
    document.write_text(CONTROL_OPENAPI.read_text())
    with generated_package(document, root, PACKAGE, YAML_AS_BYTES) as package:
        yield package


@pytest.fixture
def control(generated: ModuleType, app: Starlette, runtime: Runtime) -> Iterator[Any]:
    """A `Client` of the generated package on the freshly reset in-process mock; a status the
    document does not declare would raise `UnexpectedStatus`."""
    client = generated.Client(
        base_url="http://mock/__mock",
        raise_on_unexpected_status=True,
        httpx_args={"transport": SyncASGITransport(app)},
    )
    with client as entered:
        yield entered


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_404_parses_into_not_found_problem(control: Any) -> None:
    get_history = _module("api.lifecycle.get_history")
    models = _module("models")

    response = get_history.sync_detailed(str(UNKNOWN_RUN), client=control)

    assert response.status_code == 404
    assert isinstance(response.parsed, models.NotFoundProblem)
    assert response.parsed.code == models.NotFoundProblemCode.NOT_FOUND
    assert str(UNKNOWN_RUN) in response.parsed.detail


def test_a_409_parses_into_invalid_state_transition_problem(control: Any) -> None:
    """Completing the task of an ACTIVE run, which waits on nobody."""
    complete_task = _module("api.lifecycle.complete_task")
    models = _module("models")
    done = models.TaskRequest(outcome=models.TaskRequestOutcome.DONE)

    response = complete_task.sync_detailed(AMELIE_RUN, client=control, body=done)

    assert response.status_code == 409
    assert isinstance(response.parsed, models.InvalidStateTransitionProblem)
    assert "ACTIVE" in response.parsed.detail


def test_a_422_parses_into_a_clock_problem_with_its_errors(control: Any) -> None:
    """A clock change with both `now` and `advance_seconds`: the typed problem lists why."""
    change_clock = _module("api.clock.change_clock")
    models = _module("models")
    both = models.ClockChange.from_dict({"now": "2027-01-01T00:00:00Z", "advance_seconds": 1})

    response = change_clock.sync_detailed(client=control, body=both)

    assert response.status_code == 422
    problem = response.parsed
    assert isinstance(problem, models.InvalidClockChangeProblem)
    assert problem.code == models.InvalidClockChangeProblemCode.VALIDATION_ERROR
    assert all(isinstance(error, models.FieldError) for error in problem.errors)


def test_a_clock_move_and_the_events_it_fired_parse(control: Any) -> None:
    change_clock = _module("api.clock.change_clock")
    list_events = _module("api.lifecycle.list_events")
    models = _module("models")

    moved = change_clock.sync(client=control, body=models.ClockChange(advance_seconds=30 * 86400))
    feed = list_events.sync(client=control, since=moved.first_seq - 1, limit=moved.fired)

    assert isinstance(feed, models.Events)
    assert [event.seq for event in feed.events] == list(range(moved.first_seq, moved.last_seq + 1))
    assert all(event.cause == models.Cause.CLOCK for event in feed.events)
