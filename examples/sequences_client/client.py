"""`SequencesClient`: list, pause, resume and stop sequence runs, retrying 429 and 503, and
reads whose connection broke."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

__all__ = ["SequencesClient", "SequencesError"]

RETRYABLE = (429, 503)
#: A connection that broke before the whole answer arrived: reset, closed, or cut short.
BROKEN_CONNECTION = (httpx.NetworkError, httpx.RemoteProtocolError)
#: Methods safe to send again when their answer was lost: a write may have been applied.
IDEMPOTENT = frozenset(("GET", "HEAD"))


class SequencesError(Exception):
    """The API refused a call; `status` and `code` come from its problem document."""

    def __init__(self, status: int, code: str | None, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code


class SequencesClient:
    """A Sequences API client on an `httpx.Client` whose base URL is the API's (`.../v1`).

    `sleep` is how it waits before a retry; tests pass a fake one to stay fast.
    """

    def __init__(
        self,
        http: httpx.Client,
        api_key: str,
        *,
        max_attempts: int = 3,
        default_backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._max_attempts = max_attempts
        self._default_backoff = default_backoff
        self._sleep = sleep

    @classmethod
    def connect(cls, base_url: str, api_key: str, **options: Any) -> SequencesClient:
        """A client with its own connection pool; `close()` it when done."""
        return cls(httpx.Client(base_url=base_url, timeout=10), api_key, **options)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SequencesClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def active_runs(self, template_id: str, *, page_size: int = 100) -> list[dict[str, Any]]:
        """Every ACTIVE run of a template, oldest first, across as many pages as it takes."""
        runs: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {
                "status": "ACTIVE",
                "template_id": template_id,
                "sort_by": "created_at",
                "order": "asc",
                "page": page,
                "size": page_size,
            }
            body = self._request("GET", "/sequences", params=params)
            runs.extend(body["items"])
            if not body["has_more"]:
                return runs
            page += 1

    def get(self, sequence_id: str) -> dict[str, Any]:
        return self._request("GET", f"/sequences/{sequence_id}")

    def pause(self, sequence_id: str, until: datetime) -> dict[str, Any]:
        """Pause a run until `until` (an aware datetime); it resumes by itself then."""
        if until.tzinfo is None:
            raise ValueError("pause until an aware datetime, not a naive one")
        paused_until = until.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return self._request(
            "POST", f"/sequences/{sequence_id}/pause", json={"paused_until": paused_until}
        )

    def resume(self, sequence_id: str) -> dict[str, Any]:
        return self._request("POST", f"/sequences/{sequence_id}/resume")

    def stop(
        self,
        sequence_id: str,
        reason: Literal["WIN", "LOSE"],
        scope: Literal["CONTACT", "COMPANY"] = "CONTACT",
    ) -> dict[str, Any]:
        """Stop a run; with `COMPANY`, the template's other runs at the contact's company too."""
        body = {"reason": reason, "scope": scope}
        return self._request("POST", f"/sequences/{sequence_id}/stop", json=body)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in range(1, self._max_attempts + 1):
            last = attempt == self._max_attempts
            try:
                response = self._http.request(method, path, headers=self._headers, **kwargs)
            except BROKEN_CONNECTION:
                if method not in IDEMPOTENT or last:
                    raise
                self._sleep(self._default_backoff)
                continue
            if response.status_code not in RETRYABLE or last:
                break
            self._sleep(self._retry_delay(response))
        if response.is_error:
            problem = _problem(response)
            raise SequencesError(
                response.status_code, problem.get("code"), problem.get("detail", response.text)
            )
        return response.json()

    def _retry_delay(self, response: httpx.Response) -> float:
        """Retry-After in seconds when the server sends it, else the default backoff."""
        try:
            return float(response.headers["Retry-After"])
        except (KeyError, ValueError):
            return self._default_backoff


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
