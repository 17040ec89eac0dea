"""The read-only probes: lists (each filter, each sort both ways, paging, size bounds), get, an
unknown id, no key, a bad key, another workspace's run; and the verify-only choices they show."""

from __future__ import annotations

import itertools
import secrets
import uuid
from typing import Any

from sequences_mock.core.choices import BY_ID
from sequences_mock.core.domain import Status
from sequences_mock.verify.checks import (
    filter_problems,
    order_problems,
    page_problems,
)
from sequences_mock.verify.inference import verdict_from_option
from sequences_mock.verify.report import ChoiceVerdict
from sequences_mock.verify.session import Session
from sequences_mock.verify.target import Exchange

__all__ = ["UNKNOWN_PARAMETER", "read_probes"]

LIST = "/v1/sequences"
STATUSES = [status.value for status in Status]
SORTS = ("created_at", "updated_at", "status")
#: The query parameter no operation declares, sent to see whether it is ignored.
UNKNOWN_PARAMETER = "sequences_mock_verify"
#: Stands for an id a dry run cannot know yet.
FIRST_LISTED = "{first-listed-id}"


def _items(exchange: Exchange) -> list[dict[str, Any]]:
    items = exchange.json_object.get("items")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


async def read_probes(session: Session, other_key: str | None) -> list[dict[str, Any]]:
    """Run every read probe; returns the runs listed (the first page, default order)."""
    listed = await _first_list(session)
    runs = _items(listed)
    first = runs[0] if runs else {}
    await _filters(session, first)
    await _sorts(session)
    await _paging(session)
    await _reads(session, str(first.get("id", FIRST_LISTED)), other_key)
    await _unknown_parameter(session, str(first.get("id", FIRST_LISTED)))
    return runs


def _choice(session: Session, choice_id: str, option: str | None, detail: str) -> None:
    probe = session.probe
    if option is None:
        session.report.choice(choice_id, ChoiceVerdict("inconclusive", None, probe, detail))
        return
    default = BY_ID[choice_id].default
    session.report.choice(choice_id, verdict_from_option(probe, default, option, detail))


async def _first_list(session: Session) -> Exchange:
    session.probe = "list"
    listed = await session.call("listSequences", "GET", LIST)
    if not session.dry_run:
        found = {200: "v1", 404: "other"}.get(listed.status)
        _choice(session, "base_path", found, f"GET {LIST} answered {listed.status}")
        scheme = "bearer" if listed.status == 200 else "other" if listed.status == 401 else None
        _choice(session, "auth_scheme", scheme, f"the key as a Bearer token: {listed.status}")
        if listed.status == 200:
            for problem in page_problems(listed.json_object, 1, 10):
                session.invariant(problem)
    return listed


async def _filters(session: Session, first: dict[str, Any]) -> None:
    session.probe = "list: filters"
    filters = [{"status": status} for status in STATUSES]
    template, created = first.get("template_id"), first.get("created_at")
    if isinstance(template, str) or session.dry_run:
        filters.append({"template_id": str(template or "{template-of-the-first-run}")})
    if isinstance(created, str) or session.dry_run:
        moment = str(created or "{created-at-of-the-first-run}")
        filters += [{"created_after": moment}, {"created_before": moment}]
    for wanted in filters:
        page = await session.call("listSequences", "GET", LIST, query={**wanted, "size": "100"})
        if session.expect(page, 200, f"a list with {wanted}"):
            for problem in [
                *filter_problems(_items(page), wanted),
                *page_problems(page.json_object, 1, 100),
            ]:
                session.invariant(problem)


async def _sorts(session: Session) -> None:
    session.probe = "list: sort"
    ties_by_id: bool | None = None
    for sort_by in SORTS:
        for order in ("asc", "desc"):
            query = {"sort_by": sort_by, "order": order, "size": "100"}
            page = await session.call("listSequences", "GET", LIST, query=query)
            if not session.expect(page, 200, f"a list sorted by {sort_by} {order}"):
                continue
            items = _items(page)
            for problem in order_problems(items, sort_by, order):
                session.invariant(problem)
            if sort_by == "status":
                ties_by_id = (ties_by_id is not False) and _ties_by_id(items, sort_by)
    if ties_by_id is not None:
        option = "by_id" if ties_by_id else "other"
        _choice(
            session, "list_order_ties", option, f"runs of one status listed by id: {ties_by_id}"
        )


def _ties_by_id(items: list[dict[str, Any]], sort_by: str) -> bool:
    for before, after in itertools.pairwise(items):
        same = before.get(sort_by) == after.get(sort_by)
        if same and str(before.get("id")) > str(after.get("id")):
            return False
    return True


async def _paging(session: Session) -> None:
    session.probe = "list: paging"
    pages = []
    for number in (1, 2):
        query = {"size": "2", "page": str(number)}
        page = await session.call("listSequences", "GET", LIST, query=query)
        if session.expect(page, 200, f"page {number} at size 2"):
            pages.append(page.json_object)
            for problem in page_problems(page.json_object, number, 2):
                session.invariant(problem)
    if len(pages) == 2:
        if pages[0].get("total") != pages[1].get("total"):
            session.invariant("total differs between pages 1 and 2")
        ids = [item.get("id") for page in pages for item in page.get("items") or []]
        if len(ids) != len(set(ids)):
            session.invariant("a run is on both page 1 and page 2")
    past = (pages[0].get("total_pages", 0) if pages else 0) + 1
    page_past = "{past-the-last-page}" if session.dry_run else str(past)
    beyond = await session.call("listSequences", "GET", LIST, query={"page": page_past})
    if session.expect(beyond, 200, f"page {past}, past the end"):
        for problem in page_problems(beyond.json_object, past, 10):
            session.invariant(problem)
    session.probe = "list: size bounds"
    for size, status in (("0", 422), ("101", 422), ("100", 200)):
        page = await session.call("listSequences", "GET", LIST, query={"size": size})
        session.expect(page, status, f"size={size}")


async def _reads(session: Session, first_id: str, other_key: str | None) -> None:
    session.probe = "get"
    got = await session.call("getSequence", "GET", f"{LIST}/{first_id}")
    session.expect(got, 200, "the first listed run")
    session.probe = "get: unknown id"
    unknown = await session.call("getSequence", "GET", f"{LIST}/{uuid.uuid4()}")
    session.expect(unknown, 404, "an unknown id")
    session.probe = "no key"
    session.expect(await session.call("listSequences", "GET", LIST, key=None), 401, "no key")
    session.probe = "bad key"
    bad = "sk_verify_not_a_key_" + secrets.token_hex(8)
    session.expect(await session.call("listSequences", "GET", LIST, key=bad), 401, "a bad key")
    if other_key is None:
        return
    session.probe = "another workspace"
    other = await session.call("getSequence", "GET", f"{LIST}/{first_id}", key=other_key)
    session.expect(other, 404, "another workspace's run")
    page = await session.call("listSequences", "GET", LIST, query={"size": "100"}, key=other_key)
    if session.expect(page, 200, "a list with --other-key") and first_id in {
        item.get("id") for item in _items(page)
    }:
        session.invariant("--other-key lists a run of --key's workspace")


async def _unknown_parameter(session: Session, first_id: str) -> None:
    """A list and a get with a query parameter neither declares: both 200, or both 422."""
    session.probe = "unknown query parameter"
    query = {UNKNOWN_PARAMETER: "1"}
    listed = await session.call("listSequences", "GET", LIST, query=query)
    got = await session.call("getSequence", "GET", f"{LIST}/{first_id}", query=query)
    if session.dry_run:
        return
    options = {{200: "ignore", 422: "reject"}.get(e.status) for e in (listed, got)}
    option = options.pop() if len(options) == 1 else None
    detail = f"?{UNKNOWN_PARAMETER}=1: list {listed.status}, get {got.status}"
    _choice(session, "unknown_query_parameter", option, detail)
