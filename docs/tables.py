"""The docs' tables, written from the code and the documents that define them.

A page holds a generated table between `<!-- table: NAME -->` and `<!-- /table -->`.
`python docs/tables.py` rewrites every such table in README.md and docs/*.md;
`python docs/tables.py --check` lists the pages that differ, and `tests/test_docs_tables.py`
fails on them, so a change to an option, an error code, a limit or a fixture field that the docs
do not follow is caught, and one command fixes it.

What the code cannot say (what an error means, what happens past a limit) is written here,
beside the value it explains; a code with no explanation here stops the generator.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sequences_mock import call_log, cli
from sequences_mock.connections import ConnectionLimits
from sequences_mock.contract.query_memo import MEMO_QUERY_BYTES, MEMO_SIZE
from sequences_mock.contract.validation import INTEGER_DIGITS
from sequences_mock.core.choices import REGISTER, Choice
from sequences_mock.core.durations import LONGEST
from sequences_mock.core.lifecycle import MAX_VARIABLES
from sequences_mock.core.timestamps import LAST, format_timestamp
from sequences_mock.formats import parsed_cache, valid_sources
from sequences_mock.formats.schema import MAX_ECHO, MAX_ENTRIES, MAX_PROBLEMS
from sequences_mock.formats.strict_json import MAX_DEPTH
from sequences_mock.http.control import SEEDS_AT_ONCE
from sequences_mock.http.namespaces import (
    NAMESPACE_JOURNAL_BYTES,
    NAMESPACE_RENDER_BUDGET,
    NAMESPACE_SEED_BYTES,
)
from sequences_mock.http.problems import ERRORS_BUDGET, STATUS_BY_CODE
from sequences_mock.http.views import RENDER_BUDGET
from sequences_mock.settings import Settings
from sequences_mock.state import journal
from sequences_mock.state.faults import MAX_PENDING
from sequences_mock.state.feed import DEFAULT_FEED_SIZE
from sequences_mock.state.history import DEFAULT_EVENTS_PER_RUN, DEFAULT_EVENTS_TOTAL
from sequences_mock.state.runtime import CATCH_UP_SLICE_SECONDS
from sequences_mock.state.snapshots import Snapshots

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
TABLE = re.compile(r"(<!-- table: ([\w-]+) -->\n)(.*?)(<!-- /table -->)", re.DOTALL)


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = list(header)
    rule = "|" + "---|" * len(head)
    return "\n".join([_row(*head), rule, *(_row(*row) for row in rows)]) + "\n"


# --- serve options: from the command's own parser ---------------------------------------------


def _serve_parser() -> argparse.ArgumentParser:
    # argparse keeps no public list of a parser's subcommands or options.
    for action in cli._parser({})._actions:
        if isinstance(action, argparse._SubParsersAction):
            serve: argparse.ArgumentParser = action.choices["serve"]
            return serve
    raise SystemExit("docs/tables.py: the command has no serve")


def serve_options() -> str:
    rows = []
    for action in _serve_parser()._actions:
        if not action.option_strings or action.dest == "help":
            continue
        option = action.option_strings[-1]
        if action.nargs != 0:
            option += f" {action.metavar or action.dest.upper()}"
        rows.append((f"`{option}`", f"`{cli.env_name(action)}`", _default(action), action.help))
    return _table(("option", "variable", "default", "what"), rows)


def _default(action: argparse.Action) -> str:
    default = action.default
    if action.nargs == 0:
        return "on" if default else "off"
    if default in (None, [], ""):
        return "-"
    if isinstance(default, list):
        default = ",".join(map(str, default))
    return f"`{default}`"


# --- errors: every code the mock answers, from the one table of codes to statuses -------------

#: Refusals made before a request reaches the app (the connection's own), with their status.
CONNECTION_CODES = {
    "malformed_request": 400,
    "request_timeout": 408,
    "request_header_fields_too_large": 431,
}

WHEN = {
    "malformed_json": "the body is not JSON (not UTF-8, NaN and Infinity included)",
    "malformed_document": "a seed that is neither JSON nor YAML at all (control plane)",
    "malformed_request": "bytes that are not an HTTP/1.1 request; the requests sent before them "
    "on the connection are answered first, in order, then this, and the connection is closed",
    "unauthenticated": "no key, not a Bearer key, or an unknown key; sends `WWW-Authenticate: "
    "Bearer …`. On the control plane: no or a wrong control token, when one is set",
    "insufficient_scope": "the key lacks the operation's scope; `WWW-Authenticate` names it",
    "forbidden_origin": "a control-plane write from a browser page of another origin",
    "not_found": "unknown id, malformed id, another workspace's run, or an unknown path",
    "method_not_allowed": "with an `Allow` header listing the path's methods",
    "request_timeout": "the request's headers or body did not arrive in time (see "
    "[Limits](limits.md)); the connection is closed",
    "invalid_state_transition": "pause/resume/stop from a status that does not allow it; detail "
    "names the status (control plane: a task for a run not WAITING_FOR_USER)",
    "duplicate_id": "an enrollment with an `id` the world already holds, or a namespace or "
    "snapshot name taken (control plane)",
    "limit_reached": "(control plane) one namespace or snapshot past its limit (see "
    "[Limits](limits.md)); nothing is ever evicted",
    "storage_failed": "(control plane) a snapshot file under `--state-dir` could not be written",
    "content_too_large": "a body over its limit (see [Limits](limits.md))",
    "unsupported_media_type": "a body that is not `application/json`, or not in UTF-8 (a seed "
    "may be YAML too)",
    "misdirected_request": "the mock listens on a loopback address and the `Host` header is not "
    "a loopback name (`localhost`, `127.0.0.0/8`, `[::1]`, any port): what a page that rebinds "
    "its own name to 127.0.0.1 sends",
    "validation_error": "a parameter or the body breaks its schema, or a PATCH would leave a run "
    "more than 100 overrides (see [Limits](limits.md))",
    "paused_until_not_in_future": "`paused_until` at or before the mock clock's now",
    "invalid_fixtures": "a seed with problems: every one listed by path (the first 100)",
    "invalid_clock_change": "a clock change that would move time backwards",
    "request_header_fields_too_large": "the request's target and headers are over their limit "
    "(see [Limits](limits.md)); the connection is closed",
    "too_many_requests": "only as an [injected fault](control-plane.md#faults-on-demand) (the "
    "mock has no rate limit)",
    "internal_error": "a bug in the mock (logged), or an injected fault",
    "mock_contract_violation": "the mock was about to send a response its contract forbids (a "
    "bug; logged)",
    "bad_gateway": "only as an injected fault",
    "service_unavailable": "only as an injected fault",
    "seed_queue_full": "(control plane) a seed arrived while one was built and another waited; "
    "refused before its body is read; `Retry-After: 1`",
    "world_replaced": "a reset or seed replaced the world the request arrived in before it was "
    "applied (its body or a fault's delay was still awaited); it changed nothing and is "
    "journaled nowhere; `Retry-After: 0`",
    "gateway_timeout": "only as an injected fault",
}


def errors() -> str:
    codes = {**STATUS_BY_CODE, **CONNECTION_CODES}
    missing = sorted(set(codes) - set(WHEN))
    stale = sorted(set(WHEN) - set(codes))
    if missing or stale:
        raise SystemExit(f"docs/tables.py WHEN: describe {missing}, drop {stale}")
    ordered = sorted(codes, key=lambda code: codes[code])  # stable: the table's order per status
    return _table(("status", "code", "when"), ((codes[c], f"`{c}`", WHEN[c]) for c in ordered))


# --- limits: every bound, its value read from where it is enforced ----------------------------


def _bytes(size: int) -> str:
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size:,} bytes"


def _fixture_schema() -> Mapping[str, Any]:
    text = resources.files("sequences_mock").joinpath("fixture.schema.json").read_text("utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


def _contract(name: str) -> Mapping[str, Any]:
    text = resources.files("sequences_mock").joinpath("_data", name).read_text(encoding="utf-8")
    document: Mapping[str, Any] = yaml.safe_load(text)
    return document


def _parameter(document: Mapping[str, Any], operation_id: str, name: str) -> Mapping[str, Any]:
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                for parameter in operation.get("parameters", []):
                    if parameter["name"] == name:
                        schema: Mapping[str, Any] = parameter["schema"]
                        return schema
    raise SystemExit(f"docs/tables.py: no parameter {name} on {operation_id}")


def _span(schema: Mapping[str, Any]) -> str:
    return f"{schema['minimum']:,}..{schema['maximum']:,}"


def limits() -> str:
    api, control = _contract("openapi.yaml"), _contract("control.openapi.yaml")
    fixture = _fixture_schema()
    settings, connections = Settings(), ConnectionLimits()
    fault = control["components"]["schemas"]["FaultRequest"]["properties"]
    variables = fixture["$defs"]["variables"]
    steps = fixture["properties"]["templates"]["items"]["properties"]["steps"]
    page, size = _parameter(api, "listSequences", "page"), _parameter(api, "listSequences", "size")
    since, limit = (
        _parameter(control, "listRequests", "since"),
        _parameter(control, "listRequests", "limit"),
    )
    rows = [
        (
            "a request body (the API, clock, faults, enrollments, tasks)",
            _bytes(settings.max_body_bytes),
            "`413 content_too_large`",
        ),
        (
            "a seed (`POST /__mock/seed`) or fixture file (`serve --fixtures`, `check-fixtures`, "
            "the pytest plugin's)",
            _bytes(settings.max_seed_bytes),
            "`413 content_too_large`; a file is refused with a message, having read one byte past "
            "the limit",
        ),
        (
            "seeds at once (`POST /__mock/seed`)",
            f"{SEEDS_AT_ONCE}: one built, one waiting, each holding its body",
            "`503 seed_queue_full` with `Retry-After: 1`, before the body is read",
        ),
        (
            "problems listed for a request body, a seed or a fixture document",
            f"the first {MAX_PROBLEMS}, in at most {_bytes(ERRORS_BUDGET)}; each name and message "
            f"cut to {MAX_ECHO} characters (the middle left out, its length said)",
            "the check stops; a problem answer stays under 64 KiB whatever the body",
        ),
        (
            "entries of each object and array an invalid document's problems are looked for in",
            f"the first {MAX_ENTRIES:,} (more than any `maxItems` or `maxProperties`)",
            "the rest are looked at only when the first hold no problem",
        ),
        ("JSON nesting", f"{MAX_DEPTH} levels", "`400 malformed_json`"),
        (
            "`page` / `size`",
            f"{_span(page)} / {_span(size)}",
            "`422 validation_error`",
        ),
        (
            "journal `since` / `limit`",
            f"{_span(since)} / {_span(limit)}",
            "`422 validation_error`",
        ),
        (
            "the world's event feed (`GET /__mock/events`) / a page of it",
            f"{DEFAULT_FEED_SIZE:,} events / "
            f"{_parameter(control, 'listEvents', 'limit')['maximum']:,}",
            "the oldest go (counted in `dropped`) / `422 validation_error`",
        ),
        (
            "a journal entry's `warnings`",
            f"{journal.WARNINGS_LIMIT}, names of {journal.WARNING_NAME_LIMIT} characters",
            "the rest are not listed",
        ),
        (
            "named namespaces (`/ns/{name}/v1`)",
            f"{settings.max_namespaces:,} (`--max-namespaces`)",
            "`409 limit_reached`; none is evicted",
        ),
        (
            "a named namespace's seed / journal / kept renderings",
            f"{_bytes(NAMESPACE_SEED_BYTES)} / {_bytes(NAMESPACE_JOURNAL_BYTES)} / "
            f"{_bytes(NAMESPACE_RENDER_BUDGET)}",
            "`413 content_too_large` / the oldest go / rendered again",
        ),
        (
            "snapshots (`POST /__mock/snapshots`)",
            f"{settings.max_snapshots:,}, {_bytes(Snapshots().max_bytes)} together",
            "`409 limit_reached` / `413 content_too_large`",
        ),
        (
            "runs in a page of `GET /__mock/sequences` (the console's runs table shows 25)",
            f"{_parameter(control, 'listRuns', 'size')['maximum']:,}",
            "`422 validation_error`",
        ),
        (
            "any integer in a query",
            f"{INTEGER_DIGITS} significant digits",
            "`422 validation_error` (out of range)",
        ),
        (
            "a run's `variables` (a PATCH's result, template defaults, enrolled and seeded runs)",
            f"{MAX_VARIABLES} overrides; names of {variables['propertyNames']['maxLength']} "
            f"characters, values of {variables['additionalProperties']['maxLength']:,}",
            "`422 validation_error` naming `variables`, nothing changes (`invalid_fixtures` in "
            "a seed)",
        ),
        (
            "a template's steps / a step's `wait`",
            f"{steps['maxItems']} / {LONGEST.days:,} days, "
            f"{fixture['$defs']['duration']['maxLength']} characters",
            "a fixture problem (`422 invalid_fixtures` in a seed)",
        ),
        ("pending faults", f"{MAX_PENDING:,}", "`422 validation_error`"),
        (
            "a fault's `times` / `delay_ms` / `retry_after`",
            " / ".join(
                f"{fault[name]['maximum']:,}" for name in ("times", "delay_ms", "retry_after")
            ),
            "`422 validation_error`",
        ),
        (
            "request journal",
            f"{journal.DEFAULT_JOURNAL_SIZE:,} entries (`--journal-size`), "
            f"{_bytes(journal.JOURNAL_BYTES)} together",
            "the oldest go (counted in `dropped`)",
        ),
        (
            "journal path (and each path parameter) / query string / body",
            f"{journal.PATH_LIMIT:,} characters / {journal.QUERY_LIMIT:,} bytes / "
            f"{_bytes(journal.BODY_LIMIT)}",
            "cut; `path_truncated_from`, `query_truncated_from`, `body_truncated_from` give the "
            "full size",
        ),
        (
            "a run's history",
            f"{DEFAULT_EVENTS_PER_RUN} events",
            "the oldest go (counted in `dropped`)",
        ),
        (
            "every run's history together",
            f"{DEFAULT_EVENTS_TOTAL:,} events (about 100 MiB)",
            "the histories of the runs recorded least recently go whole (counted in their "
            "`dropped`)",
        ),
        (
            "the loop the clock's events hold at once (a clock move, a call on a ticking clock)",
            f"{CATCH_UP_SLICE_SECONDS * 1000:g} ms",
            "they go on in slices, the server answering between them; calls that read or "
            "change runs wait for their end and see them whole",
        ),
        (
            "a run's next due instant (a clock set near year 9999)",
            format_timestamp(LAST),
            "a step or activation due later is due then: no error, no run stuck",
        ),
        (
            "call lines (`serve`) waiting for a standard output that takes nothing (a pipe nobody "
            "reads, a terminal paused with Ctrl-S)",
            _bytes(call_log.OUTPUT_BUDGET),
            "later lines are dropped, never stalling a request; a `# N call lines dropped` line "
            "follows once the output takes text again",
        ),
        (
            "kept renderings of runs (a cache)",
            _bytes(RENDER_BUDGET),
            "the oldest are rendered again when asked for",
        ),
        (
            "parsed YAML files kept between processes (a cache of the contracts and fixture "
            "files, in `~/.cache/sequences-mock/parsed` or `$SEQUENCES_MOCK_CACHE_DIR`; `off` "
            "turns it off)",
            f"{parsed_cache.MAX_ENTRIES} files, each from a file of at most "
            f"{_bytes(parsed_cache.MAX_SOURCE_BYTES)}",
            "the oldest go; a larger file is parsed each time",
        ),
        (
            "query strings an API path remembers having read (a cache)",
            f"{MEMO_SIZE} of at most {_bytes(MEMO_QUERY_BYTES)} each",
            "all are forgotten and read again; a longer one is read on every call",
        ),
        (
            "request and response bodies found valid, remembered by "
            "their text (a cache of schema checks, per contract)",
            f"{_bytes(valid_sources.SOURCES_BUDGET)} together, each of at most "
            f"{_bytes(valid_sources.SOURCE_LIMIT)}",
            "all are forgotten and checked again; a longer one is checked every time",
        ),
        (
            "a request's target and headers",
            f"{_bytes(connections.max_header_bytes)}, {connections.max_headers} header fields",
            "`431 request_header_fields_too_large`, connection closed (a header still arriving "
            "is cut off within one read past the limit)",
        ),
        (
            "time for a request's headers (from its first byte, or from the connection's opening)",
            f"{connections.header_timeout:g} s",
            "`408 request_timeout`, connection closed; a connection that sends nothing is closed",
        ),
        (
            "time for a request's body (from the end of its headers)",
            f"{connections.body_timeout:g} s",
            "`408 request_timeout`, connection closed, not journaled",
        ),
        (
            "time for a client to take an answer (from its writes first stalling: a client not "
            "reading)",
            f"{connections.send_timeout:g} s",
            "the connection is dropped with the bytes it still held",
        ),
        (
            "open connections",
            f"{connections.max_connections}",
            "one more is answered `503 service_unavailable` and closed",
        ),
        (
            "stopping (`SIGTERM`, Ctrl-C, `MockServer.stop()`)",
            f"{connections.shutdown_grace:g} s grace for requests being answered (a fault's delay "
            "included), then their connections close and their work is given up (a seed still "
            "built on a worker thread included); requests still arriving and idle connections "
            "close at once",
            "exit status 0; a second `SIGTERM` or Ctrl-C stops at once",
        ),
    ]
    return _table(("what", "limit", "past it"), rows)


# --- fixture fields: every field of the fixture schema -----------------------------------------


def fixture_fields() -> str:
    schema = _fixture_schema()
    rows = []
    for section, node in schema["properties"].items():
        if "properties" not in node.get("items", node):  # a mapping of names, as `choices`
            rows.append((f"`{section}`", _type(schema, node), "no", node.get("description", "")))
            continue
        is_list = node.get("type") == "array"
        rows.extend(
            _fields(schema, f"{section}[]" if is_list else section, node.get("items", node))
        )
    return _table(("field", "type", "required", "what"), rows)


def _fields(
    schema: Mapping[str, Any], prefix: str, item: Mapping[str, Any]
) -> list[tuple[str, ...]]:
    rows = []
    required = set(item.get("required", ()))
    for name, field in item["properties"].items():
        path = f"{prefix}.{name}"
        resolved = _resolve(schema, field)
        needed = "yes" if name in required else "no"
        if "default" in field or "default" in resolved:
            needed += f" (default `{json.dumps(field.get('default', resolved.get('default')))}`)"
        what = field.get("description") or resolved.get("description", "")
        rows.append((f"`{path}`", _type(schema, field), needed, what))
        nested = resolved.get("items") if resolved.get("type") == "array" else None
        if nested is not None and "properties" in nested:
            rows.extend(_fields(schema, f"{path}[]", nested))
    return rows


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _type(schema: Mapping[str, Any], node: Mapping[str, Any]) -> str:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return {"optional_id": "id or null", "timestamp": "date-time"}.get(name, name)
    if "anyOf" in node:
        return " or ".join(_type(schema, option) for option in node["anyOf"])
    if "enum" in node:
        return " | ".join(f"`{value}`" for value in node["enum"])
    kind = node.get("type", "")
    if kind == "array":
        items = node["items"]
        return "list" if "properties" in items else f"list of {_type(schema, items)}"
    if kind == "string" and node.get("format") == "email":
        return "email"
    return str(kind)


# --- the choice register: what the mock decided where the vendor's docs are silent ------------


def choices_what_is_ours() -> str:
    """Each choice's topic, the docs' words, and the mock's default (for the API page)."""
    rows = []
    for choice in REGISTER:
        docs = f'"{choice.docs}"' if choice.docs else "not said"
        kind = "" if choice.switchable else ", verify-only"
        link = f"([`{choice.id}`](choices.md#{choice.id}){kind})"
        rows.append((choice.topic, docs, f"{choice.meaning(choice.default)} {link}"))
    return _table(("", "the vendor's docs", "this mock (our choice)"), rows)


def choices_summary() -> str:
    """The register at a glance: id, options (default first, in bold), the question."""
    rows = []
    for choice in REGISTER:
        options = ", ".join(
            f"**`{o}`**" if o == choice.default else f"`{o}`" for o in choice.options
        )
        kind = "" if choice.switchable else " (verify-only)"
        rows.append((f"[`{choice.id}`](#{choice.id}){kind}", options, choice.question))
    return _table(("id", "options (default first)", "question"), rows)


def choices_details() -> str:
    """A section per choice: the question, each option's meaning, the docs' words, the probe."""
    # The register's texts link the API page's sections as seen from that page.
    text = "\n".join(_choice_section(choice) for choice in REGISTER)
    return text.replace("](#errors)", "](api.md#errors)")


def _choice_section(choice: Choice) -> str:
    lines = [f"### {choice.id}", "", choice.question, ""]
    for option, meaning in zip(choice.options, choice.meanings, strict=True):
        default = " (default)" if option == choice.default else ""
        lines.append(f"- `{option}`{default}: {meaning}")
    lines.append("")
    lines.append(f'The docs: "{choice.docs}"' if choice.docs else "The docs say nothing.")
    lines.append("")
    if not choice.switchable:
        lines += ["Verify-only: the mock's contract fixes the default.", ""]
    lines += [f"`verify` probes it: {choice.probe}.", ""]
    return "\n".join(lines)


TABLES: Mapping[str, Callable[[], str]] = {
    "serve-options": serve_options,
    "errors": errors,
    "limits": limits,
    "fixture-fields": fixture_fields,
    "choices-what-is-ours": choices_what_is_ours,
    "choices-summary": choices_summary,
    "choices-details": choices_details,
}


def rewritten(text: str) -> str:
    """`text` with each generated table written afresh."""

    def table(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in TABLES:
            raise SystemExit(f"no table {name!r}; known: {', '.join(TABLES)}")
        return match.group(1) + TABLES[name]() + match.group(4)

    return TABLE.sub(table, text)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        fresh = rewritten(text)
        if fresh != text:
            stale.append(page.relative_to(ROOT))
            if not check:
                page.write_text(fresh, encoding="utf-8")
    verb = "differ from their sources" if check else "rewritten"
    for page in stale:
        print(f"{page}: tables {verb}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
