"""The `sequences-mock` command: `serve`, `check-fixtures` and `schemathesis-config`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import NoReturn

import uvicorn

from sequences_mock import __version__
from sequences_mock.app import create_app
from sequences_mock.core.errors import MockError
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.server import bind_socket, uvicorn_config
from sequences_mock.settings import Settings
from sequences_mock.state import fixtures
from sequences_mock.state.journal import DEFAULT_JOURNAL_SIZE

__all__ = ["main"]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


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
    check = commands.add_parser("check-fixtures", help="check a fixture file and list its problems")
    check.add_argument("path", type=Path)
    contract = commands.add_parser(
        "schemathesis-config",
        help="print the schemathesis config for contract runs against the mock",
    )
    contract.add_argument("--output", type=Path, help="write it to this file instead")
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
    if args.command == "schemathesis-config":
        return _schemathesis_config(args.output)
    return _serve(args)


def _schemathesis_config(output: Path | None) -> int:
    text = (resources.files("sequences_mock") / "_data" / "schemathesis.toml").read_text()
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text)
    except OSError as error:
        print(f"sequences-mock: cannot write {output}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {output}")
    return 0


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


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    settings = Settings(
        fixtures=args.fixtures,
        validate_responses=not args.no_validate_responses,
        journal_size=args.journal_size,
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
    runtime = app.state.runtime
    print(f"sequences-mock {__version__} serving {url}/v1 (control plane {url}/__mock)")
    source = args.fixtures or "packaged default"
    print(f"fixtures: {source}; clock at {format_timestamp(runtime.clock.now())}")
    for key in runtime.initial.api_keys.values():
        print(f"  API key {key.key}  scopes: {' '.join(sorted(key.scopes)) or '(none)'}")
    sys.stdout.flush()
    # uvicorn shuts down gracefully on Ctrl-C, then re-raises it only to report it.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(uvicorn_config(app, args.log_level)).run(sockets=[sock])
    return 0
