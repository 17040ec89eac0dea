"""The control plane under /__mock: health, reset, seed, state and clock."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
import yaml

from default_world import (
    AMELIE_RUN,
    CLOCK_START,
    GLOBEX_READ_WRITE,
    READ_WRITE,
    bearer,
    sequences_in_state,
)
from sequences_mock.app import create_app
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport

ACME_WS = "11111111-1111-4111-8111-111111111111"
TEMPLATE = "22222222-2222-4222-8222-222222222222"
RUN = "33333333-3333-4333-8333-333333333333"
KEY = "sk_test_tiny_world"


def tiny_world(**sequence_changes: Any) -> dict[str, Any]:
    """A minimal valid fixture document: one workspace, key, template and ACTIVE run."""
    sequence = {
        "id": RUN,
        "workspace_id": ACME_WS,
        "contact_id": None,
        "template_id": TEMPLATE,
        "status": "ACTIVE",
        "variables": {"first_name": "Zoë"},
        "contact_list_id": None,
        "last_step_executed_at": None,
        "created_at": "2026-05-01T12:00:00Z",
        "updated_at": "2026-05-01T12:00:00Z",
        **sequence_changes,
    }
    return {
        "clock": {"now": "2026-05-02T00:00:00Z", "frozen": True},
        "workspaces": [{"id": ACME_WS, "name": "Tiny"}],
        "api_keys": [{"key": KEY, "workspace_id": ACME_WS, "scopes": ["sequences:read"]}],
        "templates": [{"id": TEMPLATE, "workspace_id": ACME_WS, "name": "T", "variables": {}}],
        "sequences": [sequence],
    }


def state(client: httpx.Client) -> dict[str, Any]:
    return client.get("/__mock/state").json()


def test_health_answers_ok(client):
    """GET /__mock/health is 200 without any API key."""
    response = client.get("/__mock/health")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_reset_restores_state_and_clock_after_writes(client):
    """Reset undoes writes and clock moves, back to the fixtures the server started with."""
    before = state(client)
    client.post(
        f"/v1/sequences/{AMELIE_RUN}/stop",
        json={"reason": "WIN", "scope": "COMPANY"},
        headers=bearer(READ_WRITE),
    )
    client.post("/__mock/clock", json={"advance_seconds": 86400})
    assert state(client) != before

    response = client.post("/__mock/reset")

    assert response.status_code == 200
    assert response.json()["clock"] == {"now": CLOCK_START, "frozen": True}
    assert response.json()["counts"]["sequences"] == len(before["sequences"])
    assert state(client) == before


def test_reset_goes_back_to_startup_fixtures_not_to_a_later_seed(client):
    """A seeded world is replaced by the startup fixtures on reset."""
    before = state(client)
    assert client.post("/__mock/seed", json=tiny_world()).status_code == 200

    client.post("/__mock/reset")

    assert state(client) == before


def test_seed_replace_swaps_the_whole_world(client):
    """Seeding replaces every collection; old keys stop working, new ones start."""
    response = client.post("/__mock/seed", json=tiny_world())

    assert response.status_code == 200
    assert response.json()["counts"]["sequences"] == 1
    assert response.json()["clock"] == {"now": "2026-05-02T00:00:00Z", "frozen": True}
    assert client.get("/v1/sequences", headers=bearer(READ_WRITE)).status_code == 401
    listed = client.get("/v1/sequences", headers=bearer(KEY)).json()
    assert [item["id"] for item in listed["items"]] == [RUN]
    assert listed["items"][0]["variables"] == {"first_name": "Zoë"}


def test_seed_accepts_yaml(client):
    """A YAML body with Content-Type application/yaml seeds like JSON, unquoted timestamps too."""
    text = yaml.safe_dump(tiny_world(), allow_unicode=True).replace(
        "'2026-05-01T12:00:00Z'", "2026-05-01T12:00:00Z"
    )
    assert "created_at: 2026-05-01T12:00:00Z" in text

    response = client.post(
        "/__mock/seed", content=text.encode(), headers={"Content-Type": "application/yaml"}
    )

    assert response.status_code == 200
    assert state(client)["sequences"][0]["created_at"] == "2026-05-01T12:00:00Z"


def test_seed_without_clock_keeps_the_clock_running_on(client):
    """A document with no clock section leaves the mock clock where it was."""
    client.post("/__mock/clock", json={"advance_seconds": 60})
    document = tiny_world()
    del document["clock"]

    client.post("/__mock/seed", json=document)

    assert client.get("/__mock/clock").json() == {"now": "2026-03-02T09:01:00Z", "frozen": True}


def test_invalid_seed_lists_every_problem_and_changes_nothing(client):
    """A document with several problems is refused whole with 422, each problem named by path."""
    before = state(client)
    document = tiny_world(template_id="44444444-4444-4444-8444-444444444444", status="PAUSED")
    document["workspaces"].append({"id": ACME_WS, "name": "Twin"})

    response = client.post("/__mock/seed", json=document)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_fixtures"
    names = {error["name"] for error in body["errors"]}
    assert {"sequences[0].status", "workspaces[1].id"} <= names
    assert "sequences[0].template_id" in names
    messages = {error["name"]: error["message"] for error in body["errors"]}
    assert "unknown template" in messages["sequences[0].template_id"]
    assert "duplicate id" in messages["workspaces[1].id"]
    assert state(client) == before


def test_seed_refuses_a_paused_run_without_deadline(client):
    """WAITING_FOR_LEAD needs paused_until; the error names that field."""
    response = client.post("/__mock/seed", json=tiny_world(status="WAITING_FOR_LEAD"))

    assert response.status_code == 422
    assert [e["name"] for e in response.json()["errors"]] == ["sequences[0].paused_until"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "malformed_json"),
        (b"workspaces: [\n", "application/yaml", 400, "malformed_document"),
        (b"<xml/>", "application/xml", 415, "unsupported_media_type"),
        (b"{}", None, 415, "unsupported_media_type"),
    ],
)
def test_seed_refuses_unreadable_bodies(client, content, content_type, status, code):
    """Bodies that are not a JSON or YAML document get 400/415 problems and change nothing."""
    before = state(client)
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post("/__mock/seed", content=content, headers=headers)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(client) == before


def test_seed_refuses_an_unknown_mode(client):
    """mode must be replace or merge."""
    response = client.post("/__mock/seed?mode=append", json=tiny_world())

    assert response.status_code == 422
    assert response.json()["errors"][0]["name"] == "mode"


def test_seed_merge_upserts_by_id(client):
    """Merge replaces the run with the same id, adds new ones, keeps the rest."""
    before = state(client)
    changed = copy.deepcopy(next(s for s in before["sequences"] if s["id"] == AMELIE_RUN))
    changed["variables"] = {"first_name": "Amy"}
    added = {**changed, "id": "55555555-5555-4555-8555-555555555555"}

    response = client.post("/__mock/seed?mode=merge", json={"sequences": [changed, added]})

    assert response.status_code == 200
    after = {s["id"]: s for s in state(client)["sequences"]}
    assert len(after) == len(before["sequences"]) + 1
    assert after[AMELIE_RUN]["variables"] == {"first_name": "Amy"}
    assert after[added["id"]] == added
    assert state(client)["api_keys"] == before["api_keys"]


def test_invalid_merge_names_the_incoming_path_and_changes_nothing(client):
    """A merged run pointing at an unknown template is refused with its path in the request."""
    before = state(client)
    broken = {**before["sequences"][0], "template_id": "66666666-6666-4666-8666-666666666666"}

    response = client.post("/__mock/seed?mode=merge", json={"sequences": [broken]})

    assert response.status_code == 422
    assert [e["name"] for e in response.json()["errors"]] == ["sequences[0].template_id"]
    assert state(client) == before


def test_merge_refuses_a_key_name_the_world_already_uses(client):
    """Key names are unique across the merged world, not only within the incoming document."""
    before = state(client)
    clash = {**before["api_keys"][0], "key": "sk_test_another_key_1234", "name": "acme_read_only"}

    response = client.post("/__mock/seed?mode=merge", json={"api_keys": [clash]})

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["name"] == "api_keys[0].name"
    assert "duplicate name acme_read_only" in error["message"]
    assert state(client) == before


def test_state_has_mock_only_fields(client):
    """The dump carries paused_until and stop_reason, which the public API never shows."""
    client.post(
        f"/v1/sequences/{AMELIE_RUN}/stop", json={"reason": "LOSE"}, headers=bearer(READ_WRITE)
    )

    dump = state(client)

    assert {
        "clock",
        "workspaces",
        "api_keys",
        "companies",
        "contacts",
        "templates",
        "contact_lists",
        "sequences",
    } <= dump.keys()
    (stopped,) = [s for s in dump["sequences"] if s["id"] == AMELIE_RUN]
    assert stopped["stop_reason"] == "LOSE"
    assert all("paused_until" in s for s in dump["sequences"] if s["status"] == "WAITING_FOR_LEAD")


def test_seeding_the_state_back_is_a_no_op(client):
    """GET /__mock/state then POST it to /__mock/seed leaves the state identical."""
    headers = bearer(READ_WRITE)
    client.post(
        f"/v1/sequences/{AMELIE_RUN}/pause",
        json={"paused_until": "2026-04-01T00:00:00Z"},
        headers=headers,
    )
    client.patch(
        f"/v1/sequences/{AMELIE_RUN}", json={"variables": {"cta": "Café?"}}, headers=headers
    )
    dump = state(client)

    assert client.post("/__mock/seed", json=dump).status_code == 200

    assert state(client) == dump


def test_clock_reads_and_moves_forward(client):
    """The clock starts at the fixture's instant and moves by `now` or `advance_seconds`."""
    assert client.get("/__mock/clock").json() == {"now": CLOCK_START, "frozen": True}

    moved = client.post("/__mock/clock", json={"now": "2026-03-02T12:00:00+01:00"})
    advanced = client.post("/__mock/clock", json={"advance_seconds": 90.5})

    assert moved.json()["now"] == "2026-03-02T11:00:00Z"
    assert advanced.json()["now"] == "2026-03-02T11:01:30.500000Z"
    assert client.get("/__mock/clock").json() == {
        "now": "2026-03-02T11:01:30.500000Z",
        "frozen": True,
    }


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"now": "2026-03-01T00:00:00Z"}, "invalid_clock_change"),
        ({"advance_seconds": -1}, "validation_error"),
        ({"now": "2026-03-03T00:00:00Z", "advance_seconds": 1}, "validation_error"),
        ({}, "validation_error"),
        ({"frozen": "yes"}, "validation_error"),
        ({"now": "tomorrow"}, "validation_error"),
        ({"advance_seconds": 1e300}, "validation_error"),
        ({"now": "0000-01-01T00:00:00Z"}, "invalid_clock_change"),
    ],
)
def test_clock_refuses_bad_changes_and_stays_put(client, change, code):
    """Going backwards or a malformed change is a 422, and the clock does not move."""
    response = client.post("/__mock/clock", json=change)

    assert (response.status_code, response.json()["code"]) == (422, code)
    assert client.get("/__mock/clock").json() == {"now": CLOCK_START, "frozen": True}


def test_advancing_the_clock_resumes_due_runs_at_once(client):
    """Advancing applies the auto-resume rule before the clock call even returns."""
    paused = sequences_in_state(client, paused_until="2026-03-02T10:00:00Z")
    assert paused
    client.post("/__mock/clock", json={"advance_seconds": 3600})

    resumed = {s["id"]: s for s in state(client)["sequences"]}

    for run in paused:
        assert resumed[run["id"]]["status"] == "ACTIVE"
        assert resumed[run["id"]]["updated_at"] == "2026-03-02T10:00:00Z"
        assert "paused_until" not in resumed[run["id"]]


def test_unfrozen_clock_ticks_with_the_injected_time_source():
    """Unfreezing lets the clock follow the monotonic source; freezing holds it again."""
    ticks = [1000.0]
    app = create_app(Settings(monotonic=lambda: ticks[0]))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        client.post("/__mock/clock", json={"frozen": False})
        ticks[0] += 2.25
        assert client.get("/__mock/clock").json() == {
            "now": "2026-03-02T09:00:02.250000Z",
            "frozen": False,
        }
        client.post("/__mock/clock", json={"frozen": True})
        ticks[0] += 100
        assert client.get("/__mock/clock").json()["now"] == "2026-03-02T09:00:02.250000Z"


def test_two_apps_in_one_process_do_not_share_state():
    """State hangs off the app: a write to one mock is invisible to another."""
    first, second = create_app(), create_app()
    with (
        httpx.Client(transport=SyncASGITransport(first), base_url="http://a") as a,
        httpx.Client(transport=SyncASGITransport(second), base_url="http://b") as b,
    ):
        a.post(
            f"/v1/sequences/{AMELIE_RUN}/stop", json={"reason": "WIN"}, headers=bearer(READ_WRITE)
        )
        assert (
            a.get(f"/v1/sequences/{AMELIE_RUN}", headers=bearer(READ_WRITE)).json()["status"]
            == "STOPPED_EARLY"
        )
        assert (
            b.get(f"/v1/sequences/{AMELIE_RUN}", headers=bearer(READ_WRITE)).json()["status"]
            == "ACTIVE"
        )


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/__mock/reset", {"POST"}),
        ("DELETE", "/__mock/clock", {"GET", "HEAD", "POST"}),
        ("POST", "/__mock/state", {"GET", "HEAD"}),
    ],
)
def test_control_routes_answer_wrong_methods_with_405(client, method, path, allowed):
    """A wrong method on a control route is a 405 problem listing the allowed methods."""
    response = client.request(method, path)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


def test_contract_is_served_as_yaml_and_json(client):
    """GET /openapi.yaml and /openapi.json serve the same document."""
    as_yaml = client.get("/openapi.yaml")
    as_json = client.get("/openapi.json")

    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert as_json.headers["content-type"] == "application/json"
    assert yaml.safe_load(as_yaml.text) == as_json.json()
    assert as_json.json()["openapi"] == "3.1.0"


def test_globex_key_is_unaffected_by_acme_seed_merge(client):
    """Merging Acme runs leaves the other workspace's view unchanged."""
    before = client.get("/v1/sequences?size=100", headers=bearer(GLOBEX_READ_WRITE)).json()
    acme_run = sequences_in_state(client, id=AMELIE_RUN)[0]

    client.post("/__mock/seed?mode=merge", json={"sequences": [{**acme_run, "variables": {}}]})

    assert client.get("/v1/sequences?size=100", headers=bearer(GLOBEX_READ_WRITE)).json() == before


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (
            b'{"workspaces": [{"id": "x", "name": "\\ud800"}]}',
            "application/json",
            400,
            "malformed_json",
        ),
        (
            b'workspaces: [{id: "11111111-1111-4111-8111-111111111111", name: "\\ud800"}]\n',
            "application/yaml",
            400,
            "malformed_document",
        ),
        (
            b'{"workspaces": ' + b"[" * 300 + b"]" * 300 + b"}",
            "application/json",
            400,
            "malformed_json",
        ),
        (
            b"workspaces: " + b"[" * 300 + b"]" * 300 + b"\n",
            "application/yaml",
            422,
            "invalid_fixtures",
        ),
    ],
    ids=["json surrogate", "yaml surrogate", "json deep", "yaml deep"],
)
def test_seed_refuses_documents_no_json_peer_could_read(
    client, content, content_type, status, code
):
    """Lone surrogates and absurd nesting are refused, and the state dump keeps working."""
    before = state(client)

    response = client.post("/__mock/seed", content=content, headers={"Content-Type": content_type})

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state(client) == before


def test_clock_advance_zero_on_a_running_clock_is_accepted():
    """Advancing a ticking clock by 0 s is not 'moving backwards', however time passes meanwhile."""
    ticks = [0.0]

    def monotonic() -> float:
        ticks[0] += 0.001  # real time passes between every reading
        return ticks[0]

    app = create_app(Settings(monotonic=monotonic))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        client.post("/__mock/clock", json={"frozen": False})

        response = client.post("/__mock/clock", json={"advance_seconds": 0})

        assert response.status_code == 200


def test_a_running_clock_stops_at_the_end_of_time():
    """A ticking clock set just before year 10000 holds at the last instant instead of failing."""
    ticks = [0.0]
    app = create_app(Settings(monotonic=lambda: ticks[0]))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        client.post("/__mock/clock", json={"now": "9999-12-31T23:59:59Z", "frozen": False})
        ticks[0] += 10

        response = client.get("/__mock/clock")

        assert response.json() == {"now": "9999-12-31T23:59:59.999999Z", "frozen": False}
        assert client.get("/__mock/state").status_code == 200


@pytest.mark.parametrize(
    ("now", "status"),
    [("2026-03-15T00:00:00Z", "WAITING_FOR_LEAD"), ("2026-05-02T00:00:00Z", "ACTIVE")],
)
def test_seed_takes_a_deadline_before_the_last_update(client, now: str, status: str):
    """The mock makes such runs itself (a run paused while the clock was seeded back before its
    last update), so a dump of them seeds back: the run waits until its deadline, and resumes
    then without its updated_at going back."""
    document = tiny_world(status="WAITING_FOR_LEAD", paused_until="2026-04-01T00:00:00Z")
    document["clock"]["now"] = now

    response = client.post("/__mock/seed", json=document)

    assert response.status_code == 200
    (run,) = state(client)["sequences"]
    assert (run["status"], run["updated_at"]) == (status, "2026-05-01T12:00:00Z")


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (
            b'{"workspaces": [], "sequences": [], "workspaces": []}',
            "application/json",
            {"workspaces": "is given twice in one object; a key may appear once"},
        ),
        (
            b"workspaces: []\nsequences: []\nworkspaces: []\n",
            "application/yaml",
            {"workspaces": "is given twice in one mapping (lines 1 and 3)"},
        ),
        (
            b"clock: {now: &t '2026-01-01T00:00:00Z'}\nworkspaces: [{id: x, name: *t}]\n",
            "application/yaml",
            {"workspaces[0].name": "repeats an anchored value (a YAML alias); write it out"},
        ),
    ],
    ids=["json key twice", "yaml key twice", "yaml scalar alias"],
)
def test_seed_refuses_what_parsing_would_hide(client, content, content_type, expected):
    """A second `workspaces:` once silently replaced the first; a scalar alias passed."""
    before = state(client)

    response = client.post("/__mock/seed", content=content, headers={"Content-Type": content_type})

    assert (response.status_code, response.json()["code"]) == (422, "invalid_fixtures")
    assert {e["name"]: e["message"] for e in response.json()["errors"]} == expected
    assert state(client) == before
