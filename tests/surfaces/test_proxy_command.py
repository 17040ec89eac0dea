"""`sequences-mock proxy` as a real process: it prints where it serves, a line per call with
the upstream's violations, and writes --record when stopped with Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from asgi_server import served
from sequences_mock.cli import main
from vendor_double import KEY, VendorDouble

RUN = "44444444-4444-4444-8444-000000000000"


def test_the_command_serves_logs_and_records_on_ctrl_c(tmp_path: Path) -> None:
    record = tmp_path / "seen.yaml"
    with served(VendorDouble().app) as upstream:
        command = [
            *(sys.executable, "-m", "sequences_mock", "proxy", "--port", "0"),
            *("--upstream", upstream + "/v1", "--record", str(record)),
        ]
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
        ) as process:
            assert process.stdout is not None
            banner = process.stdout.readline()
            match = re.search(r"serving (http://\S+)/v1", banner)
            assert match, banner
            auth = {"authorization": f"Bearer {KEY}"}
            with httpx.Client(base_url=match.group(1), headers=auth) as client:
                listed = client.get("/v1/sequences")
                got = client.get(f"/v1/sequences/{RUN}")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=10)

    assert (listed.status_code, got.status_code, process.returncode) == (200, 200, 0), err
    assert "GET /v1/sequences 200 UPSTREAM-VIOLATES listSequences 200 body at /items/*" in out
    # Listed runs lack a field the fixture needs; the run read alone is recorded, without the
    # field the contract does not name.
    assert "recorded 1 runs" in out
    assert main(["check-fixtures", str(record)]) == 0
    assert "owner_email" not in record.read_text()
    assert record.read_text().startswith("# Recorded by `sequences-mock proxy --record`")
    assert KEY not in out + err + record.read_text()
