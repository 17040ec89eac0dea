"""`sequences-mock proxy`: its command line; it serves until stopped, then writes `--record`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from sequences_mock.call_log import CallLog
from sequences_mock.proxy.forward import ProxySettings, create_proxy_app
from sequences_mock.proxy.recording import MAX_RECORDED_RUNS, Recorder
from sequences_mock.server import StoppableServer, bind_socket, uvicorn_config

__all__ = ["add_proxy_parser", "run_proxy"]


def add_proxy_parser(commands: Any) -> None:
    """The `proxy` subcommand, on the `sequences-mock` parser's subcommands."""
    parser = commands.add_parser(
        "proxy",
        help="forward /v1 to a real service, checking each answer against openapi.yaml",
        description="Forward /v1 to --upstream with the caller's key. Each answer is checked "
        "against openapi.yaml; violations are printed, journaled (GET /__mock/requests) and, "
        "with --errors, answered as a 502 problem instead.",
    )
    parser.add_argument(
        "--upstream", required=True, metavar="URL", help="the service, e.g. https://host/v1"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument(
        "--port", type=int, default=8080, help="port to bind (default 8080); 0 picks a free one"
    )
    parser.add_argument("--errors", action="store_true", help="answer a violation with a 502")
    parser.add_argument(
        "--record", type=Path, metavar="PATH", help="write the runs seen as a fixture, on exit"
    )
    parser.add_argument(
        "--record-max-runs",
        type=int,
        default=MAX_RECORDED_RUNS,
        metavar="N",
        help=f"runs a recording keeps (default {MAX_RECORDED_RUNS}; the oldest read go first)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="per upstream call (default 30)",
    )
    parser.add_argument("--quiet", action="store_true", help="no line per call")


def run_proxy(args: argparse.Namespace) -> int:
    if not args.upstream.startswith(("http://", "https://")):
        print(f"sequences-mock proxy: error: --upstream must be a URL, not {args.upstream!r}")
        return 2
    if args.record_max_runs < 1 or args.timeout <= 0 or not 0 <= args.port <= 65535:
        print(
            "sequences-mock proxy: error: --record-max-runs, --timeout and --port are out of range"
        )
        return 2
    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    recorder = Recorder(args.record, args.record_max_runs) if args.record else None
    app = create_proxy_app(
        ProxySettings(args.upstream, errors=args.errors, recorder=recorder, timeout=args.timeout)
    )
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as error:
        print(f"sequences-mock proxy: cannot listen on {args.host}:{args.port}: {error.strerror}")
        return 1
    host, port = sock.getsockname()[:2]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    print(f"sequences-mock proxy serving {url}/v1 -> {args.upstream} (journal {url}/__mock)")
    call_log = None
    if not args.quiet:
        app.state.runtime.journal.listener = call_log = CallLog(sys.stdout)
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _stopped)
    config = uvicorn_config(app, "warning")
    config.lifespan = "on"  # closes the upstream connections on the server's loop
    with contextlib.suppress(KeyboardInterrupt):
        StoppableServer(config).run(sockets=[sock])
    if call_log is not None:
        call_log.close()  # the lines still held
    if recorder is not None:
        recorder.write()
        print(f"recorded {len(recorder)} runs in {args.record}")
    return 0


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
