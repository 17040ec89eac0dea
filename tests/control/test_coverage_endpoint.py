"""Contract coverage at /__mock/coverage: which operations were called and which statuses seen."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock.app import create_app
from sequences_mock.contract.openapi import base_path
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport

RW = bearer(READ_WRITE)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def coverage(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/__mock/coverage")
    assert response.status_code == 200, response.text
    return response.json()


def by_operation(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["operation"]: item for item in document["operations"]}


def document_operations(client: httpx.Client) -> list[tuple[str, str, str]]:
    """(operationId, METHOD, full path) of every operation, in the served contract's order."""
    contract = client.get("/openapi.json").json()
    base = base_path(contract)
    return [
        (spec["operationId"], method.upper(), base + path)
        for path, item in contract["paths"].items()
        for method, spec in item.items()
        if method in HTTP_METHODS
    ]


def test_one_item_per_contract_operation_in_document_order(client, app):
    """Every operation of openapi.yaml has an item, in the document's order, with its route."""
    items = coverage(client)["operations"]

    assert [(i["operation"], i["method"], i["path"]) for i in items] == document_operations(client)
    for item in items:
        declared = sorted(app.state.context.contract.operation(item["operation"]).responses)
        assert item["declared"] == declared


def test_before_any_call_nothing_is_exercised(client):
    """A fresh mock shows no calls: every declared status is unexercised."""
    document = coverage(client)

    for item in document["operations"]:
        assert item["calls"] == 0
        assert item["statuses"] == {}
        assert item["exercised"] == []
        assert item["unexercised"] == item["declared"]
        assert item["undeclared"] == []
    assert document["unmatched"] == {"calls": 0, "statuses": {}}
    assert document["summary"] == {
        "operations": len(document["operations"]),
        "operations_called": 0,
        "declared_statuses": sum(len(item["declared"]) for item in document["operations"]),
        "exercised_statuses": 0,
        "warned_calls": 0,
    }


def test_calls_are_counted_by_operation_and_status(client):
    """Each answered status counts toward its operation; unexercised is declared minus exercised."""
    client.get("/v1/sequences", headers=RW)
    client.get("/v1/sequences?page=2", headers=RW)
    client.get("/v1/sequences")
    client.get("/v1/sequences/00000000-0000-4000-8000-000000000000", headers=RW)
    client.post(f"/v1/sequences/{AMELIE_RUN}/resume", headers=RW)

    document = coverage(client)
    items = by_operation(document)

    listed, got, resumed = items["listSequences"], items["getSequence"], items["resumeSequence"]
    assert (listed["calls"], listed["statuses"]) == (3, {"200": 2, "401": 1})
    assert listed["exercised"] == [200, 401]
    assert listed["unexercised"] == [s for s in listed["declared"] if s not in (200, 401)]
    assert (got["calls"], got["statuses"], got["exercised"]) == (1, {"404": 1}, [404])
    assert (resumed["calls"], resumed["statuses"], resumed["exercised"]) == (1, {"409": 1}, [409])
    for name in ("updateSequence", "pauseSequence", "stopSequence"):
        assert items[name]["calls"] == 0
    assert all(item["undeclared"] == [] for item in document["operations"])
    summary = document["summary"]
    assert (summary["operations_called"], summary["exercised_statuses"]) == (3, 4)


def test_router_refusals_are_counted_as_unmatched(client):
    """Unknown paths and wrong methods under /v1 count as unmatched, not toward an operation."""
    client.get("/v1/nothing-here", headers=RW)
    client.delete("/v1/sequences", headers=RW)
    client.put(f"/v1/sequences/{AMELIE_RUN}", headers=RW)
    client.get("/__mock/nothing-here")

    document = coverage(client)

    assert document["unmatched"] == {"calls": 3, "statuses": {"404": 1, "405": 2}}
    assert all(item["calls"] == 0 for item in document["operations"])
    assert document["summary"]["operations_called"] == 0


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/__mock/requests"), ("POST", "/__mock/reset")]
)
def test_clearing_the_journal_clears_coverage(client, method, path):
    """DELETE /__mock/requests and POST /__mock/reset both zero the tallies."""
    client.get("/v1/sequences", headers=RW)
    client.get("/v1/nothing-here", headers=RW)
    assert coverage(client)["summary"]["operations_called"] == 1

    assert client.request(method, path).status_code == 200

    document = coverage(client)
    assert all(item["calls"] == 0 for item in document["operations"])
    assert document["unmatched"]["calls"] == 0
    assert document["summary"]["exercised_statuses"] == 0


def test_coverage_counts_calls_the_ring_dropped():
    """Coverage counts every call since the last clear, even past the journal's size."""
    app = create_app(Settings(journal_size=3))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        for _ in range(4):
            client.get("/v1/sequences", headers=RW)
        client.get("/v1/sequences")

        listed = by_operation(coverage(client))["listSequences"]
        assert client.get("/__mock/requests").json()["dropped"] == 2

    assert (listed["calls"], listed["statuses"]) == (5, {"200": 4, "401": 1})
