"""The `sequences-mock` command: `serve` and `check-fixtures`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from sequences_mock import __version__
from sequences_mock.app import create_app
from sequences_mock.core.addresses import is_loopback_address
from sequences_mock.core.errors import MockError
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.server import StoppableServer, bind_socket, uvicorn_config
from sequences_mock.settings import Settings
from sequences_mock.state import fixtures
from sequences_mock.state.journal import DEFAULT_JOURNAL_SIZE

__all__ = ["exposure_warning", "main"]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
CONTROL_TOKEN_VARIABLE = "SEQUENCES_MOCK_CONTROL_TOKEN"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sequences-mock", description="A stateful mock of the Sequences REST API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="serve the mock over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one")
    serve.add_argument("--fixtures", type=Path, help="fixture file (default: the packaged world)")
    serve.add_argument(
        "--no-validate-responses",
        action="store_true",
        help="do not check public API responses against openapi.yaml",
    )
    serve.add_argument(
        "--journal-size",
        type=_positive_int,
        default=DEFAULT_JOURNAL_SIZE,
        help=f"requests the journal keeps (default {DEFAULT_JOURNAL_SIZE:,})",
    )
    serve.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    serve.add_argument(
        "--control-token",
        metavar="TOKEN",
        default=os.environ.get(CONTROL_TOKEN_VARIABLE) or None,
        help="require 'Authorization: Bearer TOKEN' on the control plane (/__mock) but its "
        f"health check (default: ${CONTROL_TOKEN_VARIABLE}; none)",
    )
    check = commands.add_parser("check-fixtures", help="check a fixture file and list its problems")
    check.add_argument("path", type=Path)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check-fixtures":
        return _check_fixtures(args.path)
    return _serve(args)


def _check_fixtures(path: Path) -> int:
    try:
        world = fixtures.load(fixtures.read_document(path))
    except MockError as error:
        print(f"{path}: {error.detail}", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"{path}: OK ({len(world.workspaces)} workspaces, {len(world.api_keys)} API keys, "
        f"{len(world.sequences)} sequences)"
    )
    return 0


def exposure_warning(host: str, control_token: str | None) -> str | None:
    """What to tell whoever serves the control plane beyond this machine without a token."""
    if is_loopback_address(host) or control_token is not None:
        return None
    return (
        f"listening on {host}, beyond this machine, without a control token: anyone who can "
        "reach it can reset or seed the world, read every key and call, move the clock and "
        f"queue faults. Set --control-token or {CONTROL_TOKEN_VARIABLE}."
    )


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    settings = Settings(
        fixtures=args.fixtures,
        validate_responses=not args.no_validate_responses,
        journal_size=args.journal_size,
        control_token=args.control_token,
    )
    try:
        app = create_app(settings)
    except MockError as error:
        print(f"sequences-mock: {error.detail}", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if not 0 <= args.port <= 65535:
        print(
            f"sequences-mock: error: port {args.port} is not between 0 and 65535", file=sys.stderr
        )
        return 2
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as error:
        print(
            f"sequences-mock: cannot listen on {args.host}:{args.port}: {error.strerror}",
            file=sys.stderr,
        )
        return 1
    host, port = sock.getsockname()[:2]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    warning = exposure_warning(host, settings.control_token)
    if warning:
        print(f"sequences-mock: warning: {warning}", file=sys.stderr)
    runtime = app.state.runtime
    print(f"sequences-mock {__version__} serving {url}/v1 (control plane {url}/__mock)")
    source = args.fixtures or "packaged default"
    print(f"fixtures: {source}; clock at {format_timestamp(runtime.clock.now())}")
    for key in runtime.initial.api_keys.values():
        print(f"  API key {key.key}  scopes: {' '.join(sorted(key.scopes)) or '(none)'}")
    sys.stdout.flush()
    # uvicorn shuts down gracefully on Ctrl-C or SIGTERM, then raises the signal again to
    # report it: a stop asked for is a clean exit (0), not a death by signal (143).
    signal.signal(signal.SIGTERM, _stopped)
    with contextlib.suppress(KeyboardInterrupt):
        StoppableServer(uvicorn_config(app, args.log_level)).run(sockets=[sock])
    return 0


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
