"""What a test holds: a handle on one mock, its assertions, and the transports to reach it.

`MockHandle` (with `MockClock` and `ApiKeys`) drives one mock's control plane; `ControlError`
is what a refused control call raises; `SyncASGITransport` lets a synchronous httpx client
reach an in-process app.
"""

from __future__ import annotations

from sequences_mock.client import ControlError
from sequences_mock.testing.control import Connection
from sequences_mock.testing.coverage import SuiteCoverage
from sequences_mock.testing.handle import ApiKeys, MockClock, MockHandle
from sequences_mock.testing.transport import SyncASGITransport

__all__ = [
    "ApiKeys",
    "Connection",
    "ControlError",
    "MockClock",
    "MockHandle",
    "SuiteCoverage",
    "SyncASGITransport",
]
