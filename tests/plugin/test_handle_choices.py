"""Choices through the pytest plugin: the handle's `choices()` / `set_choices()` and the
`sequences_mock_choices` marker, applied for one test and undone after it."""

from __future__ import annotations

import pytest
from inner import HELPERS, run

from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock.core.choices import REGISTER
from sequences_mock.pytest_plugin import InProcessMock
from sequences_mock.testing import ControlError

pytest_plugins = ["pytester"]

DEFAULTS = {choice.id: choice.default for choice in REGISTER}


def test_choices_lists_every_choice_with_its_default(sequences_mock_app: InProcessMock) -> None:
    """A world reset for the test makes the register's default choices."""
    assert sequences_mock_app.choices() == DEFAULTS


def test_set_choices_switches_the_world(sequences_mock_app: InProcessMock) -> None:
    """`set_choices` answers every current option, and the API follows them: resuming an
    ACTIVE run is a 200 under `noop`."""
    current = sequences_mock_app.set_choices(resume_when_not_paused="noop")

    resumed = sequences_mock_app.client.post(
        f"/sequences/{AMELIE_RUN}/resume", headers=bearer(READ_WRITE)
    )

    assert current == {**DEFAULTS, "resume_when_not_paused": "noop"}
    assert resumed.status_code == 200


def test_set_choices_names_the_allowed_options(sequences_mock_app: InProcessMock) -> None:
    """A bad option raises `ControlError` naming the allowed ones; nothing changes."""
    with pytest.raises(ControlError, match="replace, refuse"):
        sequences_mock_app.set_choices(repause="sometimes", variables_view="merged")

    assert sequences_mock_app.choices() == DEFAULTS


@pytest.mark.sequences_mock_choices(repause="refuse", variables_view="merged")
def test_the_marker_applies_its_choices(sequences_mock_app: InProcessMock) -> None:
    """The marker's choices hold from the test's first call."""
    assert (sequences_mock_app.choices()) == {
        **DEFAULTS,
        "repause": "refuse",
        "variables_view": "merged",
    }


@pytest.mark.slow
def test_the_marker_is_undone_after_its_test(pytester: pytest.Pytester) -> None:
    """The next test, on the socket or in-process, sees the defaults again; a bad marker fails
    its test with the allowed options."""
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(
        test_order="""
        import pytest


        @pytest.mark.sequences_mock_choices(company_stop_scope="active")
        def test_1_marked(sequences_mock):
            assert sequences_mock.choices()["company_stop_scope"] == "active"


        def test_2_unmarked(sequences_mock):
            assert sequences_mock.choices()["company_stop_scope"] == "unfinished"


        @pytest.mark.sequences_mock_choices(pause_from="unfinished")
        def test_3_marked_in_process(sequences_mock_app):
            assert sequences_mock_app.choices()["pause_from"] == "unfinished"


        def test_4_unmarked_in_process(sequences_mock_app):
            assert sequences_mock_app.choices()["pause_from"] == "active"


        @pytest.mark.sequences_mock_choices(pause_from="never")
        def test_5_bad_marker(sequences_mock):
            pass
        """
    )

    result = run(pytester, "-p", "no:randomly")

    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*choices.pause_from*the options are: active, unfinished*"])
