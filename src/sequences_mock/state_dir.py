"""`sequences-mock serve`'s options for its worlds (`--max-namespaces`, `--state-dir`,
`--restore`): the fixture file it starts from, and what it says about the snapshots it found."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sequences_mock.core.names import name_problem
from sequences_mock.settings import DEFAULT_MAX_NAMESPACES
from sequences_mock.state.snapshots import Snapshots, snapshot_file

__all__ = ["add_world_options", "print_worlds", "starting_fixtures"]


def add_world_options(serve: argparse.ArgumentParser, count: Callable[[str], int]) -> None:
    """Add the options to `serve`; `count` reads a whole number of at least 1."""
    serve.add_argument(
        "--max-namespaces",
        type=count,
        default=DEFAULT_MAX_NAMESPACES,
        help="named namespaces (/ns/NAME/v1) held at once besides the default one",
    )
    serve.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="keep named snapshots as fixture files in DIR, where they outlive the server "
        "(created if missing); in memory by default",
    )
    serve.add_argument(
        "--restore",
        metavar="NAME",
        help="start from the snapshot NAME of --state-dir instead of --fixtures",
    )


def starting_fixtures(
    state_dir: Path | None, restore: str | None, fixtures: Path | None
) -> Path | int | None:
    """The fixture file to start from (`--restore`'s snapshot, or `--fixtures`), or the exit
    status when the options cannot be met; creates `--state-dir` when missing."""
    if state_dir is not None:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            print(
                f"sequences-mock: cannot use --state-dir {state_dir}: {error.strerror or error}",
                file=sys.stderr,
            )
            return 1
    if restore is None:
        return fixtures
    if state_dir is None or fixtures is not None:
        print(
            "sequences-mock: error: --restore needs --state-dir, and replaces --fixtures",
            file=sys.stderr,
        )
        return 2
    problem = name_problem(restore)
    path = snapshot_file(state_dir, restore)
    if problem is not None or not path.is_file():
        detail = problem or f"no snapshot {restore!r} in {state_dir}"
        print(f"sequences-mock: --restore: {detail}", file=sys.stderr)
        return 1
    return path


def print_worlds(url: str, limit: int, snapshots: Snapshots) -> None:
    """Where the namespaces are, where snapshots are kept, and which snapshot files were
    refused (the server serves the others)."""
    print(f"namespaces: {url}/ns/NAME/v1 and {url}/ns/NAME/__mock (up to {limit})")
    if snapshots.directory is None:
        return
    kept = len(snapshots.listing())
    print(f"snapshots: {snapshots.directory} ({kept} kept, {len(snapshots.refused)} refused)")
    for refused in sorted(snapshots.refused.values(), key=lambda r: r.name):
        print(f"sequences-mock: snapshot {refused.name!r} refused:", file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
