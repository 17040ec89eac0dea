"""The console, clicked through in headless Chromium: the clock, a run's task and timeline,
faults and the journal, paging, seeding, the token gate; no request leaves the machine."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from console_page import Console, console_on
from default_world import ACME, AMELIE_RUN, OLIVIA, READ_WRITE, RENEWAL_NUDGE, WAITING_ON_A_CALL
from sequences_mock.server import MockServer
from sequences_mock.settings import Settings

#: One xdist worker runs them all, so one browser serves the whole module.
pytestmark = pytest.mark.xdist_group("browser")
TOKEN = "console-s3cret"


def test_moving_the_clock_a_day_moves_a_run_on(console: Console, control: httpx.Client) -> None:
    """A new enrollment is FOUND; a day later the console shows it ACTIVE."""
    enrolled = control.post(
        "/__mock/enrollments", json={"template_id": RENEWAL_NUDGE, "contact_id": OLIVIA}
    ).json()
    page = console.open(f"runs?workspace={ACME}&status=FOUND")
    row = page.locator(f"#runs tr[data-id='{enrolled['id']}']")
    expect(row.locator(".badge")).to_have_text("FOUND")

    console.go("world")
    page.click("#move-day")
    expect(page.locator("#notice")).to_contain_text("Moved a day")
    console.go(f"runs?workspace={ACME}&status=ACTIVE")

    expect(row.locator(".badge")).to_have_text("ACTIVE")
    expect(page.locator("#clock-now")).to_have_text("2026-03-03 09:00 UTC")


def test_the_clock_moves_by_any_duration_unfreezes_and_resets(console: Console) -> None:
    page = console.open("world")
    page.fill("#move-by", "3d 4h")
    page.click("#move")
    expect(page.locator("#clock-now")).to_have_text("2026-03-05 13:00 UTC")
    page.fill("#move-by", "soon")
    page.click("#move")
    expect(page.locator("#notice")).to_contain_text("Give a duration")

    page.click("#freeze")
    expect(page.locator("#clock-state")).to_have_text("ticking")
    page.click("#freeze")
    expect(page.locator("#clock-state")).to_have_text("frozen")
    page.click("#reset")  # the page asks first; the test's dialog handler accepts

    expect(page.locator("#clock-now")).to_have_text("2026-03-02 09:00 UTC")
    expect(page.locator("#notice")).to_contain_text("Reset: 72 runs")


def test_completing_a_task_makes_the_run_active(console: Console) -> None:
    page = console.open(f"run/{WAITING_ON_A_CALL}")
    expect(page.locator("h2 .badge")).to_have_text("WAITING_FOR_USER")
    expect(page.locator("#timeline [data-kind=waiting]")).to_have_count(1)

    page.click("#task-done")

    expect(page.locator("h2 .badge")).to_have_text("ACTIVE")
    expect(page.locator("#history")).to_contain_text("task_done")
    expect(page.locator("#task-done")).to_have_count(0)


def test_pause_resume_and_stop_are_calls_of_the_api_in_the_journal(
    console: Console, control: httpx.Client
) -> None:
    page = console.open(f"run/{AMELIE_RUN}")
    page.click("#pause")
    expect(page.locator("h2 .badge")).to_have_text("WAITING_FOR_LEAD")
    expect(page.locator("#timeline rect.pause")).to_have_count(1)
    page.click("#resume")
    expect(page.locator("h2 .badge")).to_have_text("ACTIVE")
    page.select_option("#stop-reason", "LOSE")
    page.click("#stop")
    expect(page.locator("h2 .badge")).to_have_text("STOPPED_EARLY")

    journal = control.get("/__mock/requests").json()["requests"]
    assert [(e["operation"], e["status"], e["api_key"]) for e in journal] == [
        (operation, 200, f"…{READ_WRITE[-4:]}")
        for operation in ("pauseSequence", "resumeSequence", "stopSequence")
    ]
    assert journal[2]["body"] == {"reason": "LOSE", "scope": "CONTACT"}


def test_a_refused_action_says_why(console: Console) -> None:
    page = console.open(f"run/{AMELIE_RUN}")
    page.fill("#pause-until", "2020-01-01T00:00:00Z")
    page.click("#pause")

    expect(page.locator("#notice")).to_contain_text("422 paused_until_not_in_future")
    expect(page.locator("h2 .badge")).to_have_text("ACTIVE")


def test_a_run_timeline_shows_its_steps_on_the_clock(console: Console) -> None:
    page = console.open(f"run/{AMELIE_RUN}")
    timeline = page.locator("#timeline svg.timeline")

    expect(timeline).to_be_visible()
    steps = page.locator("#timeline [data-kind]")
    kinds = [steps.nth(i).get_attribute("data-kind") for i in range(steps.count())]
    assert len(kinds) == 5  # Cold outreach - Q1 has five steps
    assert "due" in kinds
    assert kinds == sorted(kinds, key=["ran", "estimated", "skipped", "due"].index)
    expect(timeline.locator(".now text")).to_have_text("now")


def test_a_fault_fails_the_next_call_in_the_journal(
    console: Console, control: httpx.Client
) -> None:
    page = console.open("faults")
    page.select_option("#fault-operation", "listSequences")
    page.select_option("#fault-status", "503")
    page.click("#add-fault")
    expect(page.locator("#faults tbody tr")).to_have_count(1)
    expect(page.locator("#faults tbody")).to_contain_text("listSequences")

    answer = control.get("/v1/sequences", headers={"Authorization": f"Bearer {READ_WRITE}"})
    assert answer.status_code == 503
    control.get(f"/v1/sequences/{AMELIE_RUN}", headers={"Authorization": f"Bearer {READ_WRITE}"})
    console.go("activity")
    expect(page.locator("#calls tbody tr")).to_have_count(2)
    page.select_option("#filter-operation", "listSequences")
    console.ready()
    expect(page.locator("#calls tbody tr")).to_have_count(1)

    row = page.locator("#calls tbody tr").first
    expect(row).to_have_attribute("data-status", "503")
    expect(row).to_contain_text("#1")  # the fault that answered it
    expect(row).to_contain_text("service_unavailable")


def test_faults_are_cleared(console: Console, control: httpx.Client) -> None:
    control.post("/__mock/faults", json={"operation": "*", "delay_ms": 5, "times": 3})
    page = console.open("faults")
    expect(page.locator("#faults tbody")).to_contain_text("*")

    page.click("#clear-faults")

    expect(page.locator("#notice")).to_contain_text("1 faults cleared.")
    assert control.get("/__mock/faults").json() == {"faults": []}


def test_the_journal_is_live(console: Console, control: httpx.Client) -> None:
    page = console.open("activity")
    expect(page.locator("#calls tbody tr")).to_have_count(0)

    control.get("/v1/sequences/nope", headers={"Authorization": f"Bearer {READ_WRITE}"})

    row = page.locator("#calls tbody tr").first
    expect(row).to_have_attribute("data-status", "404")
    expect(row).to_contain_text("not_found")


def test_the_runs_table_is_paged_by_the_mock(console: Console) -> None:
    page = console.open(f"runs?workspace={ACME}")
    expect(page.locator("#runs tbody tr")).to_have_count(25)
    expect(page.locator("#page-info")).to_have_text("page 1 of 3 · 58 runs")

    page.click("#page-next")
    console.ready()

    expect(page.locator("#page-info")).to_have_text("page 2 of 3 · 58 runs")
    lists = [url for url in console.requests if "/__mock/sequences?" in url]
    assert all("size=25" in url for url in lists)
    assert any("page=2" in url for url in lists)


def test_the_coverage_grid_marks_answered_cells(console: Console, control: httpx.Client) -> None:
    control.get("/v1/sequences", headers={"Authorization": f"Bearer {READ_WRITE}"})
    page = console.open("coverage")

    row = page.locator("#coverage tbody tr", has_text="listSequences")
    expect(row.locator("td.hit")).to_have_text(["1"])
    expect(page.locator("#coverage td.hit")).to_have_count(1)


def test_seed_from_a_file_and_download_the_state(console: Console, tmp_path: Path) -> None:
    page = console.open("world")
    with page.expect_download() as download:
        page.click("#download-state")
    state = json.loads(Path(download.value.path()).read_text())
    assert len(state["sequences"]) == 72
    state["sequences"] = state["sequences"][:3]
    fixture = tmp_path / "three-runs.json"
    fixture.write_text(json.dumps(state))

    page.set_input_files("#seed-file", fixture)
    page.click("#seed")

    expect(page.locator("#notice")).to_contain_text("Seeded from three-runs.json: 3 runs.")
    total = page.locator("#workspaces tbody tr td.num").nth(2)
    expect(total).to_have_text(re.compile(r"^[0-3]$"))


@pytest.fixture(scope="module")
def guarded() -> Iterator[MockServer]:
    with MockServer(Settings(control_token=TOKEN)) as running:
        yield running


def test_without_the_token_the_page_reads_and_changes_nothing(
    browser: Browser, guarded: MockServer
) -> None:
    statuses: dict[str, int] = {}
    with console_on(browser, guarded) as console:
        page = console.page
        page.on("response", lambda r: statuses.__setitem__(r.url, r.status))
        page.goto(f"{guarded.url}/__mock/ui#/runs")
        expect(page.locator("#token-gate")).to_be_visible()
        expect(page.locator("#runs")).to_have_count(0)
        move = """fetch('/__mock/clock', {method: 'POST', headers: {'Content-Type':
            'application/json'}, body: '{"advance_seconds": 60}'}).then(r => r.status)"""
        assert page.evaluate(move) == 401
        page.fill("#token-input", "wrong")
        page.click("#token-gate button")
        expect(page.locator("#token-error")).to_have_text("The mock refused this token.")
        data = {url: status for url, status in statuses.items() if "/__mock/ui" not in url}
        assert data
        assert set(data.values()) == {401}

        page.fill("#token-input", TOKEN)
        page.click("#token-gate button")
        console.ready()
        expect(page.locator("#runs tbody tr")).to_have_count(25)
        page.reload()  # kept for the tab
        console.ready()
        expect(page.locator("#token-gate")).to_be_hidden()

        other = page.context.new_page()  # another tab asks again
        other.goto(f"{guarded.url}/__mock/ui")
        expect(other.locator("#token-gate")).to_be_visible()


def test_no_request_leaves_the_machine(console: Console) -> None:
    """Every view, a run's page and its timeline: only the mock is asked for anything."""
    console.open("world")
    for view in ("runs", f"run/{AMELIE_RUN}", "activity", "coverage", "faults", "world"):
        console.go(view)

    assert console.requests
    assert console.foreign_requests() == []


def test_a_choice_is_switched_for_this_world(console: Console, control: httpx.Client) -> None:
    page = console.open("choices")
    picker = page.locator("select[data-choice=repause]")
    expect(picker).to_have_value("replace")

    picker.select_option("refuse")

    expect(page.locator("#notice")).to_contain_text("repause is now refuse.")
    choices = {c["id"]: c["current"] for c in control.get("/__mock/choices").json()["choices"]}
    assert choices["repause"] == "refuse"
    expect(page.locator("select[data-choice=auth_scheme]")).to_be_disabled()  # verify-only
