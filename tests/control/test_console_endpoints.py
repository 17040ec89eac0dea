"""The console's page and the control-plane reads it needs: a workspace's runs page by page,
one run of any workspace, and the workspaces with their templates and keys."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from default_world import (
    ACME,
    AMELIE_RUN,
    COLD_OUTREACH,
    GLOBEX,
    OLIVIA,
    READ_WRITE,
    RENEWAL_NUDGE,
)
from sequences_mock.app import create_app
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport

FILES = {
    "/__mock/ui": "text/html",
    "/__mock/ui/console.js": "text/javascript",
    "/__mock/ui/console.css": "text/css",
}


@pytest.mark.parametrize(("path", "media_type"), FILES.items())
def test_the_console_files_are_served_confined(
    client: httpx.Client, path: str, media_type: str
) -> None:
    """Own scripts, styles and connections only; never framed (its buttons change the world)."""
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_the_page_loads_only_its_own_files(client: httpx.Client) -> None:
    page = client.get("/__mock/ui").text

    assert set(re.findall(r'<(?:link|script)[^>]* (?:src|href)="([^"]*)"', page)) == {
        "ui/console.css",
        "ui/console.js",
        "data:,",
    }


def test_a_guarded_mock_serves_the_page_but_nothing_of_the_world_without_the_token() -> None:
    app: Starlette = create_app(Settings(control_token="s3cret"))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        assert [client.get(path).status_code for path in FILES] == [200, 200, 200]
        for path in ("/__mock/workspaces", f"/__mock/sequences?workspace_id={ACME}"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_runs_are_paged_by_the_mock_newest_first(client: httpx.Client) -> None:
    first = client.get("/__mock/sequences", params={"workspace_id": ACME, "size": 5}).json()
    second = client.get(
        "/__mock/sequences", params={"workspace_id": ACME, "size": 5, "page": 2}
    ).json()

    assert (first["total"], first["page"], first["size"], len(first["runs"])) == (58, 1, 5, 5)
    assert second["total"] == 58
    created = [run["created_at"] for run in first["runs"] + second["runs"]]
    assert created == sorted(created, reverse=True)
    assert not {run["id"] for run in first["runs"]} & {run["id"] for run in second["runs"]}


def test_runs_filter_by_status_and_template_with_their_progress(client: httpx.Client) -> None:
    query = {"workspace_id": ACME, "status": "ACTIVE", "template_id": COLD_OUTREACH, "size": 100}
    page = client.get("/__mock/sequences", params=query).json()

    assert page["runs"]
    assert page["total"] == len(page["runs"])
    for run in page["runs"]:
        assert (run["status"], run["template_id"], run["workspace_id"]) == (
            "ACTIVE",
            COLD_OUTREACH,
            ACME,
        )
        assert {"next_step", "next_step_at"} <= run.keys()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"workspace_id": ACME, "size": 101},
        {"workspace_id": ACME, "status": "PAUSED"},
        {"workspace_id": ACME, "statuses": "ACTIVE"},
    ],
    ids=["no workspace", "page too big", "unknown status", "unknown parameter"],
)
def test_a_bad_runs_query_is_refused(client: httpx.Client, query: dict[str, object]) -> None:
    response = client.get("/__mock/sequences", params=query)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_one_run_of_any_workspace_in_the_fixture_format(client: httpx.Client) -> None:
    run = client.get(f"/__mock/sequences/{AMELIE_RUN}").json()
    missing = client.get("/__mock/sequences/00000000-0000-4000-8000-000000000000")

    assert run["id"] == AMELIE_RUN
    assert "next_step" in run
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_the_workspaces_count_their_runs_by_status_now(client: httpx.Client) -> None:
    before = client.get("/__mock/workspaces").json()["workspaces"][0]["runs"]
    client.post(
        "/__mock/enrollments", json={"template_id": RENEWAL_NUDGE, "contact_id": OLIVIA}
    ).raise_for_status()
    client.post("/__mock/clock", json={"advance_seconds": 600}).raise_for_status()
    after = client.get("/__mock/workspaces").json()["workspaces"][0]["runs"]

    assert sum(after.values()) == sum(before.values()) + 1
    assert after["ACTIVE"] == before["ACTIVE"] + 1


def test_the_workspaces_name_their_templates_steps_and_keys(client: httpx.Client) -> None:
    workspaces = {w["id"]: w for w in client.get("/__mock/workspaces").json()["workspaces"]}

    assert set(workspaces) == {ACME, GLOBEX}
    acme = workspaces[ACME]
    keys = {key["key"]: key["scopes"] for key in acme["api_keys"]}
    assert keys[READ_WRITE] == ["sequences:read", "sequences:write"]
    assert sum(acme["runs"].values()) == 58
    assert sum(workspaces[GLOBEX]["runs"].values()) == 14
    cold = next(t for t in acme["templates"] if t["id"] == COLD_OUTREACH)
    assert cold["steps"][0] == {"type": "email", "wait_seconds": 0}
    assert cold["steps"][1] == {"type": "email", "wait_seconds": 3 * 86400}
