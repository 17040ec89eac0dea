"""`sequences-mock verify` end to end, on real sockets: against the mock itself, against a mock
whose choices are switched, and against a vendor double that breaks the contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from asgi_server import served
from default_world import GLOBEX_READ_WRITE, READ_WRITE
from sequences_mock.cli import main
from sequences_mock.server import MockServer
from vendor_double import KEY, OTHER_KEY, VendorDouble

#: Runs of the default world the write probes are allowed to change.
ACTIVE_WITH_VARIABLES = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"  # Initech, "Cold outreach"
WAITING_FOR_USER = "6f4819ef-9c65-48b5-8747-d45fa9a93cc8"
WEBINAR_ACTIVE = "23d46d33-ab66-4de7-9aef-361dcab03c42"
#: A WAITING_FOR_LEAD "Cold outreach" run at Initech, and other runs there (all statuses).
COMPANY_STOP = "3b6b9066-45e2-4114-b288-04dbff2fff15"
SAME_COMPANY = [
    "c889ccc2-a429-4f59-9d0f-db892616c6a9",  # WAITING_FOR_USER
    "52b3e749-7631-46df-b9d7-89edaf8fa5f2",  # FOUND
    "ff8d68ee-fc7d-4d7d-8591-d03e90ec86ec",  # SUCCEEDED
    ACTIVE_WITH_VARIABLES,  # ACTIVE again once its write probe is done
]
SWITCHED = {
    "company_stop_scope": "active",
    "variables_view": "merged",
    "repause": "refuse",
    "resume_when_not_paused": "noop",
}
#: Every switchable choice of the register on its other option.
ALL_SWITCHED = {
    **SWITCHED,
    "pause_from": "unfinished",
    "stop_scope_default": "required",
    "noop_update_timestamp": "keep",
    "unknown_query_parameter": "reject",
    "update_from": "unfinished",
}


def mock_target(choices: dict[str, str]) -> Iterator[str]:
    """A mock of the default world on a socket, its clock running, with `choices` switched."""
    with MockServer() as server, httpx.Client(base_url=server.url) as control:
        assert control.post("/__mock/clock", json={"frozen": False}).status_code == 200
        if choices:
            switched = control.post("/__mock/choices", json={"choices": choices})
            assert switched.status_code == 200, switched.text
        yield server.url


@pytest.fixture
def mock_url() -> Iterator[str]:
    yield from mock_target({})


@pytest.fixture(params=[SWITCHED, ALL_SWITCHED], ids=["four switched", "all switched"])
def switched(request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, str]]]:
    for url in mock_target(request.param):
        yield url, request.param


def run_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any], str]:
    """Exit status, JSON report and terminal output of one verify run."""
    report = tmp_path / "report.json"
    status = main(["verify", *args, "--rate", "1000", "--report", str(report)], environ={})
    out = capsys.readouterr().out
    return status, json.loads(report.read_text()), out


def mock_writes() -> list[str]:
    return [
        "--write-run",
        ACTIVE_WITH_VARIABLES,
        "--write-run",
        WAITING_FOR_USER,
        "--stop-run",
        WEBINAR_ACTIVE,
        "--company-stop-run",
        COMPANY_STOP,
        *[arg for run in SAME_COMPANY for arg in ("--same-company-run", run)],
    ]


def verdicts(report: dict[str, Any], verdict: str) -> dict[str, Any]:
    return {
        choice: seen["observed_option"]
        for choice, seen in report["choices"].items()
        if seen["verdict"] == verdict
    }


def problems(report: dict[str, Any]) -> list[str]:
    return [f["detail"] for f in report["findings"] if f["kind"] != "choice"]


def test_the_mock_itself_keeps_every_choice_and_the_contract(
    mock_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against the mock: exit 0, nothing contradicted, nothing violated, and each switchable
    choice the named runs can show is confirmed with its default."""
    status, report, out = run_verify(
        tmp_path,
        capsys,
        "--base-url",
        mock_url,
        "--key",
        READ_WRITE,
        "--other-key",
        GLOBEX_READ_WRITE,
        *mock_writes(),
    )

    assert (status, problems(report), verdicts(report, "contradicted")) == (0, [], {})
    confirmed = verdicts(report, "confirmed")
    assert confirmed == {
        "company_stop_scope": "unfinished",
        "variables_view": "overrides",
        "pause_from": "active",
        "repause": "replace",
        "resume_when_not_paused": "refuse",
        "stop_scope_default": "contact",
        "noop_update_timestamp": "touch",
        "unknown_query_parameter": "ignore",
        "update_from": "any",
        "auth_scheme": "bearer",
        "base_path": "v1",
        "error_body": "problem_json",
        "refused_transition_status": "409",
        "stop_reason": "required",
        "list_order_ties": "by_id",
    }
    assert "no contract violations, no broken invariants" in out
    assert READ_WRITE not in out


def test_a_mock_with_switched_choices_is_contradicted_in_exactly_those(
    switched: tuple[str, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Choices switched on the target (four, then every switchable one): each contradicted
    with the target's option, and nothing else; `--choices-out` pins them in a fixture."""
    switched_url, choices = switched
    snippet = tmp_path / "choices.yaml"
    status, report, _ = run_verify(
        tmp_path,
        capsys,
        "--base-url",
        switched_url + "/v1",
        "--key",
        READ_WRITE,
        "--choices-out",
        str(snippet),
        *mock_writes(),
    )

    assert (status, problems(report)) == (1, [])
    assert verdicts(report, "contradicted") == choices
    assert yaml.safe_load(snippet.read_text()) == {"choices": choices}


def test_a_vendor_double_has_each_break_reported_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The double breaks the contract five ways: each is reported, and nothing else is; of
    the choices, only the error body (the same break) is contradicted."""
    double = VendorDouble()
    with served(double.app) as url:
        status, report, out = run_verify(
            tmp_path,
            capsys,
            "--base-url",
            url,
            "--key",
            KEY,
            "--other-key",
            OTHER_KEY,
            "--write-run",
            "44444444-4444-4444-8444-000000000000",
            "--stop-run",
            "44444444-4444-4444-8444-000000000001",
        )

    found = problems(report)
    breaks = {
        "extra field": [p for p in found if "'owner_email' was unexpected" in p],
        "missing field": [p for p in found if '"last_step_executed_at" is a required' in p],
        "error body": [
            p
            for p in found
            if "is application/json, not application/problem+json" in p
            or '"type" is a required property' in p
        ],
        "400 for a 422": [p for p in found if "answered 400, which it does not declare" in p],
        "no WWW-Authenticate": [p for p in found if "lacks the www-authenticate header" in p],
    }
    assert status == 1
    assert [name for name, seen in breaks.items() if not seen] == []
    assert sorted(p for seen in breaks.values() for p in seen) == sorted(found)
    assert verdicts(report, "contradicted") == {"error_body": "other"}
    assert {"variables_view", "repause", "resume_when_not_paused"} <= verdicts(
        report, "confirmed"
    ).keys()
    assert KEY not in out
    assert KEY not in (tmp_path / "report.json").read_text()
