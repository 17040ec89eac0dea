"""`sequences_mock.client`: the control plane from plain Python, sync and async, over a socket."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from default_world import AMELIE_RUN, OLIVIA, RENEWAL_NUDGE
from readme_blocks import block
from sequences_mock.client import AsyncControlClient, ClockMove, ControlClient, ControlError
from sequences_mock.server import MockServer
from sequences_mock.testing import MockHandle

MONTH = 30 * 86400


def test_the_sync_client_drives_the_world_and_reads_a_moves_events(server: MockServer) -> None:
    with ControlClient(server.url) as mock:
        mock.reset()
        run = mock.enroll(RENEWAL_NUDGE, OLIVIA)
        moved = mock.clock.advance(MONTH)

        assert isinstance(moved, ClockMove)
        assert moved.fired > 0
        events = mock.events_of(moved)
        assert [event["seq"] for event in events] == list(
            range(moved.first_seq or 0, (moved.last_seq or 0) + 1)
        )
        assert any(event["sequence_id"] == run["id"] for event in events)
        assert mock.history(run["id"])[0]["event"] == "enrolled"
        assert mock.clock.now() == moved.now


def test_a_refusal_raises_control_error_with_its_code(server: MockServer) -> None:
    with ControlClient(server.url) as mock:
        mock.reset()
        start = mock.clock.now()
        with pytest.raises(ControlError) as refused:
            mock.clock.set(start - timedelta(days=1))
        assert (refused.value.status, refused.value.code) == (422, "invalid_clock_change")
        with pytest.raises(ControlError) as missing:
            mock.complete_task(AMELIE_RUN)
        assert missing.value.code == "invalid_state_transition"


def test_the_async_client_makes_the_same_calls(server: MockServer) -> None:
    async def scenario() -> tuple[ClockMove, list[dict[str, object]], int]:
        async with AsyncControlClient(server.url) as mock:
            await mock.reset()
            await mock.fault("getSequence", 503)
            moved = await mock.clock.advance(MONTH)
            return moved, await mock.events_of(moved), len(await mock.faults())

    moved, events, faults = asyncio.run(scenario())

    assert len(events) == moved.fired > 0
    assert faults == 1


def test_the_readme_and_docs_example_runs_as_written(
    server: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example outside pytest, in the README and docs/control-client.md alike, against a
    live mock on its port."""
    example = block("control-client")
    assert "http://127.0.0.1:8080" in example

    exec(compile(example.replace("http://127.0.0.1:8080", server.url), "README", "exec"), {})

    fired, events = capsys.readouterr().out.split(" events ")
    assert int(fired) > 0
    assert events.startswith("['")


def test_a_plain_http_mock_needs_no_ca_bundle_and_https_keeps_verification(
    server: MockServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Loading the CA bundle costs a client 35-60 ms; over plain HTTP it serves nothing."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    with ControlClient(server.url) as mock:
        assert mock.health()["status"] == "ok"
    handle = MockHandle(server.url)
    try:
        assert handle.client.get("/sequences").status_code == 200
    finally:
        handle.close()

    with pytest.raises(FileNotFoundError), ControlClient("https://mock.invalid") as tls:
        tls.health()
