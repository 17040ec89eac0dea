"""The choice register and a world's `Choices` (pure), and the rules that take them."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from builders import DAY, HOUR, NOW, contact, sequence
from sequences_mock.core import lifecycle
from sequences_mock.core.choices import BY_ID, DEFAULT_CHOICES, REGISTER, Choice, Choices
from sequences_mock.core.domain import (
    Sequence,
    Status,
    Step,
    StepType,
    StopScope,
)
from sequences_mock.core.errors import InvalidStateTransition, ValidationFailed
from sequences_mock.core.lifecycle import NON_TERMINAL

#: The eight the register began with, as the issue names them; each one's default first.
REQUIRED = {
    "company_stop_scope": ("unfinished", "active"),
    "variables_view": ("overrides", "merged"),
    "pause_from": ("active", "unfinished"),
    "repause": ("replace", "refuse"),
    "resume_when_not_paused": ("refuse", "noop"),
    "stop_scope_default": ("contact", "required"),
    "noop_update_timestamp": ("touch", "keep"),
    "unknown_query_parameter": ("ignore", "reject"),
}


def run(status: Status = Status.ACTIVE, **fields: object) -> Sequence:
    return sequence(status, variables={"first_name": "Ada"}, **fields)


class TestRegister:
    def test_the_required_choices_have_their_options_default_first(self) -> None:
        """The eight open questions the register must hold, switchable, as named."""
        found = {c.id: (c.options, c.switchable) for c in REGISTER if c.id in REQUIRED}

        assert found == {choice_id: (options, True) for choice_id, options in REQUIRED.items()}

    def test_ids_and_options_are_unique_and_every_choice_says_how_it_is_probed(self) -> None:
        assert len(BY_ID) == len(REGISTER)
        for choice in REGISTER:
            assert len(set(choice.options)) == len(choice.options), choice.id
            assert choice.question.endswith("?"), choice.id
            assert choice.probe, choice.id
            assert choice.topic, choice.id

    def test_the_auth_scheme_error_body_and_base_path_are_verify_only(self) -> None:
        verify_only = {c.id for c in REGISTER if not c.switchable}

        assert verify_only >= {"auth_scheme", "error_body", "base_path", "stop_reason"}

    def test_a_choice_needs_two_options_with_a_meaning_each(self) -> None:
        with pytest.raises(ValueError, match="one meaning each"):
            Choice("x", "x", "x?", ("a", "b"), ("only one",), "", "probe")

    def test_the_control_plane_declares_exactly_the_registers_options(self) -> None:
        """control.openapi.yaml's `ChoiceChange` lists each id with its allowed options (a
        verify-only choice its default only), so the contract and the register agree."""
        document = yaml.safe_load(
            (resources.files("sequences_mock") / "_data" / "control.openapi.yaml").read_text()
        )
        change = document["components"]["schemas"]["ChoiceChange"]
        declared = change["properties"]["choices"]["properties"]

        assert {k: tuple(v["enum"]) for k, v in declared.items()} == {
            c.id: c.options if c.switchable else (c.default,) for c in REGISTER
        }


class TestChoices:
    def test_the_defaults_are_each_choices_first_option(self) -> None:
        assert DEFAULT_CHOICES.as_dict() == {c.id: c.options[0] for c in REGISTER}

    def test_overrides_make_a_new_value_and_leave_the_old_one(self) -> None:
        switched = DEFAULT_CHOICES.with_overrides({"repause": "refuse"})

        assert (switched["repause"], DEFAULT_CHOICES["repause"]) == ("refuse", "replace")
        assert switched == Choices().with_overrides({"repause": "refuse"})

    def test_overrides_that_change_nothing_give_the_same_value(self) -> None:
        """The defaults stay the defaults (renderers skip their work for them)."""
        assert DEFAULT_CHOICES.with_overrides({"repause": "replace"}) is DEFAULT_CHOICES

    @pytest.mark.parametrize(
        ("overrides", "name", "message"),
        [
            ({"colour": "blue"}, "choices.colour", "the choices are: company_stop_scope, "),
            ({"repause": "never"}, "choices.repause", "the options are: replace, refuse"),
            ({"repause": None}, "choices.repause", "None is not an option"),
            ({"error_body": "other"}, "choices.error_body", "is verify-only"),
        ],
    )
    def test_a_bad_override_is_a_validation_failure_naming_what_is_allowed(
        self, overrides: dict[str, str], name: str, message: str
    ) -> None:
        with pytest.raises(ValidationFailed) as refused:
            DEFAULT_CHOICES.with_overrides(overrides)

        [problem] = refused.value.problems
        assert problem.name == name
        assert message in problem.message

    def test_the_switchable_view_leaves_out_verify_only_choices(self) -> None:
        assert list(DEFAULT_CHOICES.switchable()) == [c.id for c in REGISTER if c.switchable]


def chose(**options: str) -> Choices:
    return DEFAULT_CHOICES.with_overrides(options)


class TestRules:
    @pytest.mark.parametrize(
        ("option", "reach"), [("unfinished", NON_TERMINAL), ("active", {"ACTIVE"})]
    )
    def test_company_stop_reach(self, option: str, reach: frozenset[Status]) -> None:
        assert lifecycle.company_stop_reach(chose(company_stop_scope=option)) == reach

    def test_variables_view(self) -> None:
        defaults = {"first_name": "there", "company": "your team"}

        overrides = lifecycle.shown_variables(run(), defaults, chose(variables_view="overrides"))
        merged = lifecycle.shown_variables(run(), defaults, chose(variables_view="merged"))

        assert overrides == {"first_name": "Ada"}
        assert merged == {"first_name": "Ada", "company": "your team"}

    @pytest.mark.parametrize(("option", "scope"), [("contact", StopScope.CONTACT)])
    def test_a_stop_without_scope_under_contact(self, option: str, scope: StopScope) -> None:
        assert lifecycle.stop_scope(None, chose(stop_scope_default=option)) is scope

    def test_a_stop_without_scope_under_required(self) -> None:
        with pytest.raises(ValidationFailed, match="body scope: is required"):
            lifecycle.stop_scope(None, chose(stop_scope_default="required"))
        assert lifecycle.stop_scope("COMPANY", chose(stop_scope_default="required")) is (
            StopScope.COMPANY
        )

    def test_repause_refuse(self) -> None:
        paused = run(Status.WAITING_FOR_LEAD, paused_until=NOW + DAY)

        with pytest.raises(InvalidStateTransition):
            lifecycle.pause(paused, NOW + 2 * DAY, NOW, chose(repause="refuse"))
        assert lifecycle.pause(paused, NOW + 2 * DAY, NOW).paused_until == NOW + 2 * DAY

    def test_resume_noop_returns_the_run_itself(self) -> None:
        active = run()

        assert lifecycle.resume(active, NOW, chose(resume_when_not_paused="noop")) is active
        with pytest.raises(InvalidStateTransition):
            lifecycle.resume(active, NOW)

    def test_noop_update_keep_returns_the_run_itself(self) -> None:
        active = run()

        kept = lifecycle.update_variables(
            active, {"first_name": "Ada"}, NOW, chose(noop_update_timestamp="keep")
        )
        touched = lifecycle.update_variables(active, {"first_name": "Ada"}, NOW)

        assert kept is active
        assert touched.updated_at == NOW

    def test_update_from_unfinished_refuses_a_finished_run(self) -> None:
        with pytest.raises(InvalidStateTransition):
            lifecycle.update_variables(
                run(Status.SUCCEEDED), {"a": "b"}, NOW, chose(update_from="unfinished")
            )

    def test_a_waiting_task_paused_under_unfinished_is_pending_again_after_the_resume(
        self,
    ) -> None:
        """A WAITING_FOR_USER run paused (`pause_from=unfinished`) is ACTIVE at its deadline,
        and its manual step comes due at once: it waits for the user again."""
        steps = (Step(StepType.TASK, HOUR),)
        reached = contact()
        waiting = run(Status.WAITING_FOR_USER)

        paused = lifecycle.pause(waiting, NOW + DAY, NOW, chose(pause_from="unfinished"))
        after, events = lifecycle.progress(paused, steps, reached, NOW + 2 * DAY)

        assert [e.kind.value for e in events] == ["resumed", "task_pending"]
        assert (after.status, after.updated_at) == (Status.WAITING_FOR_USER, NOW + DAY)

    @pytest.mark.parametrize(("option", "kind"), [("continue", "step_ran"), ("fail", "failed")])
    def test_an_email_to_an_unsubscribed_contact_follows_unsubscribed_runs(
        self, option: str, kind: str
    ) -> None:
        steps = (Step(StepType.EMAIL, HOUR), Step(StepType.EMAIL, DAY))
        active = run(next_step=0, next_step_at=NOW + HOUR)
        gone = contact(unsubscribed=True)

        after, events = lifecycle.progress(
            active, steps, gone, NOW + 2 * HOUR, chose(unsubscribed_runs=option)
        )

        assert [e.kind.value for e in events] == [kind]
        assert after.status is (Status.FAILED if option == "fail" else Status.ACTIVE)
