"""`sequences-mock verify`: its command line, its output, and its exit status (0 nothing
contradicted or violated, 1 something was, 2 a usage or connection error)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from sequences_mock.contract.openapi import Contract
from sequences_mock.verify.report import Report
from sequences_mock.verify.run import Plan, verify
from sequences_mock.verify.target import (
    DEFAULT_MAX_REQUESTS,
    DEFAULT_RATE,
    Target,
    TargetUnreachable,
)

__all__ = ["KEY_VARIABLE", "add_verify_parser", "run_verify"]

#: Where the key may come from instead of the command line (which other users can see).
KEY_VARIABLE = "SEQUENCES_MOCK_VERIFY_KEY"


def add_verify_parser(commands: Any) -> None:
    """The `verify` subcommand, on the `sequences-mock` parser's subcommands."""
    parser = commands.add_parser(
        "verify",
        help="check the mock's contract and choices against a real service (a sandbox)",
        description="Probe a service that speaks the Sequences API: every answer against "
        "openapi.yaml and the list invariants, and each open choice by running the same "
        "stateful probe there and on mock worlds. Read-only unless runs are named below.",
    )
    parser.add_argument(
        "--base-url", required=True, metavar="URL", help="the service, e.g. https://host/v1"
    )
    parser.add_argument(
        "--key", help=f"its API key (or set {KEY_VARIABLE}); never printed or written"
    )
    parser.add_argument(
        "--other-key", metavar="KEY", help="a key of another workspace, to check isolation"
    )
    for flag, what in (
        ("--write-run", "update, pause and resume this run, and put it back as far as possible"),
        ("--stop-run", "stop this run (scope CONTACT)"),
        ("--company-stop-run", "stop this run with scope COMPANY: may end others at its company"),
        ("--same-company-run", "a run known to target someone at a --company-stop-run's company"),
    ):
        parser.add_argument(flag, action="append", default=[], metavar="ID", help=what)
    parser.add_argument("--report", type=Path, metavar="PATH", help="write the JSON report here")
    parser.add_argument(
        "--choices-out", type=Path, metavar="PATH", help="write the `choices:` fixture snippet"
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=DEFAULT_MAX_REQUESTS,
        metavar="N",
        help=f"send at most N requests (default {DEFAULT_MAX_REQUESTS})",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=DEFAULT_RATE,
        metavar="PER_SECOND",
        help=f"at most this many requests a second (default {DEFAULT_RATE:g})",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS", help="per request (default 10)"
    )
    parser.add_argument("--dry-run", action="store_true", help="list the requests; send none")


def run_verify(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    key = args.key or environ.get(KEY_VARIABLE)
    problem = _usage_problem(args, key)
    if problem is not None:
        print(f"sequences-mock verify: error: {problem}", file=err)
        return 2
    assert key is not None
    target = Target(
        base_url=_origin(args.base_url),
        key=key,
        other_key=args.other_key,
        max_requests=args.max_requests,
        rate=args.rate,
        timeout=args.timeout,
        dry_run=args.dry_run,
    )
    plan = Plan(
        write_runs=args.write_run,
        stop_runs=args.stop_run,
        company_stop_runs=args.company_stop_run,
        same_company_runs=args.same_company_run,
        other_key=args.other_key,
    )
    try:
        report = asyncio.run(_verify(target, plan))
    except TargetUnreachable as error:
        print(f"sequences-mock verify: {_redacted(str(error), target)}", file=err)
        return 2
    if args.dry_run:
        out.write(f"{len(target.planned)} requests would be sent (later ones use answers):\n")
        out.writelines(f"  {request.line()}\n" for request in target.planned)
        return 0
    refused = next((e.status for e in target.exchanges[:1] if e.status in (401, 403)), None)
    if refused is not None:
        print(f"sequences-mock verify: error: the target refused --key ({refused})", file=err)
        return 2
    out.write(_redacted(report.table(), target))
    return _write_outputs(report, target, args, err) or (1 if report.failed else 0)


async def _verify(target: Target, plan: Plan) -> Report:
    async with target:
        return await verify(target, plan, Contract.load())


def _usage_problem(args: argparse.Namespace, key: str | None) -> str | None:
    if not key:
        return f"--key (or {KEY_VARIABLE}) is required"
    if args.max_requests < 1 or args.rate <= 0 or args.timeout <= 0:
        return "--max-requests, --rate and --timeout must be positive"
    if args.same_company_run and not args.company_stop_run:
        return "--same-company-run needs a --company-stop-run"
    named = [*args.write_run, *args.stop_run, *args.company_stop_run]
    twice = sorted({run for run in named if named.count(run) > 1})
    if twice:
        return f"a run is named by two write flags: {', '.join(twice)}"
    if not args.base_url.startswith(("http://", "https://")):
        return f"--base-url must be an http:// or https:// URL, not {args.base_url!r}"
    return None


def _origin(base_url: str) -> str:
    """The URL the API's `/v1` paths are appended to (a trailing `/v1` is taken off)."""
    base = base_url.rstrip("/")
    return base.removesuffix("/v1")


def _redacted(text: str, target: Target) -> str:
    """`text` with the keys replaced; they never reach output, but this makes sure."""
    for key in (target.key, target.other_key):
        if key:
            text = text.replace(key, "[key]")
    return text


def _write_outputs(report: Report, target: Target, args: argparse.Namespace, err: TextIO) -> int:
    """Write `--report` and `--choices-out`; 2 when one cannot be written."""
    for path, text in (
        (args.report, report.json_text()),
        (args.choices_out, report.choices_snippet()),
    ):
        if path is None:
            continue
        try:
            path.write_text(_redacted(text, target), encoding="utf-8")
        except OSError as error:
            print(f"sequences-mock verify: cannot write {path}: {error.strerror}", file=err)
            return 2
    return 0
