"""Every option of every switchable choice, through the public API of one seeded world.

The world: six runs of one template, each aimed at a contact of the same company; the template
has variable defaults and no steps, so nothing moves on the clock by itself.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

WORKSPACE = "11111111-1111-4111-8111-111111111111"
COMPANY = "22222222-2222-4222-8222-222222222222"
TEMPLATE = "33333333-3333-4333-8333-333333333333"
KEY = "sk_test_choices"
NOW = "2026-03-02T09:00:00Z"
PAUSED_UNTIL = "2026-03-05T09:00:00Z"
LATER = "2026-03-09T09:00:00Z"


def _contact(n: int) -> dict[str, Any]:
    return {
        "id": f"44444444-4444-4444-8444-00000000000{n}",
        "workspace_id": WORKSPACE,
        "company_id": COMPANY,
        "first_name": f"Contact{n}",
        "last_name": "Doe",
        "email": f"contact{n}@example.com",
    }


def _run(n: int, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": run_id(n),
        "workspace_id": WORKSPACE,
        "contact_id": f"44444444-4444-4444-8444-00000000000{n}",
        "template_id": TEMPLATE,
        "status": status,
        "variables": {"first_name": f"Contact{n}"},
        "contact_list_id": None,
        "last_step_executed_at": None,
        "created_at": "2026-03-01T09:00:00Z",
        "updated_at": "2026-03-01T09:00:00Z",
        **extra,
    }


def run_id(n: int) -> str:
    return f"55555555-5555-4555-8555-00000000000{n}"


ACTIVE, OTHER_ACTIVE, PAUSED, WAITING_FOR_USER, FOUND, STOPPED = (run_id(n) for n in range(1, 7))
WORLD = {
    "clock": {"now": NOW, "frozen": True},
    "workspaces": [{"id": WORKSPACE, "name": "Choices"}],
    "api_keys": [
        {"key": KEY, "workspace_id": WORKSPACE, "scopes": ["sequences:read", "sequences:write"]}
    ],
    "companies": [{"id": COMPANY, "workspace_id": WORKSPACE, "name": "Initrode"}],
    "contacts": [_contact(n) for n in range(1, 7)],
    "templates": [
        {
            "id": TEMPLATE,
            "workspace_id": WORKSPACE,
            "name": "Outreach",
            "variables": {"first_name": "there", "company": "your team"},
        }
    ],
    "sequences": [
        _run(1, "ACTIVE"),
        _run(2, "ACTIVE"),
        _run(3, "WAITING_FOR_LEAD", paused_until=PAUSED_UNTIL),
        _run(4, "WAITING_FOR_USER"),
        _run(5, "FOUND"),
        _run(6, "STOPPED_EARLY", stop_reason="LOSE"),
    ],
}


@pytest.fixture
def api(client: httpx.Client) -> httpx.Client:
    """The client on the seeded world, sending its key."""
    client.post("/__mock/seed", json=WORLD).raise_for_status()
    client.headers["Authorization"] = f"Bearer {KEY}"
    return client


def choose(client: httpx.Client, **options: str) -> None:
    response = client.post("/__mock/choices", json={"choices": options})
    assert response.status_code == 200, response.text


def status_of(client: httpx.Client, sequence_id: str) -> str:
    response = client.get(f"/v1/sequences/{sequence_id}")
    assert response.status_code == 200
    status: str = response.json()["status"]
    return status


def assert_refused_transition(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "invalid_state_transition"


class TestCompanyStopScope:
    def test_unfinished_stops_every_unfinished_colleague(self, api: httpx.Client) -> None:
        """`unfinished`: a COMPANY stop ends the ACTIVE, paused, waiting and FOUND runs."""
        choose(api, company_stop_scope="unfinished")

        stop = api.post(f"/v1/sequences/{ACTIVE}/stop", json={"reason": "WIN", "scope": "COMPANY"})

        assert stop.status_code == 200
        statuses = [status_of(api, run_id(n)) for n in range(1, 7)]
        assert statuses == ["STOPPED_EARLY"] * 6

    def test_active_stops_only_active_colleagues(self, api: httpx.Client) -> None:
        """`active`: only the other ACTIVE run stops; the paused, waiting and FOUND ones run on."""
        choose(api, company_stop_scope="active")

        stop = api.post(f"/v1/sequences/{ACTIVE}/stop", json={"reason": "WIN", "scope": "COMPANY"})

        assert stop.status_code == 200
        statuses = [status_of(api, run_id(n)) for n in range(1, 7)]
        expected = ["STOPPED_EARLY", "STOPPED_EARLY", "WAITING_FOR_LEAD", "WAITING_FOR_USER"]
        assert [*expected, "FOUND", "STOPPED_EARLY"] == statuses


class TestVariablesView:
    def test_overrides_shows_the_runs_own_variables(self, api: httpx.Client) -> None:
        """`overrides`: get and list show the run's overrides only."""
        choose(api, variables_view="overrides")

        got = api.get(f"/v1/sequences/{ACTIVE}").json()
        listed = api.get("/v1/sequences", params={"status": "ACTIVE"}).json()["items"]

        assert got["variables"] == {"first_name": "Contact1"}
        assert listed[0]["variables"] == {"first_name": "Contact1"}

    def test_merged_shows_the_template_defaults_under_the_overrides(
        self, api: httpx.Client
    ) -> None:
        """`merged`: get, list and update show the defaults with the overrides on top; a
        removed override shows the default again."""
        choose(api, variables_view="merged")

        got = api.get(f"/v1/sequences/{ACTIVE}").json()
        listed = api.get("/v1/sequences", params={"status": "ACTIVE"}).json()["items"]
        removed = api.patch(f"/v1/sequences/{ACTIVE}", json={"variables": {"first_name": None}})

        merged = {"first_name": "Contact1", "company": "your team"}
        assert merged == got["variables"]
        assert merged == listed[0]["variables"]
        assert removed.json()["variables"] == {"first_name": "there", "company": "your team"}

    def test_switching_back_shows_overrides_again(self, api: httpx.Client) -> None:
        """A response rendered under `merged` is not reused once the world chose `overrides`."""
        choose(api, variables_view="merged")
        api.get(f"/v1/sequences/{ACTIVE}")
        choose(api, variables_view="overrides")

        got = api.get(f"/v1/sequences/{ACTIVE}").json()

        assert got["variables"] == {"first_name": "Contact1"}


class TestPauseFrom:
    @pytest.mark.parametrize("sequence_id", [WAITING_FOR_USER, FOUND])
    def test_active_refuses_a_waiting_or_found_run(
        self, api: httpx.Client, sequence_id: str
    ) -> None:
        """`active`: pausing a WAITING_FOR_USER or FOUND run is a 409."""
        choose(api, pause_from="active")

        response = api.post(f"/v1/sequences/{sequence_id}/pause", json={"paused_until": LATER})

        assert_refused_transition(response)

    @pytest.mark.parametrize("sequence_id", [WAITING_FOR_USER, FOUND, ACTIVE])
    def test_unfinished_pauses_a_waiting_or_found_run(
        self, api: httpx.Client, sequence_id: str
    ) -> None:
        """`unfinished`: WAITING_FOR_USER and FOUND runs are paused too, and resume ACTIVE."""
        choose(api, pause_from="unfinished")

        paused = api.post(f"/v1/sequences/{sequence_id}/pause", json={"paused_until": LATER})
        resumed = api.post(f"/v1/sequences/{sequence_id}/resume")

        assert (paused.status_code, paused.json()["status"]) == (200, "WAITING_FOR_LEAD")
        assert (resumed.status_code, resumed.json()["status"]) == (200, "ACTIVE")

    def test_unfinished_still_refuses_a_finished_run(self, api: httpx.Client) -> None:
        """`unfinished` reaches no further than unfinished runs: a stopped one is a 409."""
        choose(api, pause_from="unfinished")

        response = api.post(f"/v1/sequences/{STOPPED}/pause", json={"paused_until": LATER})

        assert_refused_transition(response)


class TestRepause:
    def test_replace_moves_the_deadline(self, api: httpx.Client) -> None:
        """`replace`: pausing a paused run takes the new `paused_until`."""
        choose(api, repause="replace")

        response = api.post(f"/v1/sequences/{PAUSED}/pause", json={"paused_until": LATER})
        state = api.get("/__mock/state").json()

        assert response.status_code == 200
        assert [s["paused_until"] for s in state["sequences"] if s["id"] == PAUSED] == [LATER]

    def test_refuse_is_a_conflict_and_keeps_the_deadline(self, api: httpx.Client) -> None:
        """`refuse`: pausing a paused run is a 409; its deadline stays."""
        choose(api, repause="refuse")

        response = api.post(f"/v1/sequences/{PAUSED}/pause", json={"paused_until": LATER})
        state = api.get("/__mock/state").json()

        assert_refused_transition(response)
        deadlines = [s["paused_until"] for s in state["sequences"] if s["id"] == PAUSED]
        assert deadlines == [PAUSED_UNTIL]

    def test_refuse_still_pauses_an_active_run(self, api: httpx.Client) -> None:
        """`refuse` is about paused runs only: an ACTIVE one is paused as ever."""
        choose(api, repause="refuse")

        response = api.post(f"/v1/sequences/{ACTIVE}/pause", json={"paused_until": LATER})

        assert (response.status_code, response.json()["status"]) == (200, "WAITING_FOR_LEAD")


class TestResumeWhenNotPaused:
    def test_refuse_is_a_conflict(self, api: httpx.Client) -> None:
        """`refuse`: resuming an ACTIVE run is a 409."""
        choose(api, resume_when_not_paused="refuse")

        assert_refused_transition(api.post(f"/v1/sequences/{ACTIVE}/resume"))

    @pytest.mark.parametrize("sequence_id", [ACTIVE, STOPPED])
    def test_noop_answers_the_run_unchanged(self, api: httpx.Client, sequence_id: str) -> None:
        """`noop`: resuming a run that is not paused answers it as it was, `updated_at` too."""
        choose(api, resume_when_not_paused="noop")
        api.post("/__mock/clock", json={"advance_seconds": 60}).raise_for_status()
        before = api.get(f"/v1/sequences/{sequence_id}").json()

        response = api.post(f"/v1/sequences/{sequence_id}/resume")

        assert (200, before) == (response.status_code, response.json())

    def test_noop_still_resumes_a_paused_run(self, api: httpx.Client) -> None:
        """`noop` changes nothing for a paused run: it is ACTIVE again."""
        choose(api, resume_when_not_paused="noop")

        response = api.post(f"/v1/sequences/{PAUSED}/resume")

        assert (response.status_code, response.json()["status"]) == (200, "ACTIVE")


class TestStopScopeDefault:
    def test_contact_stops_this_run_only(self, api: httpx.Client) -> None:
        """`contact`: a stop without `scope` ends this run and no other."""
        choose(api, stop_scope_default="contact")

        response = api.post(f"/v1/sequences/{ACTIVE}/stop", json={"reason": "WIN"})

        assert (response.status_code, response.json()["status"]) == (200, "STOPPED_EARLY")
        assert status_of(api, OTHER_ACTIVE) == "ACTIVE"

    def test_required_refuses_a_stop_without_scope(self, api: httpx.Client) -> None:
        """`required`: a stop without `scope` is a 422 naming it, and the run goes on."""
        choose(api, stop_scope_default="required")

        response = api.post(f"/v1/sequences/{ACTIVE}/stop", json={"reason": "WIN"})

        assert response.status_code == 422
        problem = response.json()
        assert (
            problem["code"],
            problem["errors"][0]["in"],
            problem["errors"][0]["name"],
        ) == ("validation_error", "body", "scope")
        assert status_of(api, ACTIVE) == "ACTIVE"

    def test_required_stops_with_a_scope(self, api: httpx.Client) -> None:
        """`required` takes a stop that names its scope."""
        choose(api, stop_scope_default="required")

        body = {"reason": "WIN", "scope": "CONTACT"}
        response = api.post(f"/v1/sequences/{ACTIVE}/stop", json=body)

        assert (response.status_code, response.json()["status"]) == (200, "STOPPED_EARLY")


class TestNoopUpdateTimestamp:
    def _same_update(self, api: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
        before = api.get(f"/v1/sequences/{ACTIVE}").json()
        api.post("/__mock/clock", json={"advance_seconds": 60}).raise_for_status()
        response = api.patch(
            f"/v1/sequences/{ACTIVE}", json={"variables": {"first_name": "Contact1"}}
        )
        assert response.status_code == 200
        return before, response.json()

    def test_touch_moves_updated_at(self, api: httpx.Client) -> None:
        """`touch`: an update that changes nothing still sets `updated_at` to now."""
        choose(api, noop_update_timestamp="touch")

        before, after = self._same_update(api)

        assert (
            before["updated_at"],
            after["updated_at"],
        ) == ("2026-03-01T09:00:00Z", "2026-03-02T09:01:00Z")

    def test_keep_leaves_updated_at(self, api: httpx.Client) -> None:
        """`keep`: an update that changes nothing answers the run as it was."""
        choose(api, noop_update_timestamp="keep")

        before, after = self._same_update(api)

        assert before == after

    def test_keep_still_touches_a_real_change(self, api: httpx.Client) -> None:
        """`keep` is about updates that change nothing: a change sets `updated_at`."""
        choose(api, noop_update_timestamp="keep")

        response = api.patch(f"/v1/sequences/{ACTIVE}", json={"variables": {"company": "Acme"}})

        assert response.json()["updated_at"] == NOW


class TestUnknownQueryParameter:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/v1/sequences?status=ACTIVE&colour=blue"),
            ("GET", f"/v1/sequences/{ACTIVE}?colour=blue"),
            ("POST", f"/v1/sequences/{PAUSED}/resume?colour=blue"),
        ],
    )
    def test_ignore_answers_as_without_it(self, api: httpx.Client, method: str, path: str) -> None:
        """`ignore`: an undeclared query parameter changes nothing."""
        choose(api, unknown_query_parameter="ignore")

        assert api.request(method, path).status_code == 200

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/v1/sequences?status=ACTIVE&colour=blue"),
            ("GET", f"/v1/sequences/{ACTIVE}?colour=blue"),
            ("POST", f"/v1/sequences/{PAUSED}/resume?colour=blue"),
        ],
    )
    def test_reject_names_the_parameter(self, api: httpx.Client, method: str, path: str) -> None:
        """`reject`: an undeclared query parameter is a 422 naming it; a write does not happen."""
        choose(api, unknown_query_parameter="reject")

        response = api.request(method, path)

        assert response.status_code == 422
        assert [(e["in"], e["name"]) for e in response.json()["errors"]] == [("query", "colour")]
        assert status_of(api, PAUSED) == "WAITING_FOR_LEAD"

    def test_switching_applies_to_a_query_read_before(self, api: httpx.Client) -> None:
        """The same query string is answered under the choice of the moment, each time."""
        path = "/v1/sequences?status=ACTIVE&colour=blue"
        choose(api, unknown_query_parameter="ignore")
        assert api.get(path).status_code == 200

        choose(api, unknown_query_parameter="reject")
        assert api.get(path).status_code == 422

        choose(api, unknown_query_parameter="ignore")
        assert api.get(path).status_code == 200

    def test_reject_takes_declared_parameters(self, api: httpx.Client) -> None:
        """`reject` refuses only what the operation does not declare."""
        choose(api, unknown_query_parameter="reject")

        response = api.get("/v1/sequences", params={"status": "ACTIVE", "sort_by": "updated_at"})

        assert response.status_code == 200


class TestUpdateFrom:
    def test_any_updates_a_finished_run(self, api: httpx.Client) -> None:
        """`any`: a stopped run's variables can still be updated."""
        choose(api, update_from="any")

        response = api.patch(f"/v1/sequences/{STOPPED}", json={"variables": {"company": "Acme"}})

        assert response.status_code == 200
        assert response.json()["variables"]["company"] == "Acme"

    def test_unfinished_refuses_a_finished_run(self, api: httpx.Client) -> None:
        """`unfinished`: updating a stopped run is a 409; an unfinished one is updated."""
        choose(api, update_from="unfinished")

        stopped = api.patch(f"/v1/sequences/{STOPPED}", json={"variables": {"company": "Acme"}})
        active = api.patch(f"/v1/sequences/{ACTIVE}", json={"variables": {"company": "Acme"}})

        assert_refused_transition(stopped)
        assert active.status_code == 200
