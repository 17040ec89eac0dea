"""A client of the mock's control plane for any test framework or script, sync and async.

    from sequences_mock.client import ControlClient

    with ControlClient("http://127.0.0.1:8080") as mock:
        mock.reset()
        moved = mock.clock.advance(30 * 86400)
        for event in mock.events_of(moved):
            print(event["seq"], event["sequence_id"], event["event"])

`AsyncControlClient` has the same methods, awaited. A refused call raises `ControlError`.
"""

from __future__ import annotations

from sequences_mock.client.aio import AsyncControlClient
from sequences_mock.client.errors import ControlError
from sequences_mock.client.requests import ClockMove
from sequences_mock.client.sync import ControlClient

__all__ = ["AsyncControlClient", "ClockMove", "ControlClient", "ControlError"]
