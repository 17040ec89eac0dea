"""`serve --choice id=option` and `SEQUENCES_MOCK_CHOICES`, and `check-fixtures` on a fixture's
`choices`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from sequences_mock.app import create_app
from sequences_mock.cli import main, parse_args
from sequences_mock.core.choices import BY_ID
from sequences_mock.fixtures import DEFAULT_FIXTURES
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport


def test_choice_options_repeat_and_reach_the_world():
    """Each `--choice` adds one; an app built from them makes those choices."""
    args = parse_args(["serve", "--choice", "repause=refuse", "--choice", "pause_from=unfinished"])
    app = create_app(Settings(choices=tuple(args.choices)))

    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        current = {c["id"]: c["current"] for c in client.get("/__mock/choices").json()["choices"]}

    assert args.choices == [("repause", "refuse"), ("pause_from", "unfinished")]
    assert (current["repause"], current["pause_from"]) == ("refuse", "unfinished")


def test_the_variable_lists_choices_and_the_command_line_replaces_it():
    """`SEQUENCES_MOCK_CHOICES="a=x, b=y"`; any `--choice` replaces the variable's list."""
    environ = {"SEQUENCES_MOCK_CHOICES": "repause=refuse, variables_view=merged"}

    from_variable = parse_args(["serve"], environ).choices
    from_line = parse_args(["serve", "--choice", "update_from=unfinished"], environ).choices

    assert from_variable == [("repause", "refuse"), ("variables_view", "merged")]
    assert from_line == [("update_from", "unfinished")]


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (["--choice", "repause"], {}, "expected ID=OPTION, not 'repause'"),
        (["--choice", "repause=maybe"], {}, "the options are: replace, refuse"),
        (["--choice", "colour=blue"], {}, "the choices are: company_stop_scope, variables_view"),
        (["--choice", "auth_scheme=other"], {}, "auth_scheme: is verify-only"),
        ([], {"SEQUENCES_MOCK_CHOICES": "pause_from=all"}, "SEQUENCES_MOCK_CHOICES="),
    ],
)
def test_a_bad_choice_is_a_one_line_usage_error(capsys, argv, environ, message):
    """Exit 2 with one line naming what is allowed."""
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *argv], environ=environ)

    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2
    assert message in err
    assert "\n" not in err


def test_check_fixtures_names_bad_choices(tmp_path: Path, capsys):
    """A fixture's unknown choice and option are listed with the allowed ones."""
    document = yaml.safe_load(DEFAULT_FIXTURES.read_text())
    document["choices"] = {"repause": "never", "colour": "blue", "variables_view": "merged"}
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(document))

    assert main(["check-fixtures", str(path)]) == 1

    err = capsys.readouterr().err
    assert sorted(line for line in err.splitlines() if line.startswith("  choices.")) == [
        "  choices.colour: is not a choice; the choices are: " + ", ".join(BY_ID),
        "  choices.repause: 'never' is not an option; the options are: replace, refuse",
    ]
