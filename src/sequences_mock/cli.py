"""The `sequences-mock` command: `serve`, `check-fixtures`, `schemathesis-config`, `verify` and
`proxy`.

Over 350 lines on purpose: it is one argparse parser, and every option of every subcommand is
declared here beside the environment-variable handling they share (`SEQUENCES_MOCK_*`), so the
options table in the docs is generated from one place; `verify` and `proxy` keep their work in
their own packages.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import uvicorn

from sequences_mock import __version__, fixtures
from sequences_mock.app import create_app
from sequences_mock.call_log import CallLog
from sequences_mock.core.addresses import is_loopback_address
from sequences_mock.core.choices import choice_problems
from sequences_mock.core.errors import MockError
from sequences_mock.core.timestamps import format_timestamp
from sequences_mock.http.threads import workers_running
from sequences_mock.proxy.command import add_proxy_parser, run_proxy
from sequences_mock.server import StoppableServer, api_prefix, bind_socket, uvicorn_config
from sequences_mock.settings import Settings, control_token_problem
from sequences_mock.state.journal import DEFAULT_JOURNAL_SIZE
from sequences_mock.state_dir import add_world_options, print_worlds, starting_fixtures
from sequences_mock.verify.command import add_verify_parser, run_verify

__all__ = ["ENV_PREFIX", "exposure_warning", "main", "parse_args"]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
ENV_PREFIX = "SEQUENCES_MOCK_"
CONTROL_TOKEN_VARIABLE = f"{ENV_PREFIX}CONTROL_TOKEN"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
#: Options whose value `--help` never shows, even when a variable set it.
_SECRETS = frozenset({"control_token"})


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class _HelpFormatter(argparse.HelpFormatter):
    """Each option's help ends with its environment variable and its default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or action.dest == "help":
            return text
        default = action.default
        if isinstance(default, list):
            default = ",".join(map(str, default))
        elif default is True:
            default = "on"
        secret = action.dest in _SECRETS
        shown = "" if secret or default in (None, False, "") else f", default {default}"
        return f"{text} [{env_name(action)}{shown}]".replace("%", "%%")


class _Repeatable(argparse.Action):
    """An option given once per value; its first use replaces the default (from the
    environment), so the command line wins there too."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        current = getattr(namespace, self.dest)
        setattr(namespace, self.dest, [*([] if current is self.default else current), values])


def env_name(action: argparse.Action) -> str:
    """`--journal-size` is `SEQUENCES_MOCK_JOURNAL_SIZE` (`--choice`, a list, `..._CHOICES`)."""
    if action.dest == "choices":
        return f"{ENV_PREFIX}CHOICES"
    return ENV_PREFIX + action.option_strings[-1].lstrip("-").upper().replace("-", "_")


def _parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sequences-mock", description="A stateful mock of the Sequences REST API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser(
        "serve",
        help="serve the mock over HTTP",
        description="Serve the mock over HTTP. Every option can also come from the environment "
        "variable named in brackets; the command line wins.",
        formatter_class=_HelpFormatter,
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to bind (0.0.0.0 in a container)",
    )
    serve.add_argument(
        "--port", type=int, default=8080, metavar="N", help="port to bind; 0 picks a free one"
    )
    serve.add_argument(
        "--fixtures",
        type=Path,
        metavar="PATH",
        help="fixture file (YAML or JSON; default: the packaged world)",
    )
    serve.add_argument(
        "--no-validate-responses",
        action="store_true",
        help="do not check public API responses against openapi.yaml",
    )
    serve.add_argument(
        "--journal-size",
        type=_positive_int,
        default=DEFAULT_JOURNAL_SIZE,
        metavar="N",
        help="requests the journal keeps",
    )
    add_world_options(serve, _positive_int)
    serve.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        metavar="LEVEL",
        help=f"server log level: {', '.join(LOG_LEVELS)}",
    )
    serve.add_argument(
        "--quiet", action="store_true", help="do not print a line per call to the public API"
    )
    serve.add_argument(
        "--cors-origin",
        action=_Repeatable,
        default=[],
        metavar="ORIGIN",
        help="let browser apps from ORIGIN call the mock (repeat it for more, `*` for any page, "
        "which like `null` opens the public API only; comma-separated in the variable); off by "
        "default",
    )
    serve.add_argument(
        "--control-token",
        metavar="TOKEN",
        type=_control_token,
        help="require 'Authorization: Bearer TOKEN' on the control plane (/__mock) but its "
        "health check; none by default",
    )
    serve.add_argument(
        "--choice",
        dest="choices",
        type=_choice,
        action=_Repeatable,
        default=[],
        metavar="ID=OPTION",
        help="switch a choice of the mock's choice register (repeat it for more; "
        "comma-separated in the variable), on top of the fixture's; `GET /__mock/choices` "
        "lists them",
    )
    serve.add_argument(
        "--control-token-file",
        metavar="PATH",
        type=Path,
        help="read the control token from this file (one line): unlike --control-token, it "
        "does not show in the process list",
    )
    serve.add_argument(
        "--exposure-acknowledged",
        action="store_true",
        help="serving beyond this machine without a control token is intended (a container's "
        "own network, a private CI network): print a one-line note instead of the warning",
    )
    _defaults_from(environ, serve)
    check = commands.add_parser("check-fixtures", help="check a fixture file and list its problems")
    check.add_argument("path", type=Path)
    contract = commands.add_parser(
        "schemathesis-config",
        help="print the schemathesis config for contract runs against the mock",
    )
    contract.add_argument("--output", type=Path, help="write it to this file instead")
    add_verify_parser(commands)
    add_proxy_parser(commands)
    return parser


def _defaults_from(environ: Mapping[str, str], parser: argparse.ArgumentParser) -> None:
    """Each option's `SEQUENCES_MOCK_*` variable, when set and not empty, becomes its default."""
    for action in parser._actions:
        if not action.option_strings or action.dest == "help":
            continue
        name = env_name(action)
        raw = environ.get(name, "")
        if not raw.strip():
            continue
        try:
            value = _env_value(action, raw)
        except argparse.ArgumentTypeError as error:
            parser.error(f"{name}={raw!r}: {error}")
        except ValueError as error:
            kind = getattr(action.type, "__name__", "")
            parser.error(f"{name}={raw!r}: " + (f"invalid {kind} value" if kind else str(error)))
        parser.set_defaults(**{action.dest: value})


def _env_value(action: argparse.Action, raw: str) -> Any:
    if action.nargs == 0:  # a flag
        if raw.strip().lower() not in _TRUE + _FALSE:
            raise argparse.ArgumentTypeError(f"expected one of {', '.join(_TRUE + _FALSE)}")
        return raw.strip().lower() in _TRUE
    convert: Callable[[str], Any] = action.type if callable(action.type) else str
    if isinstance(action, _Repeatable):
        return [convert(part.strip()) for part in raw.split(",") if part.strip()]
    value = convert(raw)
    if action.choices is not None and value not in action.choices:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(map(str, action.choices))}")
    return value


def _control_token(text: str) -> str:
    problem = control_token_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def _token_from(args: argparse.Namespace) -> str | None:
    """The control token given by option or file; raises `ValueError` saying what is wrong."""
    path: Path | None = args.control_token_file
    if path is None:
        token: str | None = args.control_token
        return token
    if args.control_token is not None:
        raise ValueError("give --control-token or --control-token-file, not both")
    try:
        token = path.read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the control token file {path}: {error}") from None
    problem = control_token_problem(token)
    if problem is not None:
        raise ValueError(f"{path}: {problem}")
    return token


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _choice(text: str) -> tuple[str, str]:
    """`repause=refuse` → `("repause", "refuse")`, checked against the register."""
    choice_id, equals, option = text.partition("=")
    if not equals:
        raise argparse.ArgumentTypeError(f"expected ID=OPTION, not {text!r}")
    problems = choice_problems({choice_id.strip(): option.strip()}, prefix="")
    if problems:
        raise argparse.ArgumentTypeError(str(problems[0]))
    return choice_id.strip(), option.strip()


def parse_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> argparse.Namespace:
    """The command line over the `SEQUENCES_MOCK_*` variables of `environ` (the process's)."""
    return _parser(os.environ if environ is None else environ).parse_args(argv)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = parse_args(argv, environ)
    if args.command == "proxy":
        return run_proxy(args)
    if args.command == "verify":
        return run_verify(args, os.environ if environ is None else environ)
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


def exposure_warning(
    host: str, control_token: str | None, *, acknowledged: bool = False
) -> str | None:
    """What to tell whoever serves the control plane beyond this machine without a token.

    `acknowledged` (`--exposure-acknowledged`, set in the container image): a note, not a warning.
    """
    if is_loopback_address(host) or control_token is not None:
        return None
    if acknowledged:
        return (
            f"note: listening on {host} without a control token, as acknowledged; let only "
            f"trusted callers reach the port, or set {CONTROL_TOKEN_VARIABLE}."
        )
    return "warning: " + (
        f"listening on {host}, beyond this machine, without a control token: anyone who can "
        "reach it can reset or seed the world, read every key and call, move the clock and "
        f"queue faults. Set --control-token or {CONTROL_TOKEN_VARIABLE}."
    )


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        control_token = _token_from(args)
    except ValueError as error:
        print(f"sequences-mock: error: {error}", file=sys.stderr)
        return 2
    fixtures_path = starting_fixtures(args.state_dir, args.restore, args.fixtures)
    if isinstance(fixtures_path, int):
        return fixtures_path
    settings = Settings(
        fixtures=fixtures_path,
        validate_responses=not args.no_validate_responses,
        journal_size=args.journal_size,
        cors_origins=tuple(args.cors_origin),
        control_token=control_token,
        max_namespaces=args.max_namespaces,
        state_dir=args.state_dir,
        choices=tuple(args.choices),
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
    warning = exposure_warning(
        host, settings.control_token, acknowledged=args.exposure_acknowledged
    )
    if warning:
        print(f"sequences-mock: {warning}", file=sys.stderr)
    # uvicorn shuts down gracefully on Ctrl-C or SIGTERM, then raises the signal again to
    # report it: a stop asked for is a clean exit (0), not a death by signal (143); so is one
    # asked for while the server still gets ready (the banner is out: someone may act on it).
    signal.signal(signal.SIGTERM, _stopped)
    with contextlib.suppress(KeyboardInterrupt):
        call_log = _announce(args, app, url)
        context = app.state.context
        for contract in (context.contract, context.control):
            contract.compile_all()  # no call of a server waits on a schema compiling
        _settle_heap()
        config = uvicorn_config(app, args.log_level, taskless=api_prefix(app))
        _Server(config, call_log).run(sockets=[sock])
    if workers_running():
        # A seed or snapshot still built on a worker thread: Python's exit would stop it as it
        # next takes the interpreter's lock, in the middle of finalizing, which CPython does not
        # make safe (reported: SIGABRT in 2 stops of 10). Nothing is left to write: the process
        # ends here. The call lines were written (or given up on) by the server's shutdown.
        sys.stderr.flush()
        os._exit(0)
    return 0


def _announce(args: argparse.Namespace, app: Any, url: str) -> CallLog | None:
    """Print what is served where, with which fixtures and keys; the call log, unless quiet."""
    runtime = app.state.runtime
    print(f"sequences-mock {__version__} serving {url}/v1 (control plane {url}/__mock)")
    print_worlds(url, app.state.context.settings.max_namespaces, app.state.namespaces.snapshots)
    source = (
        f"snapshot {args.restore!r} of {args.state_dir}"
        if args.restore
        else args.fixtures or "packaged default"
    )
    print(f"fixtures: {source}; clock at {format_timestamp(runtime.clock.now())}")
    for key in runtime.initial.api_keys.values():
        print(f"  API key {key.key}  scopes: {' '.join(sorted(key.scopes)) or '(none)'}")
    if args.choices:
        chosen = " ".join(f"{choice_id}={option}" for choice_id, option in args.choices)
        print(f"choices: {chosen} (on top of the fixture's)")
    if args.cors_origin:
        print(f"CORS: browser apps from {' '.join(args.cors_origin)} may call it")
    call_log = None
    if not args.quiet:
        print("one line per call to the public API follows (--quiet: none)")
        runtime.journal.listener = call_log = CallLog(sys.stdout)
    sys.stdout.flush()
    return call_log


def _settle_heap() -> None:
    """Leave what serving starts with (modules, both contracts, the first world) out of every
    later garbage collection: a full collection walked it all, 40-100 ms with every call
    waiting. This process serves the mock alone, so its collector is the mock's to tune."""
    gc.collect()
    gc.freeze()


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class _Server(StoppableServer):
    """The mock's server, writing out the call lines still held once it has shut down.

    In `shutdown`, not after `run`: on SIGTERM uvicorn re-raises the signal once shut down,
    and the process ends there.
    """

    def __init__(self, config: uvicorn.Config, call_log: CallLog | None) -> None:
        super().__init__(config)
        self._call_log = call_log

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        if self._call_log is not None:
            self._call_log.close()
