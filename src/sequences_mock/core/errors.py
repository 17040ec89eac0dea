"""Domain errors: a machine-readable `code` and a detail each; HTTP statuses live in `problems`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

__all__ = [
    "ContentTooLarge",
    "ContractViolation",
    "DuplicateId",
    "FieldProblem",
    "ForbiddenOrigin",
    "InsufficientScope",
    "InvalidClockChange",
    "InvalidFixtures",
    "InvalidStateTransition",
    "MalformedDocument",
    "MalformedJson",
    "MisdirectedRequest",
    "MockError",
    "NotFound",
    "PausedUntilNotInFuture",
    "SeedQueueFull",
    "Unauthenticated",
    "UnsupportedMediaType",
    "ValidationFailed",
    "WorldReplaced",
    "field_path",
]

Location = Literal["query", "path", "body", "header"]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one part of a request (or of a fixture document)."""

    location: Location
    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.name else self.message


class MockError(Exception):
    """Base of every refusal the mock answers on purpose."""

    code: ClassVar[str]

    def __init__(self, detail: str, problems: Iterable[FieldProblem] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = tuple(problems)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, detail={self.detail!r})"


class MalformedJson(MockError):
    code = "malformed_json"


class MalformedDocument(MockError):
    """A fixture document that is not valid YAML or JSON at all."""

    code = "malformed_document"


class ValidationFailed(MockError):
    """Parameters or a body that break their schema, built from the problems alone so that every
    detail reads the same: `<location> <name>: <message> (and N more)`."""

    code = "validation_error"

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        found = tuple(problems)
        if not found:
            raise ValueError("a validation failure names at least one problem")
        first = found[0]
        where = f"{first.location} {first.name}" if first.name else first.location
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        super().__init__(f"{where}: {first.message}{more}", found)


class PausedUntilNotInFuture(MockError):
    code = "paused_until_not_in_future"


class Unauthenticated(MockError):
    code = "unauthenticated"


class InsufficientScope(MockError):
    code = "insufficient_scope"

    def __init__(self, detail: str, scope: str) -> None:
        super().__init__(detail)
        self.scope = scope


class ForbiddenOrigin(MockError):
    """A browser page of another origin asked the control plane for a change."""

    code = "forbidden_origin"


class NotFound(MockError):
    code = "not_found"


class MisdirectedRequest(MockError):
    """A request to a loopback mock under a host name that is not a loopback one."""

    code = "misdirected_request"


class InvalidStateTransition(MockError):
    code = "invalid_state_transition"


class DuplicateId(MockError):
    """An id asked for that the world already holds."""

    code = "duplicate_id"


class UnsupportedMediaType(MockError):
    code = "unsupported_media_type"


class ContentTooLarge(MockError):
    code = "content_too_large"


class ContractViolation(MockError):
    """The mock was about to send a response its own contract forbids: a bug in the mock."""

    code = "mock_contract_violation"


class InvalidFixtures(MockError):
    code = "invalid_fixtures"


class InvalidClockChange(MockError):
    code = "invalid_clock_change"


class WorldReplaced(MockError):
    """A reset or seed ended the world a request arrived in before the request was applied."""

    code = "world_replaced"


class SeedQueueFull(MockError):
    """A seed arrived while one was built and another waited: refused before its body is read,
    so that queued seeds never hold more than one body."""

    code = "seed_queue_full"


def field_path(parts: Iterable[str | int]) -> str:
    """`["sequences", 3, "template_id"]` → `sequences[3].template_id`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
