"""The container image, built from the Dockerfile and run as the docs say.

No image registry is reachable here and `podman run` cannot set rlimits in this sandbox, so the
image is built with `podman build --isolation chroot` on a local Debian base
(`container/base-image.sh`) and run with `buildah run --isolation chroot`, which shares this
machine's network: the test therefore gives the server a free port through its variable instead
of publishing 8080. Everything else is the image's own configuration (entrypoint, command, user,
environment, health check) and the compose example's (environment, fixture mount).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from readme_blocks import README

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("podman", "buildah", "debootstrap", "curl")
BASE = "localhost/sequences-mock-base:bookworm"
IMAGE = "localhost/sequences-mock:test"
KEY = {"Authorization": "Bearer sk_test_acme_read_write"}
#: The serve command's graceful-shutdown bound, plus the container runtime's own exit.
STOP_WITHIN_S = 15


def _tools_or_skip() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append("root (podman here runs as root)")
    if not missing:
        return
    message = f"container image not built: {', '.join(missing)} missing (.ci/run installs them)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _run(*command: str, timeout: float = 900) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (
        f"{shlex.join(command)}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def image() -> dict[str, Any]:
    """The image built from a clean context, and its configuration as `buildah inspect` reads it."""
    _tools_or_skip()
    _run("bash", str(ROOT / "container" / "base-image.sh"))
    _run(
        "podman", "build", "--isolation", "chroot", "--format", "docker", "--quiet",
        "--build-arg", f"BASE={BASE}", "--tag", IMAGE, str(ROOT),
    )  # fmt: skip
    return json.loads(_run("buildah", "inspect", "--type", "image", IMAGE))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    service: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"][
        "sequences-mock"
    ]
    return service


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Container:
    """One `buildah run` of the image's entrypoint and command, as a container runtime would."""

    def __init__(self, config: dict[str, Any], env: dict[str, str], mounts: list[str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.name = _run("buildah", "from", "--quiet", IMAGE).strip()
        command = [*config["Entrypoint"], *config["Cmd"]]
        options = [f"--env={name}={value}" for name, value in env.items()]
        options += [f"--volume={mount}" for mount in mounts]
        options.append(f"--env=SEQUENCES_MOCK_PORT={self.port}")
        self.process = subprocess.Popen(
            ["buildah", "run", "--isolation", "chroot", *options, self.name, "--", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_until_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"{self.url}/__mock/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"no healthy answer within {timeout} s\n{self.output()}")

    def server_pid(self) -> int:
        """The mock's own process under `buildah run` (which does not forward signals to it)."""
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(stat.parent.name)] = int(fields[1])
        for pid in parents:
            ancestor = parents.get(pid)
            while ancestor not in (None, 0, 1, self.process.pid):
                ancestor = parents.get(ancestor)  # type: ignore[arg-type]
            if ancestor != self.process.pid:
                continue
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            program = cmdline[0].rsplit(b"/", 1)[-1]
            if program.startswith(b"python") and any(
                part.endswith(b"/sequences-mock") for part in cmdline
            ):
                return pid
        raise AssertionError("the mock's process was not found under buildah run")

    def stop(self) -> tuple[int, float]:
        started = time.monotonic()
        os.kill(self.server_pid(), signal.SIGTERM)
        code = self.process.wait(timeout=STOP_WITHIN_S)
        return code, time.monotonic() - started

    def output(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stdout is not None
        with self.process.stdout:
            return self.process.stdout.read()

    def remove(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        subprocess.run(["buildah", "rm", self.name], capture_output=True, check=False)


@pytest.fixture
def container(image: dict[str, Any], compose: dict[str, Any]) -> Iterator[Container]:
    mounts = []
    for volume in compose["volumes"]:
        source, target, mode = volume.split(":")
        mounts.append(f"{(ROOT / source).resolve()}:{target}:{mode}")
    running = Container(image["Docker"]["config"], dict(compose["environment"]), mounts)
    try:
        running.wait_until_healthy()
        yield running
    finally:
        running.remove()


def test_the_image_runs_as_a_non_root_user_and_declares_port_health_and_entrypoint(
    image: dict[str, Any],
):
    config = image["Docker"]["config"]

    assert config["User"] not in ("", "0", "root")
    assert "8080/tcp" in config["ExposedPorts"]
    assert config["Entrypoint"] == ["sequences-mock"]
    assert config["Cmd"] == ["serve"]
    assert "SEQUENCES_MOCK_HOST=0.0.0.0" in config["Env"]
    assert config["Healthcheck"]["Test"][0] in ("CMD", "CMD-SHELL")


def test_the_image_serves_the_compose_world_answers_the_readme_and_stops_on_sigterm(
    container: Container, image: dict[str, Any]
):
    health = image["Docker"]["config"]["Healthcheck"]["Test"]
    check_command = ["sh", "-c", health[1]] if health[0] == "CMD-SHELL" else health[1:]
    health_check = subprocess.run(
        ["buildah", "run", "--isolation", "chroot", f"--env=SEQUENCES_MOCK_PORT={container.port}",
         container.name, "--", *check_command],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    first_curl = next(
        line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("curl ")
    )
    readme_answer = subprocess.run(
        ["bash", "-c", first_curl.replace("127.0.0.1:8080", f"127.0.0.1:{container.port}")],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    state = httpx.get(f"{container.url}/__mock/state", timeout=10).json()
    seeded = httpx.post(f"{container.url}/__mock/seed", json=state, timeout=30)
    listed = httpx.get(f"{container.url}/v1/sequences?status=ACTIVE&size=2", headers=KEY)
    journal = httpx.get(f"{container.url}/__mock/requests", timeout=10)
    code, took = container.stop()
    output = container.output()

    assert health_check.returncode == 0, health_check.stderr
    assert readme_answer.returncode == 0
    assert json.loads(readme_answer.stdout) == {"status": "ok"}
    assert seeded.status_code == 200, seeded.text
    assert listed.status_code == 200
    assert len(listed.json()["items"]) == 2
    assert [entry["path"] for entry in journal.json()["requests"]] == ["/v1/sequences"]
    assert re.search(r"fixtures: /fixtures/default\.yaml", output), output
    assert "note: listening on 0.0.0.0 without a control token" in output
    assert "warning" not in output
    assert (code, took < STOP_WITHIN_S) == (0, True), output
