"""listSequences: filters, sorting, pagination and query validation."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from default_world import ACME, GLOBEX, GLOBEX_READ_WRITE, bearer, sequences_in_state
from http_helpers import (
    ALL_STATUSES,
    UNKNOWN_ID,
    assert_sequence_shape,
    assert_validation_error,
    public,
)

CREATED_TIE = "2026-02-03T15:27:44Z"
UPDATED_TIE = "2026-02-20T08:30:15Z"


def acme_runs(client: httpx.Client) -> list[dict[str, Any]]:
    return [public(s) for s in sequences_in_state(client, workspace_id=ACME)]


def list_all(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every item of one query, read with the largest page."""
    response = client.get("/v1/sequences", params={**params, "size": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["has_more"] is False
    assert len(body["items"]) == body["total"]
    return body["items"]


def expected_order(runs: list[dict[str, Any]], sort_by: str, order: str) -> list[str]:
    """Sorted by the key in the given direction, ties by id ascending."""
    by_id = sorted(runs, key=lambda run: run["id"])
    return [
        run["id"] for run in sorted(by_id, key=lambda run: run[sort_by], reverse=order == "desc")
    ]


def test_default_page_envelope(acme: httpx.Client) -> None:
    """Without parameters the first page of ten Acme runs comes with the full envelope."""
    runs = acme_runs(acme)
    response = acme.get("/v1/sequences")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"items", "total", "total_pages", "has_more"}
    assert body["total"] == len(runs)
    assert body["total_pages"] == math.ceil(len(runs) / 10)
    assert body["has_more"] is True
    assert [item["id"] for item in body["items"]] == expected_order(runs, "created_at", "asc")[:10]
    for item in body["items"]:
        assert_sequence_shape(item)


def test_items_equal_the_stored_runs_without_mock_only_fields(acme: httpx.Client) -> None:
    """Each listed item is the stored run minus paused_until and stop_reason."""
    stored = {run["id"]: run for run in acme_runs(acme)}
    items = list_all(acme)
    assert {item["id"]: item for item in items} == stored


@pytest.mark.parametrize("sort_by", ["created_at", "updated_at"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sorting_by_timestamp_breaks_ties_by_id(
    acme: httpx.Client, sort_by: str, order: str
) -> None:
    """Timestamp sorts follow the key in the given order with ties broken by id ascending."""
    items = list_all(acme, sort_by=sort_by, order=order)
    assert [item["id"] for item in items] == expected_order(acme_runs(acme), sort_by, order)


@pytest.mark.parametrize(
    ("sort_by", "tie"), [("created_at", CREATED_TIE), ("updated_at", UPDATED_TIE)]
)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_fixture_ties_are_adjacent_and_id_ascending(
    acme: httpx.Client, sort_by: str, tie: str, order: str
) -> None:
    """The two runs sharing a timestamp sit next to each other, lower id first, in both orders."""
    tied = sorted(run["id"] for run in acme_runs(acme) if run[sort_by] == tie)
    assert len(tied) == 2
    ids = [item["id"] for item in list_all(acme, sort_by=sort_by, order=order)]
    first = ids.index(tied[0])
    assert ids[first : first + 2] == tied


def test_default_sort_is_created_at_ascending(acme: httpx.Client) -> None:
    """Omitting sort_by and order gives the same order as created_at asc."""
    default = [item["id"] for item in list_all(acme)]
    explicit = [item["id"] for item in list_all(acme, sort_by="created_at", order="asc")]
    assert default == explicit


def test_sorting_by_status_groups_statuses_and_keeps_ties_by_id(acme: httpx.Client) -> None:
    """Status sort groups each status, desc reverses the groups, ids ascend within a group."""
    orders = {}
    for order in ("asc", "desc"):
        items = list_all(acme, sort_by="status", order=order)
        groups: list[str] = []
        for item in items:
            if not groups or groups[-1] != item["status"]:
                assert item["status"] not in groups
                groups.append(item["status"])
        for status in groups:
            ids = [item["id"] for item in items if item["status"] == status]
            assert ids == sorted(ids)
        orders[order] = groups
    assert orders["desc"] == list(reversed(orders["asc"]))
    assert sorted(orders["asc"]) == sorted(ALL_STATUSES)


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_status_sorts_by_its_name(acme: httpx.Client, order: str) -> None:
    """sort_by=status orders by the status name, ties by id ascending."""
    items = list_all(acme, sort_by="status", order=order)
    assert [item["id"] for item in items] == expected_order(acme_runs(acme), "status", order)


def test_walking_every_page_returns_each_run_once(acme: httpx.Client) -> None:
    """Following has_more page by page yields every Acme run exactly once."""
    runs = acme_runs(acme)
    seen: list[str] = []
    page = 1
    while True:
        response = acme.get("/v1/sequences", params={"page": page, "size": 7})
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == len(runs)
        assert body["total_pages"] == math.ceil(len(runs) / 7)
        assert len(body["items"]) <= 7
        seen += [item["id"] for item in body["items"]]
        if not body["has_more"]:
            break
        page += 1
    assert page == body["total_pages"]
    assert len(seen) == len(set(seen)) == len(runs)
    assert seen == expected_order(runs, "created_at", "asc")


def test_page_past_the_end_is_empty(acme: httpx.Client) -> None:
    """A page after the last one has no items and no more pages, with the same totals."""
    total = len(acme_runs(acme))
    last = math.ceil(total / 10)
    body = acme.get("/v1/sequences", params={"page": last + 1}).json()
    assert body == {"items": [], "total": total, "total_pages": last, "has_more": False}


def test_last_page_has_no_more(acme: httpx.Client) -> None:
    """The last page holds the remainder and says has_more false."""
    total = len(acme_runs(acme))
    last = math.ceil(total / 10)
    body = acme.get("/v1/sequences", params={"page": last}).json()
    assert len(body["items"]) == total - (last - 1) * 10
    assert body["has_more"] is False


@pytest.mark.parametrize("template_id", [UNKNOWN_ID, "cc1baa67-06a8-4081-b613-def7f2f75590"])
def test_no_match_has_zero_pages(acme: httpx.Client, template_id: str) -> None:
    """An empty result (unknown or other workspace's template) has total 0 and total_pages 0."""
    body = acme.get("/v1/sequences", params={"template_id": template_id}).json()
    assert body == {"items": [], "total": 0, "total_pages": 0, "has_more": False}


@pytest.mark.parametrize("size", [1, 100])
def test_size_bounds_are_accepted(acme: httpx.Client, size: int) -> None:
    """size 1 and size 100 are valid and bound the number of items."""
    total = len(acme_runs(acme))
    body = acme.get("/v1/sequences", params={"size": size}).json()
    assert len(body["items"]) == min(size, total)
    assert body["total_pages"] == math.ceil(total / size)


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_status_filter(acme: httpx.Client, status: str) -> None:
    """status= returns exactly the Acme runs in that status."""
    expected = {run["id"] for run in acme_runs(acme) if run["status"] == status}
    assert expected
    items = list_all(acme, status=status)
    assert {item["id"] for item in items} == expected
    assert all(item["status"] == status for item in items)


def test_template_filter(acme: httpx.Client) -> None:
    """template_id= returns exactly the Acme runs of that template."""
    template = "5d91017f-b1a4-421b-ba3c-57bacddf6042"
    expected = {run["id"] for run in acme_runs(acme) if run["template_id"] == template}
    assert expected
    assert {item["id"] for item in list_all(acme, template_id=template)} == expected


def test_status_and_template_filters_combine(acme: httpx.Client) -> None:
    """status and template_id together return the intersection."""
    template = "e7cc7e41-12f4-4a32-ba3d-8702830f522b"
    expected = {
        run["id"]
        for run in acme_runs(acme)
        if run["template_id"] == template and run["status"] == "ACTIVE"
    }
    assert expected
    items = list_all(acme, template_id=template, status="ACTIVE")
    assert {item["id"] for item in items} == expected


@pytest.mark.parametrize(
    ("params", "included"),
    [
        ({"created_after": CREATED_TIE}, lambda c: c > CREATED_TIE),
        ({"created_before": CREATED_TIE}, lambda c: c < CREATED_TIE),
        ({"created_after": "2026-02-03T15:27:43Z"}, lambda c: c > "2026-02-03T15:27:43Z"),
        ({"created_before": "2026-02-03T15:27:45Z"}, lambda c: c < "2026-02-03T15:27:45Z"),
        ({"created_after": "2026-02-03T17:27:44+02:00"}, lambda c: c > CREATED_TIE),
        ({"created_before": "2026-02-03T16:27:45+01:00"}, lambda c: c <= CREATED_TIE),
        (
            {"created_after": "2026-02-01T00:00:00Z", "created_before": "2026-02-10T00:00:00Z"},
            lambda c: "2026-02-01T00:00:00Z" < c < "2026-02-10T00:00:00Z",
        ),
        ({"created_after": CREATED_TIE, "created_before": CREATED_TIE}, lambda c: False),
    ],
)
def test_created_bounds_are_strict(acme: httpx.Client, params: dict[str, str], included) -> None:
    """created_after/created_before exclude runs created exactly at the bound; offsets work."""
    expected = {run["id"] for run in acme_runs(acme) if included(run["created_at"])}
    assert {item["id"] for item in list_all(acme, **params)} == expected


def test_bound_equal_to_tied_runs_excludes_both(acme: httpx.Client) -> None:
    """Both runs created at the tie instant vanish with created_after at that instant."""
    tied = {run["id"] for run in acme_runs(acme) if run["created_at"] == CREATED_TIE}
    assert len(tied) == 2
    after = {item["id"] for item in list_all(acme, created_after=CREATED_TIE)}
    before = {item["id"] for item in list_all(acme, created_before=CREATED_TIE)}
    assert not tied & (after | before)
    just_before = {item["id"] for item in list_all(acme, created_after="2026-02-03T15:27:43Z")}
    assert tied <= just_before


def test_unknown_query_parameters_are_ignored(acme: httpx.Client) -> None:
    """Parameters the contract does not know change nothing."""
    plain = acme.get("/v1/sequences", params={"size": 3})
    extra = acme.get("/v1/sequences", params={"size": 3, "foo": "bar", "limit": "x"})
    assert extra.status_code == 200
    assert extra.json() == plain.json()


def test_globex_key_lists_only_globex_runs(client: httpx.Client) -> None:
    """The Globex key sees Globex runs only."""
    expected = {run["id"] for run in sequences_in_state(client, workspace_id=GLOBEX)}
    client.headers.update(bearer(GLOBEX_READ_WRITE))
    items = list_all(client)
    assert {item["id"] for item in items} == expected
    assert all(item["workspace_id"] == GLOBEX for item in items)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ([("size", "0")], "size"),
        ([("size", "101")], "size"),
        ([("size", "abc")], "size"),
        ([("size", "")], "size"),
        ([("page", "0")], "page"),
        ([("page", "-1")], "page"),
        ([("page", "1.5")], "page"),
        ([("status", "NOPE")], "status"),
        ([("status", "active")], "status"),
        ([("status", "ACTIVE"), ("status", "FOUND")], "status"),
        ([("template_id", "not-a-uuid")], "template_id"),
        ([("created_after", "yesterday")], "created_after"),
        ([("created_after", "2026-02-03")], "created_after"),
        ([("created_before", "2026-02-03T15:27:44")], "created_before"),
        ([("sort_by", "name")], "sort_by"),
        ([("sort_by", "id")], "sort_by"),
        ([("order", "up")], "order"),
        ([("order", "DESC")], "order"),
    ],
)
def test_invalid_query_parameter(
    acme: httpx.Client, params: list[tuple[str, str]], name: str
) -> None:
    """Each invalid query parameter is a 422 validation_error naming it in the query."""
    response = acme.get("/v1/sequences", params=params)
    assert_validation_error(response, "query", {name})


def test_every_invalid_query_parameter_is_reported(acme: httpx.Client) -> None:
    """One request with many bad parameters lists errors naming each of them."""
    params = [
        ("size", "101"),
        ("page", "0"),
        ("status", "A"),
        ("status", "B"),
        ("template_id", "not-a-uuid"),
        ("created_after", "yesterday"),
        ("created_before", "tomorrow"),
        ("sort_by", "name"),
        ("order", "up"),
        ("unknown", "ignored"),
    ]
    names = {
        "size",
        "page",
        "status",
        "template_id",
        "created_after",
        "created_before",
        "sort_by",
        "order",
    }
    assert_validation_error(acme.get("/v1/sequences", params=params), "query", names)
