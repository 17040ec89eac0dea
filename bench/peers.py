"""Peers for `run.py --peers`: Prism and WireMock, installed with npm into a cache folder.

Neither is part of the repository: `npm install --prefix ~/.cache/sequences-mock-bench/<peer>`
fetches a pinned version on first use (the folder follows `$XDG_CACHE_HOME`). Prism mocks
`openapi.yaml` statically with its default logging; WireMock (the standalone jar that the
`wiremock` npm package bundles) runs twice, with its defaults (request journal on) and with
`--no-request-journal`, and serves stubs made of the mock's own answers. Anything that keeps a
peer from running raises `PeerUnavailable`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from servers import HOST

__all__ = [
    "PRISM",
    "WIREMOCK",
    "Peer",
    "PeerUnavailable",
    "Stub",
    "cache_dir",
    "prepare_prism",
    "prepare_wiremock",
]

#: The npm packages, pinned so that two runs measure the same code.
PRISM = "@stoplight/prism-cli"
PRISM_VERSION = "5.16.0"
WIREMOCK = "wiremock"
WIREMOCK_VERSION = "3.13.2"
INSTALL_TIMEOUT = 900
#: WireMock 3's own health endpoint; Prism has none, so it is polled on a mocked route.
WIREMOCK_HEALTH = "/__admin/health"


class PeerUnavailable(Exception):
    """A peer cannot be installed, prepared or started; the message says why."""


@dataclass(frozen=True)
class Stub:
    """What the mock answered to `method url` (path and query), for WireMock to replay."""

    method: str
    url: str
    status: int
    media_type: str
    body: bytes


@dataclass(frozen=True)
class Peer:
    """How to start a peer, how to know it is up, and what it is."""

    key: str
    name: str
    package: str
    version: str
    command: list[str]
    port: int
    health_path: str
    health_headers: Mapping[str, str] = field(default_factory=dict)
    runtime: str = ""
    notes: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        """The JSON description (without the port, which changes every run)."""
        port = str(self.port)
        command = " ".join("<free port>" if part == port else part for part in self.command)
        return {
            "name": self.name,
            "package": f"{self.package}@{self.version} (npm)",
            "version": self.version,
            "runtime": self.runtime,
            "command": command,
            "notes": list(self.notes),
        }


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/sequences-mock-bench`, by default `~/.cache/sequences-mock-bench`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sequences-mock-bench"


def npm_install(package: str, version: str, prefix: Path) -> Path:
    """`package@version` under `prefix/node_modules` (installed unless already there).

    npm's output goes to `prefix/npm-install.log`; install scripts are not run (none is needed).
    """
    home = prefix / "node_modules" / package
    if _installed_version(home) == version:
        return home
    npm = shutil.which("npm")
    if npm is None:
        raise PeerUnavailable("npm is not installed (Node.js brings it)")
    prefix.mkdir(parents=True, exist_ok=True)
    log = prefix / "npm-install.log"
    print(f"installing {package}@{version} with npm into {prefix}", file=sys.stderr, flush=True)
    command = [npm, "install", "--prefix", str(prefix), f"{package}@{version}"]
    command += ["--no-audit", "--no-fund", "--ignore-scripts"]
    with log.open("wb") as output:
        try:
            completed = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PeerUnavailable(f"npm install {package} took over {INSTALL_TIMEOUT} s") from None
    if completed.returncode != 0 or _installed_version(home) != version:
        errors = [
            line.split(" ", 2)[-1].strip()
            for line in log.read_text(errors="replace").splitlines()
            if line.startswith(("npm error ", "npm ERR! "))
        ]
        summary = "; ".join(errors[:4]) or f"exit {completed.returncode}"
        raise PeerUnavailable(f"npm install {package}@{version} failed: {summary} (see {log})")
    return home


def _installed_version(home: Path) -> str | None:
    try:
        version = json.loads((home / "package.json").read_text()).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) else None


def _tool_version(command: list[str]) -> str:
    """The first line a `--version` style command prints (java prints it on stderr)."""
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PeerUnavailable(f"{command[0]} does not run: {error}") from None
    lines = (completed.stdout + completed.stderr).strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise PeerUnavailable(f"{' '.join(command)} exited with {completed.returncode}")
    return lines[0].strip()


# -- Prism -------------------------------------------------------------------------------------


def prepare_prism(
    openapi: Path, workdir: Path, port: int, health_path: str, headers: Mapping[str, str]
) -> Peer:
    """Prism installed, and a copy of `openapi` it routes like the mock; `prism mock` on `port`.

    Prism ignores `servers` by design (its FAQ: write the base path into the paths), so the
    copy has the server's base path (`/v1`) in front of every path key and is otherwise the same
    text. Static mode (no `-d`) and default logging (every request, to the log file).
    """
    node = shutil.which("node")
    if node is None:
        raise PeerUnavailable("node is not installed")
    home = npm_install(PRISM, PRISM_VERSION, cache_dir() / "prism")
    executable = home.parent.parent / ".bin" / "prism"
    if not executable.exists():
        raise PeerUnavailable(f"{executable} is missing after npm install")
    document = workdir / "prism-openapi.yaml"
    base = prism_document(openapi, document)
    command = [str(executable), "mock", str(document), "-p", str(port), "-h", HOST]
    note = f"openapi.yaml with {base} in front of its path keys (Prism ignores servers)"
    return Peer(
        key="prism",
        name="Prism",
        package=PRISM,
        version=PRISM_VERSION,
        command=command,
        port=port,
        health_path=health_path,
        health_headers=headers,
        runtime=f"node {_tool_version([node, '--version'])}",
        notes=(note, "static mode (examples), default logging to a file"),
    )


def prism_document(source: Path, target: Path) -> str:
    """Write `source` with the first server's path prefixed to every path key; that prefix."""
    text = source.read_text()
    spec = yaml.safe_load(text)
    servers = spec.get("servers") or [{"url": "/"}]
    base = urlsplit(str(servers[0].get("url", "/"))).path.rstrip("/")
    expected = len(spec.get("paths") or {})
    lines, rewritten, in_paths = [], 0, False
    for line in text.splitlines(keepends=True):
        if re.match(r"\S", line):
            in_paths = line.rstrip() == "paths:"
        key = re.match(r"^  ([\"']?)(/[^\"'\s]*)\1:(.*)$", line, re.DOTALL)
        if in_paths and key and base:
            line = f"  {key.group(1)}{base}{key.group(2)}{key.group(1)}:{key.group(3)}"
            rewritten += 1
        lines.append(line)
    if base and rewritten != expected:
        raise PeerUnavailable(f"rewrote {rewritten} of the {expected} path keys for Prism")
    target.write_text("".join(lines))
    return base or "/"


# -- WireMock ----------------------------------------------------------------------------------


def prepare_wiremock(
    workdir: Path, port: int, stubs: list[Stub], headers: Mapping[str, str], *, journal: bool = True
) -> Peer:
    """The standalone jar from the `wiremock` npm package, with one stub per recorded answer.

    Each stub matches the method, the exact URL (path and query) and the `headers` (the API
    key), and answers the recorded status, content type and bytes. Default settings otherwise;
    without `journal`, `--no-request-journal`: the configuration users pick for load tests,
    since the default journal keeps every request and grows without bound.
    """
    java = shutil.which("java")
    if java is None:
        raise PeerUnavailable("java is not installed (WireMock 3 needs Java 11 or newer)")
    runtime = _tool_version([java, "-version"])
    home = npm_install(WIREMOCK, WIREMOCK_VERSION, cache_dir() / "wiremock")
    jars = sorted((home / "build").glob("wiremock-standalone-*.jar"))
    if not jars:
        raise PeerUnavailable(f"no wiremock-standalone-*.jar in {home / 'build'}")
    key = "wiremock" if journal else "wiremock-nojournal"
    root = workdir / key
    write_mappings(root / "mappings" / "sequences-mock.json", stubs, headers)
    command = [java, "-jar", str(jars[-1]), "--port", str(port), "--bind-address", HOST]
    command += ["--root-dir", str(root)]
    if not journal:
        command.append("--no-request-journal")
    settings = "request journal on" if journal else "--no-request-journal"
    return Peer(
        key=key,
        name="WireMock" if journal else "WireMock (no journal)",
        package=WIREMOCK,
        version=WIREMOCK_VERSION,
        command=command,
        port=port,
        health_path=WIREMOCK_HEALTH,
        runtime=runtime,
        notes=(
            f"{jars[-1].name}, default settings otherwise ({settings})",
            f"{len(stubs)} stubs from the mock's own answers (method, exact URL, API key)",
        ),
    )


def write_mappings(path: Path, stubs: list[Stub], headers: Mapping[str, str]) -> None:
    """WireMock's mappings file: each stub answers the recorded bytes, status and type."""
    matchers = {name: {"equalTo": value} for name, value in headers.items()}
    mappings = [
        {
            "request": {"method": stub.method, "url": stub.url, "headers": matchers},
            "response": {
                "status": stub.status,
                "headers": {"Content-Type": stub.media_type},
                "base64Body": base64.b64encode(stub.body).decode("ascii"),
            },
        }
        for stub in stubs
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"mappings": mappings}, indent=1))
