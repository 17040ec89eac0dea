"""The choice register: every behaviour the vendor's docs leave open, and what one world chose.

Where the docs are silent the mock still has to answer somehow. Each such answer is a `Choice`
here, with the question, its options (the mock's default first), the words of the docs it hinges
on and how `verify` checks it against a real service. A switchable choice can be changed per
world (fixture, command line, control plane, pytest); a verify-only one is fixed by the mock's
contract and can only be checked. The rules that depend on a choice take its option as an
argument; nothing reads a global.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sequences_mock.core.errors import FieldProblem, Location, ValidationFailed

__all__ = ["BY_ID", "DEFAULT_CHOICES", "REGISTER", "Choice", "Choices", "choice_problems"]


@dataclass(frozen=True, slots=True)
class Choice:
    """One open question: its options (the default first), each option's meaning (`meanings`,
    in the same order), the vendor docs' words it hinges on (`docs`, empty when they say
    nothing), how `verify` probes it, and whether a world may switch it."""

    id: str
    #: A short label for the question, the first column of the README's "What is ours".
    topic: str
    question: str
    options: tuple[str, ...]
    meanings: tuple[str, ...]
    docs: str
    probe: str
    switchable: bool = True

    def __post_init__(self) -> None:
        if len(self.options) < 2 or len(self.meanings) != len(self.options):
            raise ValueError(f"choice {self.id}: two options or more, one meaning each")

    @property
    def default(self) -> str:
        return self.options[0]

    def meaning(self, option: str) -> str:
        return self.meanings[self.options.index(option)]


REGISTER: tuple[Choice, ...] = (
    Choice(
        "company_stop_scope",
        "`COMPANY` stop",
        "Which other runs of the template at the company does a COMPANY stop end?",
        ("unfinished", "active"),
        (
            "every other **unfinished** one: `ACTIVE`, `WAITING_FOR_LEAD`, `WAITING_FOR_USER` "
            "and `FOUND` (the statuses a stop is allowed from)",
            "only the other `ACTIVE` ones, as the docs' words read literally",
        ),
        "stop this sequence and all other active sequences in the same template that target "
        "contacts at the same company",
        "stop a run named by --company-stop-run with scope COMPANY; read the runs named by "
        "--same-company-run before and after: which statuses ended STOPPED_EARLY",
    ),
    Choice(
        "variables_view",
        "`variables` in a sequence",
        "Does a sequence's `variables` show the run's overrides only, or the template's "
        "defaults with the overrides on top?",
        ("overrides", "merged"),
        (
            "the run's own overrides only: the template's defaults are not merged into "
            "responses (`null` in an update still removes an override)",
            "the template's defaults with the run's overrides on top (`null` in an update "
            "removes the override, and the default shows again)",
        ),
        "Per-run template variable overrides merged on top of the template defaults",
        "update a --write-run with a variable set and one removed; compare `variables` with "
        "what was sent",
    ),
    Choice(
        "pause_from",
        "pausing a run that is not `ACTIVE`",
        "Can a FOUND or WAITING_FOR_USER run be paused?",
        ("active", "unfinished"),
        (
            "only an `ACTIVE` run is paused (and a paused one, see `repause`); any other "
            "status is `409 invalid_state_transition`",
            "every unfinished run: `FOUND` and `WAITING_FOR_USER` too; a pending manual step "
            "is due again at the resume",
        ),
        "WAITING_FOR_LEAD and will automatically resume after paused_until",
        "pause a --write-run that is FOUND or WAITING_FOR_USER: 200 or 409",
    ),
    Choice(
        "repause",
        "pausing a paused run",
        "Pausing a WAITING_FOR_LEAD run: does it take the new `paused_until`, or is it a 409?",
        ("replace", "refuse"),
        (
            "allowed: it moves the deadline to the new `paused_until`",
            "`409 invalid_state_transition`: resume it first",
        ),
        "",
        "pause a --write-run twice: the second answer's status and `updated_at`",
    ),
    Choice(
        "resume_when_not_paused",
        "resuming a run that is not paused",
        "Resuming a run that is not paused: a 409, or a 200 with the run unchanged?",
        ("refuse", "noop"),
        (
            "`409 invalid_state_transition`",
            "200 with the run as it was (nothing changes, not even `updated_at`)",
        ),
        "The sequence transitions back to ACTIVE and will continue executing steps on schedule.",
        "resume a --write-run that is ACTIVE: 409, or 200 unchanged",
    ),
    Choice(
        "stop_scope_default",
        "a stop without `scope`",
        "A stop whose body has no `scope`: CONTACT, or a 422?",
        ("contact", "required"),
        (
            "`CONTACT`: only this run stops",
            "`422 validation_error` naming `scope`",
        ),
        "the scope field controls whether to stop just this contact's sequence or all active "
        "sequences in the same template that target the same company",
        "stop a --stop-run with a reason and no scope: 200 or 422",
    ),
    Choice(
        "noop_update_timestamp",
        "an update that changes nothing",
        "Does an update that changes no variable move `updated_at`?",
        ("touch", "keep"),
        (
            "yes: every 2xx write sets `updated_at` to now",
            "no: the run is answered as it was",
        ),
        "",
        "update a --write-run with the variables it already has; compare `updated_at`",
    ),
    Choice(
        "unknown_query_parameter",
        "an unknown query parameter",
        "A query parameter the operation does not declare: ignored, or a 422?",
        ("ignore", "reject"),
        (
            "ignored (a repeated known one is still a 422)",
            "`422 validation_error` naming the parameter",
        ),
        "",
        "list and get with an extra query parameter: 200 or 422",
    ),
    Choice(
        "update_from",
        "updating a finished run",
        "Can the variables of a finished run (STOPPED_EARLY, SUCCEEDED...) be updated?",
        ("any", "unfinished"),
        (
            "in every status",
            "only while the run is unfinished (`ACTIVE`, `WAITING_FOR_LEAD`, "
            "`WAITING_FOR_USER`, `FOUND`); else `409 invalid_state_transition`",
        ),
        "",
        "update a --stop-run after it stopped: 200 or 409",
    ),
    Choice(
        "unsubscribed_runs",
        "the runs of a contact who unsubscribed",
        "When a contact unsubscribes, do its unfinished runs still send their email steps?",
        ("continue", "fail"),
        (
            "yes: only a new enrollment of the contact is refused; its runs go on, email "
            "steps included",
            "its next due email step fails the run (`FAILED`), as for a bounced email",
        ),
        "FAILED | The sequence ended due to an internal error or unrecoverable delivery failure.",
        "not reachable through the API: a contact unsubscribes in the vendor's own app; read "
        "its run after its next email step was due",
    ),
    Choice(
        "auth_scheme",
        "authentication",
        "How is the API key sent, and how is a missing or bad one refused?",
        ("bearer", "other"),
        (
            "`Authorization: Bearer <key>`; 401 with `WWW-Authenticate` otherwise",
            "another scheme (a header of its own, Basic...)",
        ),
        "All Sequences endpoints require a valid API key.",
        "a request with no key and one with a bad key: 401 and `WWW-Authenticate: Bearer`",
        switchable=False,
    ),
    Choice(
        "base_path",
        "base path and host",
        "Where do the endpoints live?",
        ("v1", "other"),
        (
            "`/v1`; `openapi.yaml`'s server is `http://{host}:{port}/v1` (defaults "
            "`127.0.0.1`, `8080`)",
            "another prefix",
        ),
        "",
        "list at --base-url: 200 or 404",
        switchable=False,
    ),
    Choice(
        "error_body",
        "errors",
        "What does an error answer look like?",
        ("problem_json", "other"),
        (
            "`application/problem+json` (RFC 9457) with a `code`; **every** status and `code` "
            "in [Errors](#errors) is ours",
            "another shape",
        ),
        "",
        "every refused request: its content type and body against the Problem schema",
        switchable=False,
    ),
    Choice(
        "refused_transition_status",
        "a transition a status does not allow",
        "Which status refuses a transition the run's status does not allow?",
        ("409", "422", "400"),
        (
            "`409 invalid_state_transition`",
            "422",
            "400",
        ),
        "",
        "resume a --write-run that is ACTIVE, or stop a --stop-run twice: the status",
        switchable=False,
    ),
    Choice(
        "stop_reason",
        "a stop without `reason`",
        "Is a stop's `reason` required?",
        ("required", "optional"),
        (
            "required: `422 validation_error` without it",
            "optional",
        ),
        "The reason field signals the commercial outcome",
        "stop a --stop-run with no body: 422, or 200",
        switchable=False,
    ),
    Choice(
        "list_order_ties",
        "sorting ties, a page past the end",
        "How are runs with equal sort keys ordered, and what does a page past the end hold?",
        ("by_id", "other"),
        (
            "ties by `id` ascending; an empty page with `has_more: false`",
            "another order, or an error past the end",
        ),
        "",
        "list sorted by status both ways, and a page past the end",
        switchable=False,
    ),
)

#: The register by id.
BY_ID: Mapping[str, Choice] = MappingProxyType({choice.id: choice for choice in REGISTER})


def choice_problems(
    options: Any, location: Location = "body", prefix: str = "choices"
) -> list[FieldProblem]:
    """Every way `options` ({id: option}) names a choice or an option the register lacks, or
    switches a verify-only choice; each problem names what is allowed."""
    if not isinstance(options, Mapping):
        return [FieldProblem(location, prefix, "must be an object of {choice id: option}")]
    problems = []
    for choice_id, option in options.items():
        name = f"{prefix}.{choice_id}" if prefix else str(choice_id)
        choice = BY_ID.get(choice_id) if isinstance(choice_id, str) else None
        if choice is None:
            message = f"is not a choice; the choices are: {', '.join(BY_ID)}"
        elif not isinstance(option, str) or option not in choice.options:
            allowed = choice.options if choice.switchable else (choice.default,)
            message = f"{option!r} is not an option; the options are: {', '.join(allowed)}"
        elif not choice.switchable and option != choice.default:
            message = (
                f"is verify-only: the mock's contract fixes {choice.default!r}; "
                "`sequences-mock verify` checks it against a real service"
            )
        else:
            continue
        problems.append(FieldProblem(location, name, message))
    return problems


@dataclass(frozen=True, slots=True)
class Choices:
    """What one world chose: an option for every choice of the register (immutable)."""

    _options: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({c.id: c.default for c in REGISTER})
    )

    def __getitem__(self, choice_id: str) -> str:
        return self._options[choice_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._options)

    def as_dict(self) -> dict[str, str]:
        """Every choice's current option, in register order."""
        return dict(self._options)

    def switchable(self) -> dict[str, str]:
        """The switchable choices' current options, in register order (what a dump writes)."""
        return {
            choice_id: o for choice_id, o in self._options.items() if BY_ID[choice_id].switchable
        }

    def with_overrides(
        self, overrides: Mapping[str, str], location: Location = "body", prefix: str = "choices"
    ) -> Choices:
        """These choices with `overrides` on top; raises `ValidationFailed` (a 422) naming the
        allowed ids or options when one is unknown, and changes nothing then."""
        problems = choice_problems(overrides, location, prefix)
        if problems:
            raise ValidationFailed(problems)
        if all(self._options[choice_id] == option for choice_id, option in overrides.items()):
            return self
        return Choices(MappingProxyType({**self._options, **overrides}))

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._options.items() if v != BY_ID[k].default}
        return f"Choices({changed or 'defaults'})"


#: The register's defaults: what a world chooses when nothing says otherwise.
DEFAULT_CHOICES = Choices()
