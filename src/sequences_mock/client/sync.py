"""`ControlClient`: the control plane from any Python code, over one pooled `httpx.Client`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from sequences_mock.client.errors import refusal
from sequences_mock.client.requests import EVENTS_PAGE, ClockMove, ControlRequest, Requests
from sequences_mock.client.transport import tls_for
from sequences_mock.core.timestamps import parse_timestamp

__all__ = ["ControlClient", "ControlClock"]

T = TypeVar("T")


class ControlClock:
    """The mock's clock. Time only moves forward (a `ControlError` otherwise); each move
    answers a `ClockMove`, naming the events it fired."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def now(self) -> datetime:
        return parse_timestamp(self._client._send(Requests.clock())["now"])

    @property
    def frozen(self) -> bool:
        return bool(self._client._send(Requests.clock())["frozen"])

    def set(self, now: datetime | str) -> ClockMove:
        """Jump forward to `now` (an aware datetime or an RFC 3339 string); paused runs whose
        deadline passed resume.

        The mock refuses to go back (a `ControlError`, 422 `invalid_clock_change`): only
        `reset()`, or seeding a document with a `clock` section, restarts the clock earlier.
        """
        return self._client._send(Requests.change_clock(now=now))

    def advance(self, seconds: float) -> ClockMove:
        return self._client._send(Requests.change_clock(advance_seconds=seconds))

    def freeze(self, frozen: bool = True) -> ClockMove:
        """Stop the clock (or, with `frozen=False`, let it tick with real time again)."""
        return self._client._send(Requests.change_clock(frozen=frozen))

    def __repr__(self) -> str:
        return f"ControlClock({self._client.url})"


class ControlClient:
    """The control plane of the mock at `url` (its origin: `http://127.0.0.1:8080`).

    Calls go over `http` (an `httpx.Client` you own), or over one it makes and closes with
    `close()` or the `with` block. `control_token` is sent when the mock was started with one.
    Answers are plain JSON values; a refusal raises `ControlError`.
    """

    def __init__(
        self,
        url: str,
        *,
        control_token: str | None = None,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_url = f"{self.url}/v1"
        self.clock = ControlClock(self)
        self._headers = {"Authorization": f"Bearer {control_token}"} if control_token else {}
        self._timeout = timeout
        #: Made on the first call when none is given (a subclass may never need one).
        self._http = http
        self._owns_http = False

    def _send(self, request: ControlRequest[T]) -> T:
        """Send one control call and read its answer; subclasses may route it elsewhere."""
        if self._http is None:
            self._http, self._owns_http = (
                httpx.Client(timeout=self._timeout, verify=tls_for(self.url)),
                True,
            )
        arguments = request.arguments
        if self._headers:
            arguments = {**arguments, "headers": {**arguments.get("headers", {}), **self._headers}}
        response = self._http.request(request.method, f"{self.url}{request.path}", **arguments)
        if response.is_error:
            raise refusal(request.method, request.path, response)
        return request.read(response.json())

    # -- the world -----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._send(Requests.health())

    def reset(self) -> dict[str, Any]:
        """State and clock back to the fixtures the mock started with; journal, faults cleared."""
        return self._send(Requests.reset())

    def seed(
        self, document: Mapping[str, Any] | str | Path, mode: str = "replace"
    ) -> dict[str, Any]:
        """Load a fixture document (a mapping, or a .json/.yaml file); `mode` replace or merge."""
        return self._send(Requests.seed(document, mode))

    def state(self) -> dict[str, Any]:
        """The whole world as a fixture document, mock-only fields included."""
        return self._send(Requests.state())

    # -- the lifecycle -------------------------------------------------------------------------

    def enroll(self, template_id: str, contact_id: str, **options: Any) -> dict[str, Any]:
        """A new run (FOUND, or REFUSED with its `refusal_reason`); options `contact_list_id`,
        `variables`, `sequence_id`."""
        return self._send(Requests.enroll(template_id, contact_id, **options))

    def complete_task(self, sequence_id: str) -> dict[str, Any]:
        """A person did the call or task a WAITING_FOR_USER run waits on."""
        return self._send(Requests.task(sequence_id, "done"))

    def skip_task(self, sequence_id: str) -> dict[str, Any]:
        """A person skipped it: the run will end COMPLETED, not SUCCEEDED."""
        return self._send(Requests.task(sequence_id, "skipped"))

    def fail(self, sequence_id: str) -> dict[str, Any]:
        """End an unfinished run as FAILED now (the docs' internal error)."""
        return self._send(Requests.fail(sequence_id))

    def change_contact(self, contact_id: str, change: str) -> list[dict[str, Any]]:
        """`email_bounced`, `unsubscribed` or `contact_deleted`: the contact's runs after it."""
        return self._send(Requests.change_contact(contact_id, change))

    def history(self, sequence_id: str) -> list[dict[str, Any]]:
        """What happened to a run, oldest first (`event`, `from`, `to`, `step`, `cause`, ...)."""
        return self._send(Requests.history(sequence_id))

    def events(self, since: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """At most `limit` events of every run after `seq` `since`, oldest first."""
        return self._send(Requests.events(since, limit))

    def events_of(self, move: ClockMove) -> list[dict[str, Any]]:
        """The events a clock move fired (those the feed still keeps), oldest first."""
        found: list[dict[str, Any]] = []
        if move.first_seq is None or move.last_seq is None:
            return found
        since = move.first_seq - 1
        while since < move.last_seq:
            page = self.events(since, min(EVENTS_PAGE, move.last_seq - since))
            if not page:
                break
            found += page
            since = page[-1]["seq"]
        return found

    # -- what happened -------------------------------------------------------------------------

    def requests(self, operation: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries, oldest first; filters `status`, `method`, `since`, `limit`,
        `incident`, `warned` as `GET /__mock/requests` takes them."""
        return self._send(Requests.requests(operation=operation, **filters))

    def clear_requests(self) -> int:
        return self._send(Requests.clear("/__mock/requests"))

    def coverage(self) -> dict[str, Any]:
        """Calls and statuses per operation since the last reset."""
        return self._send(Requests.coverage())

    # -- faults --------------------------------------------------------------------------------

    def fault(self, operation: str, status: int | None = None, **options: Any) -> dict[str, Any]:
        """Make the next `times` calls of `operation` ("*" for any) answer `status`, wait
        `delay_ms`, or meet a broken connection (`network`)."""
        return self._send(Requests.fault(operation, status, **options))

    def faults(self) -> list[dict[str, Any]]:
        return self._send(Requests.faults())

    def clear_faults(self) -> int:
        return self._send(Requests.clear("/__mock/faults"))

    # -- the client itself ---------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_http and self._http is not None:
            self._http.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url})"
