"""Namespaces through the HTTP surface: each `/ns/{name}` is a world of its own, the bare paths
stay the default one, and the server holds no more of them than it declares."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from default_world import AMELIE_RUN, CLOCK_START, READ_WRITE, bearer
from sequences_mock.app import create_app
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport

RUN = f"/v1/sequences/{AMELIE_RUN}"
CTA = "Coffee in namespace a?"
PATCH = {"variables": {"cta": CTA}}


def cta(client: httpx.Client, path: str) -> str | None:
    """The run's `cta` variable, which only the PATCHes here set."""
    variables: dict[str, str] = client.get(path).json()["variables"]
    return variables.get("cta")


def client_for(settings: Settings) -> httpx.Client:
    app = create_app(settings)
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://mock")


@pytest.fixture(scope="module")
def app_client() -> Iterator[httpx.Client]:
    """One app for the module, holding at most 3 named namespaces: building one per test (its
    two contracts compiled, its world parsed) cost more than most of these tests."""
    with client_for(Settings(max_namespaces=3)) as client:
        client.headers.update(bearer(READ_WRITE))
        yield client


@pytest.fixture
def mock(app_client: httpx.Client) -> httpx.Client:
    """The module's app as good as new (namespaces and snapshots live as long as the app): its
    named namespaces and its snapshots deleted, the default world reset."""
    for namespace in app_client.get("/__mock/namespaces").json()["namespaces"]:
        if namespace["name"] != "default":
            app_client.delete(f"/__mock/namespaces/{namespace['name']}").raise_for_status()
    for snapshot in app_client.get("/__mock/snapshots").json()["snapshots"]:
        app_client.delete(f"/__mock/snapshots/{snapshot['name']}").raise_for_status()
    app_client.post("/__mock/reset").raise_for_status()
    return app_client


def test_a_namespace_is_created_by_its_first_call_from_the_starting_world(
    mock: httpx.Client,
) -> None:
    starting = mock.get(RUN).json()
    mock.post("/__mock/clock", json={"advance_seconds": 60}).raise_for_status()
    mock.patch(RUN, json=PATCH).raise_for_status()

    fresh = mock.get(f"/ns/a{RUN}")

    assert fresh.status_code == 200
    assert fresh.json() == starting
    assert cta(mock, RUN) == CTA
    names = [ns["name"] for ns in mock.get("/__mock/namespaces").json()["namespaces"]]
    assert names == ["default", "a"]


def test_data_clock_faults_and_journal_stay_in_their_namespace(mock: httpx.Client) -> None:
    mock.patch(f"/ns/a{RUN}", json=PATCH).raise_for_status()
    mock.post("/ns/a/__mock/clock", json={"advance_seconds": 3600}).raise_for_status()
    fault = {"operation": "getSequence", "status": 503}
    mock.post("/ns/a/__mock/faults", json=fault).raise_for_status()

    assert cta(mock, RUN) is None
    assert cta(mock, f"/ns/b{RUN}") is None
    assert mock.get("/__mock/clock").json()["now"] == CLOCK_START
    assert mock.get("/ns/b/__mock/clock").json()["now"] == CLOCK_START
    assert mock.get("/ns/a/__mock/clock").json()["now"] == "2026-03-02T10:00:00Z"
    assert mock.get("/__mock/faults").json()["faults"] == []
    assert mock.get(f"/ns/a{RUN}").status_code == 503  # a's fault, spent in a
    assert cta(mock, f"/ns/a{RUN}") == CTA
    journal_a = mock.get("/ns/a/__mock/requests").json()["requests"]
    journal_default = mock.get("/__mock/requests").json()["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in journal_a] == [
        ("PATCH", RUN, 200),
        ("GET", RUN, 503),
        ("GET", RUN, 200),
    ]
    assert [(e["method"], e["path"]) for e in journal_default] == [("GET", RUN)]


def test_a_reset_resets_its_own_namespace_only(mock: httpx.Client) -> None:
    mock.patch(f"/ns/a{RUN}", json=PATCH).raise_for_status()
    mock.patch(RUN, json=PATCH).raise_for_status()

    mock.post("/ns/a/__mock/reset").raise_for_status()

    assert cta(mock, f"/ns/a{RUN}") is None
    assert cta(mock, RUN) == CTA
    assert mock.get("/ns/a/__mock/requests").json()["recorded"] == 1


def test_the_default_namespace_is_also_under_its_name(mock: httpx.Client) -> None:
    mock.patch(RUN, json=PATCH).raise_for_status()

    assert cta(mock, f"/ns/default{RUN}") == CTA
    assert mock.get("/__mock/requests").json()["recorded"] == 2


def test_unknown_paths_in_a_namespace_are_its_404s(mock: httpx.Client) -> None:
    response = mock.get("/ns/a/v1/nothing")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    entries = mock.get("/ns/a/__mock/requests").json()["requests"]
    assert [(e["path"], e["status"]) for e in entries] == [("/v1/nothing", 404)]


@pytest.mark.parametrize("name", ["Upper", "with.dot", "-leading", "a" * 65, "%20", ""])
def test_a_name_outside_the_rule_is_no_namespace(mock: httpx.Client, name: str) -> None:
    response = mock.get(f"/ns/{name}/v1/sequences")

    assert response.status_code == 404
    assert "lower-case letters" in response.json()["detail"]
    assert [ns["name"] for ns in mock.get("/__mock/namespaces").json()["namespaces"]] == ["default"]


def test_a_name_of_64_characters_is_one(mock: httpx.Client) -> None:
    assert mock.get(f"/ns/{'a' * 64}/v1/sequences").status_code == 200


def test_past_the_limit_a_new_namespace_is_refused_and_none_is_evicted(
    mock: httpx.Client,
) -> None:
    for name in ("a", "b", "c"):
        mock.patch(f"/ns/{name}{RUN}", json=PATCH).raise_for_status()

    by_call = mock.get(f"/ns/d{RUN}")
    by_create = mock.post("/__mock/namespaces", json={"name": "d"})

    for refused in (by_call, by_create):
        assert refused.status_code == 409
        assert refused.json()["code"] == "limit_reached"
        assert "at most 3 namespaces" in refused.json()["detail"]
    for name in ("a", "b", "c"):
        assert cta(mock, f"/ns/{name}{RUN}") == CTA
    mock.delete("/__mock/namespaces/a").raise_for_status()
    assert mock.get(f"/ns/d{RUN}").status_code == 200


def test_a_deleted_namespace_comes_back_fresh(mock: httpx.Client) -> None:
    mock.patch(f"/ns/a{RUN}", json=PATCH).raise_for_status()

    deleted = mock.delete("/__mock/namespaces/a")

    assert deleted.json() == {"name": "a", "from_snapshot": None, "requests_recorded": 1}
    assert cta(mock, f"/ns/a{RUN}") is None


def test_deleting_what_is_not_there_or_the_default_is_refused(mock: httpx.Client) -> None:
    assert mock.delete("/__mock/namespaces/nobody").status_code == 404
    refused = mock.delete("/__mock/namespaces/default")
    assert refused.status_code == 409
    assert "reset it" in refused.json()["detail"]


def test_creating_a_namespace_refuses_a_taken_or_bad_name(mock: httpx.Client) -> None:
    assert mock.post("/__mock/namespaces", json={"name": "a"}).status_code == 201

    taken = mock.post("/__mock/namespaces", json={"name": "a"})
    default = mock.post("/__mock/namespaces", json={"name": "default"})
    bad = mock.post("/__mock/namespaces", json={"name": "Not OK"})

    assert (taken.status_code, taken.json()["code"]) == (409, "duplicate_id")
    assert default.status_code == 409
    assert (bad.status_code, bad.json()["errors"][0]["name"]) == (422, "name")


def test_a_namespace_created_from_a_snapshot_resets_to_it(mock: httpx.Client) -> None:
    mock.patch(RUN, json=PATCH).raise_for_status()
    mock.post("/__mock/snapshots", json={"name": "patched"}).raise_for_status()

    created = mock.post("/__mock/namespaces", json={"name": "a", "from_snapshot": "patched"})
    mock.patch(f"/ns/a{RUN}", json={"variables": {"cta": "later"}}).raise_for_status()
    mock.post("/ns/a/__mock/reset").raise_for_status()

    assert created.status_code == 201
    assert created.json()["from_snapshot"] == "patched"
    assert cta(mock, f"/ns/a{RUN}") == CTA


def test_a_namespace_from_a_missing_snapshot_is_not_created(mock: httpx.Client) -> None:
    response = mock.post("/__mock/namespaces", json={"name": "a", "from_snapshot": "nothing"})

    assert response.status_code == 404
    assert len(mock.get("/__mock/namespaces").json()["namespaces"]) == 1


def test_the_control_token_guards_every_namespace() -> None:
    with client_for(Settings(control_token="s3cret")) as client:
        refused = client.post("/ns/a/__mock/reset")
        health = client.get("/ns/a/__mock/health")
        allowed = client.post("/ns/a/__mock/reset", headers=bearer("s3cret"))

    assert refused.status_code == 401
    assert health.status_code == 200
    assert allowed.status_code == 200


def test_a_page_of_another_origin_cannot_change_a_namespace(mock: httpx.Client) -> None:
    response = mock.post("/ns/a/__mock/reset", headers={"Origin": "https://evil.example"})

    assert response.status_code == 403


def test_a_named_namespace_takes_smaller_seeds(mock: httpx.Client) -> None:
    """Its seeds are bounded below the default world's, since a server holds many of them."""
    body = b'{"workspaces": [], "padding": "' + b"x" * (16 * 1024 * 1024) + b'"}'
    headers = {"Content-Type": "application/json"}

    response = mock.post("/ns/a/__mock/seed", content=body, headers=headers)

    assert response.status_code == 413


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_first_calls_arriving_together_create_one_namespace() -> None:
    """The store of a new namespace is built off the loop; calls meanwhile wait for it."""
    app = create_app(Settings(max_namespaces=1))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        calls = [client.get(f"/ns/a{RUN}", headers=bearer(READ_WRITE)) for _ in range(10)]
        answers = await asyncio.gather(*calls)
        listed = (await client.get("/__mock/namespaces")).json()["namespaces"]

    assert [answer.status_code for answer in answers] == [200] * 10
    assert [namespace["name"] for namespace in listed] == ["default", "a"]
