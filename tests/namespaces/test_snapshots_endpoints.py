"""Named snapshots through the control plane: saved from one namespace, restored into any, and,
with `--state-dir`, still there after a restart; a broken file is refused and the server starts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from default_world import AMELIE_RUN, CLOCK_START, READ_WRITE, bearer
from live_server import cli_server
from sequences_mock.app import create_app
from sequences_mock.settings import Settings
from sequences_mock.testing import MockHandle, SyncASGITransport

RUN = f"/v1/sequences/{AMELIE_RUN}"
LATER = "2026-03-02T10:00:00Z"


def client_for(settings: Settings) -> httpx.Client:
    app = create_app(settings)
    client = httpx.Client(transport=SyncASGITransport(app), base_url="http://mock")
    client.headers.update(bearer(READ_WRITE))
    return client


@pytest.fixture
def mock() -> Iterator[httpx.Client]:
    with client_for(Settings(max_snapshots=2)) as client:
        yield client


def paused_until(client: httpx.Client, base: str = "") -> str | None:
    value: str | None = client.get(f"{base}{RUN}").json().get("paused_until")
    return value


def test_a_snapshot_puts_state_and_clock_back(mock: httpx.Client) -> None:
    mock.post("/__mock/clock", json={"advance_seconds": 3600}).raise_for_status()
    mock.patch(RUN, json={"variables": {"cta": "saved"}}).raise_for_status()
    saved = mock.post("/__mock/snapshots", json={"name": "demo"})
    mock.post("/__mock/reset").raise_for_status()

    restored = mock.post("/__mock/snapshots/demo/restore")

    assert saved.status_code == 201
    assert saved.json()["name"] == "demo"
    assert restored.status_code == 200
    assert restored.json()["clock"] == {"now": LATER, "frozen": True}
    assert mock.get(RUN).json()["variables"]["cta"] == "saved"
    assert mock.get("/__mock/state").json()["clock"] == {"now": LATER, "frozen": True}


def test_a_snapshot_of_one_namespace_restores_into_another(mock: httpx.Client) -> None:
    mock.patch(f"/ns/a{RUN}", json={"variables": {"cta": "from a"}}).raise_for_status()
    mock.post("/ns/a/__mock/snapshots", json={"name": "from-a"}).raise_for_status()

    mock.post("/ns/b/__mock/snapshots/from-a/restore").raise_for_status()

    assert mock.get(f"/ns/b{RUN}").json()["variables"]["cta"] == "from a"
    assert "cta" not in mock.get(RUN).json()["variables"]
    listed = mock.get("/ns/b/__mock/snapshots").json()
    assert [snapshot["name"] for snapshot in listed["snapshots"]] == ["from-a"]
    assert (listed["stored"], listed["limit"], listed["refused"]) == ("memory", 2, [])


def test_a_restore_keeps_the_journal_and_a_reset_still_goes_to_the_start(
    mock: httpx.Client,
) -> None:
    mock.post("/__mock/clock", json={"advance_seconds": 3600}).raise_for_status()
    mock.post("/__mock/snapshots", json={"name": "later"}).raise_for_status()
    mock.post("/__mock/reset").raise_for_status()
    mock.get(RUN).raise_for_status()

    mock.post("/__mock/snapshots/later/restore").raise_for_status()

    assert mock.get("/__mock/requests").json()["recorded"] == 1
    mock.post("/__mock/reset").raise_for_status()
    assert mock.get("/__mock/clock").json()["now"] == CLOCK_START


def test_names_taken_missing_and_past_the_limit(mock: httpx.Client) -> None:
    for name in ("a", "b"):
        mock.post("/__mock/snapshots", json={"name": name}).raise_for_status()

    taken = mock.post("/__mock/snapshots", json={"name": "a"})
    replaced = mock.post("/__mock/snapshots", json={"name": "a", "replace": True})
    third = mock.post("/__mock/snapshots", json={"name": "c"})
    missing = mock.post("/__mock/snapshots/nothing/restore")
    bad = mock.post("/__mock/snapshots/Not-OK/restore")

    assert (taken.status_code, taken.json()["code"]) == (409, "duplicate_id")
    assert replaced.status_code == 201
    assert (third.status_code, third.json()["code"]) == (409, "limit_reached")
    assert (missing.status_code, bad.status_code) == (404, 404)
    assert mock.delete("/__mock/snapshots/a").json() == {"deleted": "a"}
    assert mock.delete("/__mock/snapshots/a").status_code == 404
    assert mock.post("/__mock/snapshots", json={"name": "c"}).status_code == 201


def test_snapshot_files_outlive_the_app(tmp_path: Path) -> None:
    with client_for(Settings(state_dir=tmp_path)) as first:
        first.post("/__mock/clock", json={"advance_seconds": 3600}).raise_for_status()
        first.post("/__mock/snapshots", json={"name": "demo"}).raise_for_status()
        state = first.get("/__mock/state").json()

    with client_for(Settings(state_dir=tmp_path)) as second:
        listed = second.get("/__mock/snapshots").json()
        second.post("/ns/x/__mock/snapshots/demo/restore").raise_for_status()

        assert [s["name"] for s in listed["snapshots"]] == ["demo"]
        assert listed["stored"] == "files"
        assert second.get("/ns/x/__mock/state").json() == state


def test_a_truncated_file_is_refused_by_name_and_the_app_starts(tmp_path: Path) -> None:
    with client_for(Settings(state_dir=tmp_path)) as first:
        first.post("/__mock/snapshots", json={"name": "good"}).raise_for_status()
    whole = (tmp_path / "good.json").read_bytes()
    (tmp_path / "cut.json").write_bytes(whole[: len(whole) // 3])

    with client_for(Settings(state_dir=tmp_path)) as second:
        listed = second.get("/__mock/snapshots").json()
        refused_restore = second.post("/__mock/snapshots/cut/restore")
        served = second.get(RUN)

    assert [s["name"] for s in listed["snapshots"]] == ["good"]
    assert [r["name"] for r in listed["refused"]] == ["cut"]
    assert "cut.json is not valid JSON" in listed["refused"][0]["problems"][0]
    assert refused_restore.status_code == 404
    assert "refused at start" in refused_restore.json()["detail"]
    assert served.status_code == 200


def test_serve_keeps_snapshots_across_a_restart_and_restores_one(tmp_path: Path) -> None:
    state_dir = str(tmp_path)
    with cli_server("--log-level", "warning", "--state-dir", state_dir) as server:
        httpx.post(f"{server.url}/__mock/clock", json={"advance_seconds": 3600}, timeout=5)
        saved = httpx.post(f"{server.url}/__mock/snapshots", json={"name": "demo"}, timeout=5)
    assert saved.status_code == 201
    (tmp_path / "cut.json").write_bytes((tmp_path / "demo.json").read_bytes()[:100])

    with cli_server("--log-level", "warning", "--state-dir", state_dir) as server:
        listed = httpx.get(f"{server.url}/__mock/snapshots", timeout=5).json()
    with cli_server("--state-dir", state_dir, "--restore", "demo", "--quiet") as server:
        clock = httpx.get(f"{server.url}/__mock/clock", timeout=5).json()
        reset = httpx.post(f"{server.url}/__mock/reset", timeout=5).json()

    assert [s["name"] for s in listed["snapshots"]] == ["demo"]
    assert [r["name"] for r in listed["refused"]] == ["cut"]
    assert clock["now"] == reset["clock"]["now"] == LATER
    assert any("snapshot 'demo'" in line for line in server.banner)


def test_serve_refuses_to_restore_a_refused_or_missing_snapshot(tmp_path: Path) -> None:
    (tmp_path / "cut.json").write_bytes(b'{"workspaces": [')
    for name, expected in (("cut", "cut.json is not valid JSON"), ("none", "no snapshot")):
        command = [sys.executable, "-m", "sequences_mock", "serve", "--port", "0"]
        finished = subprocess.run(
            [*command, "--state-dir", str(tmp_path), "--restore", name],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert finished.returncode == 1
        assert expected in finished.stderr


def test_the_handle_saves_and_restores_and_works_in_a_namespace() -> None:
    """`MockHandle` on a namespace's base URL is a handle on that world alone."""
    app = create_app()
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        default = MockHandle("http://mock", client)
        team = MockHandle("http://mock/ns/team", client)
        team.clock.advance(3600)
        saved = team.save_snapshot("team-later")

        restored = default.restore_snapshot("team-later")

        assert saved["name"] == "team-later"
        assert restored["clock"]["now"] == LATER
        assert default.clock.now() == team.clock.now()
        team.reset()
        assert team.clock.now() != default.clock.now()


def test_choices_are_per_namespace_and_in_snapshots() -> None:
    app = create_app()
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        default = MockHandle("http://mock", client)
        team = MockHandle("http://mock/ns/team", client)
        team.set_choices(repause="refuse")
        team.save_snapshot("refusing")
        team.reset()
        reset_to = team.choices()["repause"]

        team.restore_snapshot("refusing")

        assert reset_to == "replace"
        assert team.choices()["repause"] == "refuse"
        assert default.choices()["repause"] == "replace"
