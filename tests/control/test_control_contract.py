"""The control plane is contract-first: control.openapi.yaml routes it, checks its requests and
replies, and is served at /__mock/openapi.json and /__mock/openapi.yaml."""

from __future__ import annotations

import copy
import logging
from typing import Any
from uuid import uuid4

import httpx
import pytest
import yaml
from starlette.applications import Starlette
from starlette.routing import Route

from default_world import ACME, AMELIE_RUN, OLIVIA, RENEWAL_NUDGE, WAITING_ON_A_CALL
from sequences_mock.contract.openapi import CONTROL_OPENAPI, Contract
from sequences_mock.contract.validation import check_response
from sequences_mock.http.context import Context
from sequences_mock.http.control import ControlPlane
from sequences_mock.http.namespaces import Namespaces
from sequences_mock.settings import Settings
from sequences_mock.state.runtime import Runtime
from sequences_mock.state.snapshots import Snapshots
from sequences_mock.state.store import Store

CONTROL = Contract.load(CONTROL_OPENAPI)
#: A request per control operation; what it answers does not matter here, only that it is routed.
REQUESTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "getHealth": ("GET", "/__mock/health", {}),
    "resetWorld": ("POST", "/__mock/reset", {}),
    "seedWorld": ("POST", "/__mock/seed?mode=merge", {"json": {}}),
    "getState": ("GET", "/__mock/state", {}),
    "getClock": ("GET", "/__mock/clock", {}),
    "changeClock": ("POST", "/__mock/clock", {"json": {"advance_seconds": 1}}),
    "getChoices": ("GET", "/__mock/choices", {}),
    "changeChoices": ("POST", "/__mock/choices", {"json": {"choices": {"repause": "refuse"}}}),
    "listRequests": ("GET", "/__mock/requests", {}),
    "clearRequests": ("DELETE", "/__mock/requests", {}),
    "getCoverage": ("GET", "/__mock/coverage", {}),
    "listFaults": ("GET", "/__mock/faults", {}),
    "addFault": ("POST", "/__mock/faults", {"json": {"operation": "*", "delay_ms": 1}}),
    "clearFaults": ("DELETE", "/__mock/faults", {}),
    "getControlOpenapiJson": ("GET", "/__mock/openapi.json", {}),
    "getControlOpenapiYaml": ("GET", "/__mock/openapi.yaml", {}),
    "enrollContact": (
        "POST",
        "/__mock/enrollments",
        {"json": {"template_id": RENEWAL_NUDGE, "contact_id": OLIVIA}},
    ),
    "completeTask": (
        "POST",
        f"/__mock/sequences/{WAITING_ON_A_CALL}/task",
        {"json": {"outcome": "done"}},
    ),
    "getHistory": ("GET", f"/__mock/sequences/{AMELIE_RUN}/history", {}),
    "listRuns": ("GET", f"/__mock/sequences?workspace_id={ACME}&status=ACTIVE", {}),
    "getRun": ("GET", f"/__mock/sequences/{AMELIE_RUN}", {}),
    "listWorkspaces": ("GET", "/__mock/workspaces", {}),
    "getConsole": ("GET", "/__mock/ui", {}),
    "getConsoleScript": ("GET", "/__mock/ui/console.js", {}),
    "getConsoleStyle": ("GET", "/__mock/ui/console.css", {}),
    "listNamespaces": ("GET", "/__mock/namespaces", {}),
    "createNamespace": ("POST", "/__mock/namespaces", {"json": {"name": f"n-{uuid4().hex}"}}),
    "deleteNamespace": ("DELETE", "/__mock/namespaces/contract-gone", {}),
    "listSnapshots": ("GET", "/__mock/snapshots", {}),
    "saveSnapshot": ("POST", "/__mock/snapshots", {"json": {"name": "c", "replace": True}}),
    "restoreSnapshot": ("POST", "/__mock/snapshots/contract-kept/restore", {}),
    "deleteSnapshot": ("DELETE", "/__mock/snapshots/contract-gone", {}),
    "listEvents": ("GET", "/__mock/events", {}),
    "failRun": ("POST", f"/__mock/sequences/{AMELIE_RUN}/fail", {}),
    "changeContact": (
        "POST",
        f"/__mock/contacts/{OLIVIA}/changes",
        {"json": {"change": "unsubscribed"}},
    ),
}
#: What an operation needs to exist first (the app, and so its namespaces, lives a session).
SETUP: dict[str, tuple[str, str, dict[str, Any]]] = {
    "deleteNamespace": ("GET", "/ns/contract-gone/__mock/health", {}),
    "restoreSnapshot": (
        "POST",
        "/__mock/snapshots",
        {"json": {"name": "contract-kept", "replace": True}},
    ),
    "deleteSnapshot": (
        "POST",
        "/__mock/snapshots",
        {"json": {"name": "contract-gone", "replace": True}},
    ),
}


def test_the_control_document_is_served_as_json_and_yaml(client: httpx.Client) -> None:
    """Both forms are the packaged document, with their media types."""
    as_json = client.get("/__mock/openapi.json")
    as_yaml = client.get("/__mock/openapi.yaml")

    assert as_json.headers["content-type"] == "application/json"
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert as_yaml.content == CONTROL_OPENAPI.read_bytes()
    assert as_json.json() == yaml.safe_load(as_yaml.text) == CONTROL.document


def test_every_control_route_is_a_documented_operation(app: Starlette) -> None:
    """The routes under /__mock are exactly the document's paths and methods."""
    routed = {
        (route.path, method)
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/__mock/")
        for method in route.methods or ()
        if method != "HEAD"
    }

    assert routed == {(operation.path, operation.method) for operation in CONTROL.operations}
    assert set(REQUESTS) == {operation.operation_id for operation in CONTROL.operations}


@pytest.mark.parametrize("operation_id", REQUESTS)
def test_each_documented_operation_answers_as_declared(
    client: httpx.Client, operation_id: str
) -> None:
    """Each operation is served, with a status and body its operation declares."""
    method, path, kwargs = REQUESTS[operation_id]
    if operation_id in SETUP:
        setup_method, setup_path, setup_kwargs = SETUP[operation_id]
        assert client.request(setup_method, setup_path, **setup_kwargs).status_code < 400

    response = client.request(method, path, **kwargs)

    assert response.status_code < 400, response.text
    operation = CONTROL.operation(operation_id)
    document = response.json() if "json" in response.headers["content-type"] else None
    if document is not None:
        check_response(operation, response.status_code, document, response.headers)
    assert response.headers["content-type"].split(";")[0] == (
        operation.responses[response.status_code].media_type
    )


MiB = 1024 * 1024
JSON = "application/json"


def typed(content: bytes, media_type: str) -> dict[str, Any]:
    return {"content": content, "headers": {"Content-Type": media_type}}


@pytest.mark.parametrize(
    ("operation_id", "method", "path", "kwargs", "status"),
    [
        ("seedWorld", "POST", "/__mock/seed", typed(b"{", "application/json"), 400),
        ("seedWorld", "POST", "/__mock/seed", typed(b"a: [", "text/yaml"), 400),
        ("seedWorld", "POST", "/__mock/seed", typed(b"<x/>", "text/xml"), 415),
        ("seedWorld", "POST", "/__mock/seed?mode=append", {"json": {}}, 422),
        ("seedWorld", "POST", "/__mock/seed", {"json": {"workspaces": 1}}, 422),
        ("changeClock", "POST", "/__mock/clock", typed(b"{", "application/json"), 400),
        ("changeClock", "POST", "/__mock/clock", typed(b"{}", "text/plain"), 415),
        ("resetWorld", "POST", "/__mock/reset", typed(b"{}", "text/plain"), 415),
        ("changeClock", "POST", "/__mock/clock", {"json": {"advance_seconds": -1}}, 422),
        ("changeClock", "POST", "/__mock/clock", {"json": {"now": "2000-01-01T00:00:00Z"}}, 422),
        ("changeClock", "POST", "/__mock/clock", typed(b"x" * (MiB + 1), JSON), 413),
        ("addFault", "POST", "/__mock/faults", typed(b"", "application/json"), 400),
        ("addFault", "POST", "/__mock/faults", typed(b"{}", "text/plain"), 415),
        ("addFault", "POST", "/__mock/faults", {"json": {"operation": "nope", "status": 503}}, 422),
        ("listRequests", "GET", "/__mock/requests?status=abc&bogus=1", {}, 422),
    ],
)  # fmt: skip
def test_each_control_refusal_is_declared_for_its_operation(
    client: httpx.Client,
    operation_id: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    """Refusals are answered by the app's handlers, in a form the control document declares."""
    response = client.request(method, path, **kwargs)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    check_response(CONTROL.operation(operation_id), status, response.json(), response.headers)


@pytest.mark.contract_violation_expected
def test_a_control_reply_the_document_forbids_is_a_500_and_logged(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Control replies are checked like the API's: a bug shows as mock_contract_violation."""
    monkeypatch.setattr(Store, "counts", lambda self: {"sequences": -1})

    with caplog.at_level(logging.ERROR, logger="sequences_mock"):
        response = client.post("/__mock/reset")

    assert response.status_code == 500
    assert response.json()["code"] == "mock_contract_violation"
    assert any("resetWorld 200 body" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("path", "status"), [("/__mock/health?verbose=1", 200), ("/__mock/requests?verbose=1", 422)]
)
def test_only_strict_operations_refuse_undeclared_query_parameters(
    client: httpx.Client, path: str, status: int
) -> None:
    """The journal (`x-strict-query`) names an unknown filter; other operations ignore it."""
    response = client.get(path)

    assert response.status_code == status
    if status == 422:
        assert [error["name"] for error in response.json()["errors"]] == ["verbose"]


@pytest.mark.parametrize(
    "media_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_a_clock_change_a_page_could_send_unasked_is_refused(
    client: httpx.Client, media_type: str
) -> None:
    """A browser page of any origin may POST a form or text body without a preflight; the
    control plane takes JSON only, so such a body changes nothing."""
    response = client.post(
        "/__mock/clock",
        content=b'{"now": "2053-01-01T00:00:00Z"}',
        headers={"Content-Type": media_type},
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert client.get("/__mock/clock").json()["now"] == "2026-03-02T09:00:00Z"


def test_the_journal_filter_must_list_the_public_operations() -> None:
    """The control document repeats the public operationIds; a drift fails at start-up."""
    document = copy.deepcopy(CONTROL.document)
    document["components"]["schemas"]["OperationId"]["enum"].remove("stopSequence")
    context = Context(Settings(), Runtime.from_fixtures(), Contract.load(), Contract(document, b""))

    with pytest.raises(RuntimeError, match="stopSequence"):
        ControlPlane(context, Namespaces(context, Snapshots(), _no_app, limit=0))


def _no_app(context: Context, namespaces: Namespaces) -> Starlette:
    raise AssertionError("no namespace is served here")


def test_an_enrollment_with_more_overrides_than_a_run_holds_is_refused(
    client: httpx.Client,
) -> None:
    """Enrolled runs keep the public API's limits, so they can be dumped and seeded back."""
    variables = {f"v{index}": "x" for index in range(101)}
    body = {"template_id": RENEWAL_NUDGE, "contact_id": OLIVIA, "variables": variables}

    response = client.post("/__mock/enrollments", json=body)

    assert response.status_code == 422
    assert [error["name"] for error in response.json()["errors"]] == ["variables"]
