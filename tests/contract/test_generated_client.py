"""A client generated from openapi.yaml by openapi-python-client sees the mock's errors as models.

Generators drop a response they cannot type: the allOf overlays once made openapi-python-client
omit every error response (55 warnings), so a generated client returned None for a 404. Here a
client is generated with warnings fatal, imported, and pointed at an in-process mock.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import httpx
import pytest
from starlette.applications import Starlette

from default_world import AMELIE_RUN, READ_WRITE
from generated_clients import generated_package
from sequences_mock.state.runtime import Runtime
from sequences_mock.testing import SyncASGITransport

ROOT_OPENAPI = Path(__file__).parents[2] / "openapi.yaml"
PACKAGE = "sequences_api_client"
UNKNOWN_RUN = UUID("00000000-0000-4000-8000-000000000000")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, importable for this module's tests only."""
    with generated_package(ROOT_OPENAPI, tmp_path_factory.mktemp("generated"), PACKAGE) as package:
        yield package


@pytest.fixture
def api(generated: ModuleType, app: Starlette, runtime: Runtime) -> Iterator[Any]:
    """An `AuthenticatedClient` of the generated package on the freshly reset in-process mock.

    Any status the document does not declare would raise `UnexpectedStatus`.
    """
    client = generated.AuthenticatedClient(
        base_url="http://mock/v1",
        token=READ_WRITE,
        raise_on_unexpected_status=True,
        httpx_args={"transport": SyncASGITransport(app)},
    )
    with client as entered:
        yield entered


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_404_parses_into_not_found_problem(api: Any) -> None:
    """Another workspace's or an unknown run: a typed NotFoundProblem, not None."""
    get_sequence = _module("api.sequences.get_sequence")
    models = _module("models")

    response = get_sequence.sync_detailed(UNKNOWN_RUN, client=api)

    assert response.status_code == 404
    problem = response.parsed
    assert isinstance(problem, models.NotFoundProblem)
    assert problem.code == models.NotFoundProblemCode.NOT_FOUND
    assert problem.status == models.NotFoundProblemStatus.VALUE_404
    assert str(UNKNOWN_RUN) in problem.detail


def test_a_409_parses_into_invalid_state_transition_problem(api: Any) -> None:
    """Resuming an ACTIVE run is refused; the client gets the model with its code."""
    resume_sequence = _module("api.sequences.resume_sequence")
    models = _module("models")

    response = resume_sequence.sync_detailed(UUID(AMELIE_RUN), client=api)

    assert response.status_code == 409
    problem = response.parsed
    assert isinstance(problem, models.InvalidStateTransitionProblem)
    assert problem.code == models.InvalidStateTransitionProblemCode.INVALID_STATE_TRANSITION
    assert "ACTIVE" in problem.detail


def test_a_422_parses_into_validation_problem_with_its_errors(api: Any) -> None:
    """A bad query parameter: ValidationProblem, each error a typed FieldError."""
    list_sequences = _module("api.sequences.list_sequences")
    models = _module("models")

    response = list_sequences.sync_detailed(client=api, size=0)

    assert response.status_code == 422
    problem = response.parsed
    assert isinstance(problem, models.ValidationProblem)
    assert problem.code == models.ValidationProblemCode.VALIDATION_ERROR
    [error] = problem.errors
    assert isinstance(error, models.FieldError)
    assert (error.in_, error.name) == (models.FieldErrorIn.QUERY, "size")


def test_a_past_pause_deadline_parses_into_pause_refused_problem(api: Any) -> None:
    """The pause operation's own 422 names both of its codes as one enum."""
    pause_sequence = _module("api.sequences.pause_sequence")
    models = _module("models")
    past = models.PauseSequenceRequest.from_dict({"paused_until": "2020-01-01T00:00:00Z"})

    response = pause_sequence.sync_detailed(UUID(AMELIE_RUN), client=api, body=past)

    assert response.status_code == 422
    assert isinstance(response.parsed, models.PauseRefusedProblem)
    assert response.parsed.code == models.PauseRefusedProblemCode.PAUSED_UNTIL_NOT_IN_FUTURE


def test_a_success_still_parses_into_the_sequence_model(api: Any) -> None:
    """The 200 path is unchanged: a Sequence with typed fields."""
    get_sequence = _module("api.sequences.get_sequence")
    models = _module("models")

    sequence = get_sequence.sync(UUID(AMELIE_RUN), client=api)

    assert isinstance(sequence, models.Sequence)
    assert sequence.status == models.SequenceStatus.ACTIVE


def test_an_injected_gateway_timeout_parses_too(api: Any, client: httpx.Client) -> None:
    """A 504 queued through the control plane is a declared, typed answer, not an exception."""
    get_sequence = _module("api.sequences.get_sequence")
    models = _module("models")
    queued = client.post("/__mock/faults", json={"operation": "getSequence", "status": 504})
    assert queued.status_code == 201, queued.text

    response = get_sequence.sync_detailed(UUID(AMELIE_RUN), client=api)

    assert response.status_code == 504
    assert isinstance(response.parsed, models.GatewayTimeoutProblem)
