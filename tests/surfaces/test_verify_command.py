"""`sequences-mock verify` on the command line: usage errors and an unreachable target are
exit 2, a dry run sends nothing, and the key is never printed."""

from __future__ import annotations

import pytest

from asgi_server import served
from sequences_mock.cli import main
from vendor_double import KEY, VendorDouble


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "http://127.0.0.1:9"], "--key (or SEQUENCES_MOCK_VERIFY_KEY) is required"),
        (
            ["--base-url", "http://127.0.0.1:9", "--key", "k", "--same-company-run", "r"],
            "--same-company-run needs a --company-stop-run",
        ),
        (
            [
                "--base-url",
                "http://127.0.0.1:9",
                "--key",
                "k",
                "--write-run",
                "r",
                "--stop-run",
                "r",
            ],
            "a run is named by two write flags: r",
        ),
        (["--base-url", "sandbox.example", "--key", "k"], "must be an http:// or https:// URL"),
        (["--base-url", "http://127.0.0.1:9", "--key", "k", "--rate", "0"], "must be positive"),
    ],
    ids=["no key", "same company alone", "named twice", "not a URL", "no rate"],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", *args], environ={}) == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_target_exits_2_without_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing listens on the discard port: one line naming the URL, never the key."""
    status = main(["verify", "--base-url", "http://127.0.0.1:9", "--key", KEY], environ={})
    captured = capsys.readouterr()
    assert status == 2
    assert "http://127.0.0.1:9/v1/sequences" in captured.err
    assert KEY not in captured.out + captured.err


def test_the_key_may_come_from_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    environ = {"SEQUENCES_MOCK_VERIFY_KEY": KEY}
    assert main(["verify", "--base-url", "http://127.0.0.1:9", "--dry-run"], environ=environ) == 0


def test_a_dry_run_lists_the_requests_and_sends_none(capsys: pytest.CaptureFixture[str]) -> None:
    """The double counts nothing; the list names each request and the key by its flag."""
    double = VendorDouble()
    with served(double.app) as url:
        runs_before = {run_id: dict(run) for run_id, run in double.runs.items()}
        status = main(
            ["verify", "--base-url", url, "--key", KEY, "--write-run", "r1", "--dry-run"],
            environ={},
        )
    out = capsys.readouterr().out
    assert status == 0
    assert "GET /v1/sequences?size=0  [--key]" in out
    assert "GET /v1/sequences  [no key]" in out
    assert "POST /v1/sequences/r1/resume  [--key]" in out
    assert KEY not in out
    assert double.runs == runs_before
