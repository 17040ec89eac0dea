"""The control plane's calls as data (method, path, arguments, how to read the answer), made
once here and sent by the sync and the async client alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from sequences_mock.client.documents import fixture_json
from sequences_mock.core.timestamps import format_timestamp, parse_timestamp

__all__ = ["ClockMove", "ControlRequest", "Requests"]

T = TypeVar("T")
YAML_SUFFIXES = (".yaml", ".yml")
#: The most events one page of `GET /__mock/events` holds.
EVENTS_PAGE = 10_000


@dataclass(frozen=True)
class ClockMove:
    """What `POST /__mock/clock` answered: the clock, and the events the move fired (their
    `seq` range in `GET /__mock/events`, None when none fired)."""

    now: datetime
    frozen: bool
    fired: int
    first_seq: int | None
    last_seq: int | None

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> ClockMove:
        return cls(
            parse_timestamp(answer["now"]),
            bool(answer["frozen"]),
            int(answer["fired"]),
            answer["first_seq"],
            answer["last_seq"],
        )


def _dict(answer: Any) -> dict[str, Any]:
    return dict(answer)


@dataclass(frozen=True)
class ControlRequest(Generic[T]):
    method: str
    path: str
    read: Callable[[Any], T]
    arguments: dict[str, Any] = field(default_factory=dict)


def _get(path: str, read: Callable[[Any], T], **arguments: Any) -> ControlRequest[T]:
    return ControlRequest("GET", path, read, arguments)


def _post(path: str, read: Callable[[Any], T], **arguments: Any) -> ControlRequest[T]:
    return ControlRequest("POST", path, read, arguments)


def _items(name: str) -> Callable[[Any], list[dict[str, Any]]]:
    return lambda answer: list(answer[name])


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


class Requests:
    """One method per control call, each returning the `ControlRequest` to send."""

    @staticmethod
    def health() -> ControlRequest[dict[str, Any]]:
        return _get("/__mock/health", _dict)

    @staticmethod
    def reset() -> ControlRequest[dict[str, Any]]:
        return _post("/__mock/reset", _dict)

    @staticmethod
    def seed(
        document: Mapping[str, Any] | str | Path, mode: str = "replace"
    ) -> ControlRequest[dict[str, Any]]:
        if isinstance(document, Mapping):
            content, media_type = fixture_json(document), "application/json"
        else:
            path = Path(document)
            content = path.read_bytes()
            yaml = path.suffix.lower() in YAML_SUFFIXES
            media_type = "application/yaml" if yaml else "application/json"
        headers = {"Content-Type": media_type}
        return _post("/__mock/seed", _dict, params={"mode": mode}, content=content, headers=headers)

    @staticmethod
    def state() -> ControlRequest[dict[str, Any]]:
        return _get("/__mock/state", _dict)

    @staticmethod
    def clock() -> ControlRequest[dict[str, Any]]:
        return _get("/__mock/clock", _dict)

    @staticmethod
    def change_clock(
        now: datetime | str | None = None,
        advance_seconds: float | None = None,
        frozen: bool | None = None,
    ) -> ControlRequest[ClockMove]:
        if isinstance(now, datetime):
            if now.tzinfo is None or now.utcoffset() is None:
                raise ValueError("give the mock clock an aware datetime (UTC), not a naive one")
            now = format_timestamp(now)
        change = _present(now=now, advance_seconds=advance_seconds, frozen=frozen)
        return _post("/__mock/clock", ClockMove.of, json=change)

    @staticmethod
    def events(since: int = 0, limit: int = 1000) -> ControlRequest[list[dict[str, Any]]]:
        return _get("/__mock/events", _items("events"), params={"since": since, "limit": limit})

    @staticmethod
    def enroll(
        template_id: str,
        contact_id: str,
        *,
        contact_list_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        sequence_id: str | None = None,
    ) -> ControlRequest[dict[str, Any]]:
        request = {"template_id": template_id, "contact_id": contact_id}
        request |= _present(
            contact_list_id=contact_list_id,
            variables=dict(variables) if variables is not None else None,
            id=sequence_id,
        )
        return _post("/__mock/enrollments", _dict, json=request)

    @staticmethod
    def task(sequence_id: str, outcome: str) -> ControlRequest[dict[str, Any]]:
        return _post(f"/__mock/sequences/{sequence_id}/task", _dict, json={"outcome": outcome})

    @staticmethod
    def fail(sequence_id: str) -> ControlRequest[dict[str, Any]]:
        return _post(f"/__mock/sequences/{sequence_id}/fail", _dict)

    @staticmethod
    def change_contact(contact_id: str, change: str) -> ControlRequest[list[dict[str, Any]]]:
        path = f"/__mock/contacts/{contact_id}/changes"
        return _post(path, _items("runs"), json={"change": change})

    @staticmethod
    def history(sequence_id: str) -> ControlRequest[list[dict[str, Any]]]:
        return _get(f"/__mock/sequences/{sequence_id}/history", _items("events"))

    @staticmethod
    def requests(**filters: Any) -> ControlRequest[list[dict[str, Any]]]:
        return _get("/__mock/requests", _items("requests"), params=_present(**filters))

    @staticmethod
    def coverage() -> ControlRequest[dict[str, Any]]:
        return _get("/__mock/coverage", _dict)

    @staticmethod
    def fault(
        operation: str,
        status: int | None = None,
        *,
        times: int = 1,
        delay_ms: int | None = None,
        retry_after: int | None = None,
        network: str | None = None,
    ) -> ControlRequest[dict[str, Any]]:
        fault = {"operation": operation, "times": times}
        fault |= _present(
            status=status, delay_ms=delay_ms, retry_after=retry_after, network=network
        )
        return _post("/__mock/faults", _dict, json=fault)

    @staticmethod
    def faults() -> ControlRequest[list[dict[str, Any]]]:
        return _get("/__mock/faults", _items("faults"))

    @staticmethod
    def clear(path: str) -> ControlRequest[int]:
        return ControlRequest("DELETE", path, lambda answer: int(answer["cleared"]))
