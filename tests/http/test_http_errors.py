"""Routing errors as problems, and the check of responses against the contract."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from default_world import AMELIE_RUN, READ_WRITE, bearer
from http_helpers import SEQUENCE_KEYS, assert_problem
from sequences_mock.app import create_app
from sequences_mock.http.context import Context
from sequences_mock.http.views import Renderer, sequence_view
from sequences_mock.settings import Settings
from sequences_mock.state.runtime import Runtime
from sequences_mock.testing import SyncASGITransport

PAUSED_RUN = "3b6b9066-45e2-4114-b288-04dbff2fff15"


def allowed(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


@pytest.mark.parametrize("method", ["DELETE", "PUT", "POST"])
def test_wrong_method_on_a_sequence_is_405(acme: httpx.Client, method: str) -> None:
    """Unsupported methods on /v1/sequences/{id} are 405 with an Allow header of GET and PATCH."""
    response = acme.request(method, f"/v1/sequences/{AMELIE_RUN}")
    assert_problem(response, 405, "method_not_allowed")
    assert {"GET", "PATCH"} <= allowed(response)
    assert allowed(response) <= {"GET", "HEAD", "PATCH"}


@pytest.mark.parametrize("method", ["POST", "DELETE", "PATCH"])
def test_wrong_method_on_the_collection_is_405(acme: httpx.Client, method: str) -> None:
    """Only GET is served on /v1/sequences."""
    response = acme.request(method, "/v1/sequences")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in allowed(response)
    assert allowed(response) <= {"GET", "HEAD"}


@pytest.mark.parametrize("action", ["pause", "resume", "stop"])
def test_get_on_an_action_is_405(acme: httpx.Client, action: str) -> None:
    """Actions only take POST."""
    response = acme.get(f"/v1/sequences/{AMELIE_RUN}/{action}")
    assert_problem(response, 405, "method_not_allowed")
    assert allowed(response) == {"POST"}


def test_wrong_method_changes_nothing(acme: httpx.Client) -> None:
    """A DELETE that is refused with 405 leaves the run in place."""
    acme.delete(f"/v1/sequences/{AMELIE_RUN}")
    assert acme.get(f"/v1/sequences/{AMELIE_RUN}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nothing",
        "/v2/sequences",
        "/sequences",
        "/v1/sequences/",
        f"/v1/sequences/{AMELIE_RUN}/",
        f"/v1/sequences/{AMELIE_RUN}/pause/",
        f"/v1/sequences/{AMELIE_RUN}/archive",
    ],
)
def test_unknown_path_is_404_problem(acme: httpx.Client, path: str) -> None:
    """Unknown paths, trailing slashes included, are 404 problems and never redirects."""
    response = acme.get(path, follow_redirects=False)
    assert_problem(response, 404, "not_found")
    assert "location" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "headers", "status", "code"),
    [
        ("GET", "/v1/sequences", {}, {}, 401, "unauthenticated"),
        ("GET", "/v1/sequences", {}, bearer("sk_test_acme_write_only"), 403, "insufficient_scope"),
        ("GET", "/v1/sequences", {"params": {"page": "0"}}, None, 422, "validation_error"),
        ("GET", "/v1/sequences/00000000-0000-4000-8000-000000000000", {}, None, 404, "not_found"),
        (
            "PATCH",
            f"/v1/sequences/{AMELIE_RUN}",
            {"content": b"{", "headers": {"Content-Type": "application/json"}},
            None,
            400,
            "malformed_json",
        ),
        (
            "PATCH",
            f"/v1/sequences/{AMELIE_RUN}",
            {"content": b"{}", "headers": {"Content-Type": "text/plain"}},
            None,
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            f"/v1/sequences/{AMELIE_RUN}/resume",
            {},
            None,
            409,
            "invalid_state_transition",
        ),
        (
            "POST",
            f"/v1/sequences/{AMELIE_RUN}/pause",
            {"json": {"paused_until": "2026-03-02T09:00:00Z"}},
            None,
            422,
            "paused_until_not_in_future",
        ),
        ("DELETE", f"/v1/sequences/{AMELIE_RUN}", {}, None, 405, "method_not_allowed"),
        ("GET", "/v1/unknown", {}, None, 404, "not_found"),
    ],
)
def test_every_error_is_a_problem_document(
    client: httpx.Client,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    headers: dict[str, str] | None,
    status: int,
    code: str,
) -> None:
    """Each kind of refusal is application/problem+json with type, title, status, detail, code."""
    arguments = dict(kwargs)
    request_headers = dict(bearer(READ_WRITE) if headers is None else headers)
    request_headers.update(arguments.pop("headers", {}))
    response = client.request(method, path, headers=request_headers, **arguments)
    document = assert_problem(response, status, code)
    allowed_keys = {"type", "title", "status", "detail", "code", "errors"}
    assert set(document) <= allowed_keys
    assert ("errors" in document) == (code == "validation_error")


# -- response validation -------------------------------------------------------------------------


@pytest.fixture
def context(app: Starlette, runtime: Runtime) -> Context:
    """The app's HTTP context (renderer, checked items), on a freshly reset runtime."""
    context: Context = app.state.context
    return context


def with_extra_field(view: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def leaky(sequence: Any) -> dict[str, Any]:
        return {**view(sequence), "internal_note": "leaked"}

    return leaky


def with_bad_status(view: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def wrong(sequence: Any) -> dict[str, Any]:
        return {**view(sequence), "status": "PAUSED"}

    return wrong


@pytest.mark.parametrize(
    ("bug", "method", "path", "kwargs", "operation_id", "where"),
    [
        (with_extra_field, "GET", f"/v1/sequences/{AMELIE_RUN}", {}, "getSequence", "body at /:"),
        (with_extra_field, "GET", "/v1/sequences", {}, "listSequences", "body at /items/0:"),
        (with_bad_status, "PATCH", f"/v1/sequences/{AMELIE_RUN}", {"json": {"variables": {}}},
         "updateSequence", "body at /status:"),
        (with_bad_status, "POST", f"/v1/sequences/{PAUSED_RUN}/resume", {},
         "resumeSequence", "body at /status:"),
    ],
)  # fmt: skip
@pytest.mark.contract_violation_expected
def test_contract_violation_is_a_500_problem_and_logged(
    acme: httpx.Client,
    context: Context,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    bug: Callable[..., Any],
    method: str,
    path: str,
    kwargs: dict[str, Any],
    operation_id: str,
    where: str,
) -> None:
    """A handler answer that breaks the contract becomes 500 mock_contract_violation, logged."""
    monkeypatch.setattr(context, "renderer", Renderer(bug(sequence_view)))
    with caplog.at_level(logging.ERROR, logger="sequences_mock"):
        response = acme.request(method, path, **kwargs)
    document = assert_problem(response, 500, "mock_contract_violation")
    assert set(document) == {"type", "title", "status", "detail", "code"}
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert errors
    message = errors[-1].getMessage()
    assert operation_id in message
    assert where in message


@pytest.mark.contract_violation_expected
def test_extra_field_error_log_names_the_field(
    acme: httpx.Client,
    context: Context,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The logged violation says which property was unexpected."""
    monkeypatch.setattr(context, "renderer", Renderer(with_extra_field(sequence_view)))
    with caplog.at_level(logging.ERROR, logger="sequences_mock"):
        acme.get(f"/v1/sequences/{AMELIE_RUN}")
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("getSequence" in m and "internal_note" in m for m in messages)


@pytest.fixture
def unchecked_app() -> Starlette:
    """A separate app with response validation off, on the default fixtures."""
    return create_app(Settings(validate_responses=False))


@pytest.fixture
def unchecked(unchecked_app: Starlette) -> Iterator[httpx.Client]:
    """A client of the unchecked app with the Acme key."""
    app = unchecked_app
    with httpx.Client(
        transport=SyncASGITransport(app), base_url="http://mock", headers=bearer(READ_WRITE)
    ) as client:
        yield client


def test_without_response_validation_the_bug_passes_through(
    unchecked_app: Starlette,
    unchecked: httpx.Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With validate_responses=False the extra field reaches the client unchecked."""
    unchecked_app.state.context.renderer = Renderer(with_extra_field(sequence_view))
    with caplog.at_level(logging.ERROR, logger="sequences_mock"):
        response = unchecked.get(f"/v1/sequences/{AMELIE_RUN}")
    assert response.status_code == 200
    body = response.json()
    assert body["internal_note"] == "leaked"
    assert set(body) == {*SEQUENCE_KEYS, "internal_note"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_without_response_validation_correct_answers_are_unchanged(
    unchecked: httpx.Client,
) -> None:
    """Switching validation off does not alter a correct answer."""
    response = unchecked.get(f"/v1/sequences/{AMELIE_RUN}")
    assert response.status_code == 200
    assert set(response.json()) == SEQUENCE_KEYS
