"""The sequences-mock command line."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from default_world import AMELIE_RUN, READ_ONLY, READ_WRITE, bearer
from live_server import cli_server
from sequences_mock.cli import exposure_warning, main, parse_args
from sequences_mock.fixtures import DEFAULT_FIXTURES
from sequences_mock.server import bind_socket
from sequences_mock.settings import Settings

BROKEN = """\
workspaces:
  - {id: 424b1fee-9709-4315-85d9-5954058b4714, name: Acme}
  - {id: 424b1fee-9709-4315-85d9-5954058b4714, name: Twin}
api_keys:
  - key: sk_test_broken
    workspace_id: 70ad2ccd-03bb-405b-a04f-14a7b6d801b2
    scopes: [sequences:read]
"""


def test_check_fixtures_accepts_the_default_world(capsys):
    """check-fixtures exits 0 and summarises a valid file."""
    assert main(["check-fixtures", str(DEFAULT_FIXTURES)]) == 0

    assert re.search(r"OK \(2 workspaces, 5 API keys, \d+ sequences\)", capsys.readouterr().out)


def test_check_fixtures_lists_every_problem(tmp_path: Path, capsys):
    """An invalid file exits 1 and names each problem by path."""
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)

    assert main(["check-fixtures", str(path)]) == 1

    err = capsys.readouterr().err
    assert "has 2 problems" in err
    assert "workspaces[1].id: duplicate id" in err
    assert "api_keys[0].workspace_id: unknown workspace" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("workspaces: [\n", "is not valid YAML")],
)
def test_check_fixtures_reports_unreadable_files_in_one_line(
    tmp_path: Path, capsys, content, message
):
    """A missing or unparsable file is one line on stderr and exit 1, no traceback."""
    path = tmp_path / "fixtures.yaml"
    if content is not None:
        path.write_text(content)

    assert main(["check-fixtures", str(path)]) == 1

    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["serve", "--bogus"], ["serve", "--port", "eighty"], []])
def test_bad_command_lines_are_one_line_errors(capsys, argv):
    """argparse mistakes exit 2 with a single error line."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)

    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sequences-mock")
    assert len(err.splitlines()) == 1


def test_serve_refuses_a_port_in_use(capsys):
    """A taken port is reported in one line with exit 1."""
    sock = bind_socket("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    finally:
        sock.close()
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


def test_serve_refuses_invalid_fixtures(tmp_path: Path, capsys):
    """serve with a broken fixture file lists its problems and exits 1 without listening."""
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)

    assert main(["serve", "--port", "0", "--fixtures", str(path)]) == 1

    assert "workspaces[1].id: duplicate id" in capsys.readouterr().err


def test_python_m_serve_prints_url_and_keys_and_serves():
    """`python -m sequences_mock serve --port 0` prints URL and keys, serves, stops on Ctrl-C."""
    with cli_server("--log-level", "warning") as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{server.url}/__mock/health", timeout=5).status_code == 200
        listed = httpx.get(f"{server.url}/v1/sequences", headers=bearer(READ_ONLY), timeout=5)
        assert listed.status_code == 200
    assert any("sk_test_acme_read_only" in line for line in server.banner)


# -- serve options from the environment ---------------------------------------------------------

ENVIRONMENT = {
    "SEQUENCES_MOCK_HOST": "0.0.0.0",
    "SEQUENCES_MOCK_PORT": "9001",
    "SEQUENCES_MOCK_FIXTURES": "world.yaml",
    "SEQUENCES_MOCK_NO_VALIDATE_RESPONSES": "true",
    "SEQUENCES_MOCK_JOURNAL_SIZE": "50",
    "SEQUENCES_MOCK_LOG_LEVEL": "warning",
    "SEQUENCES_MOCK_QUIET": "1",
    "SEQUENCES_MOCK_CORS_ORIGIN": "http://localhost:3000, https://app.example",
}


def test_every_serve_option_has_a_variable_and_help_shows_defaults(capsys):
    """`serve --help` names each option's SEQUENCES_MOCK_* variable, and the defaults."""
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--help"], environ={})

    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in ENVIRONMENT:
        assert name in text
    for shown in (
        "SEQUENCES_MOCK_HOST, default 127.0.0.1",
        "SEQUENCES_MOCK_PORT, default 8080",
        "SEQUENCES_MOCK_JOURNAL_SIZE, default 10000",
        "SEQUENCES_MOCK_LOG_LEVEL, default info",
    ):
        assert shown in text


def test_the_environment_sets_every_serve_option():
    """With nothing on the command line, each variable gives its option's value."""
    args = parse_args(["serve"], ENVIRONMENT)

    assert (args.host, args.port, args.fixtures) == ("0.0.0.0", 9001, Path("world.yaml"))
    assert (args.no_validate_responses, args.journal_size) == (True, 50)
    assert (args.log_level, args.quiet) == ("warning", True)
    assert args.cors_origin == ["http://localhost:3000", "https://app.example"]


@pytest.mark.parametrize(("value", "quiet"), [("0", False), ("off", False), ("YES", True)])
def test_flags_read_common_truth_values(value: str, quiet: bool):
    assert parse_args(["serve"], {"SEQUENCES_MOCK_QUIET": value}).quiet is quiet


def test_an_empty_variable_is_unset():
    """`SEQUENCES_MOCK_PORT=` (as a CI template often leaves it) keeps the default."""
    args = parse_args(["serve"], {"SEQUENCES_MOCK_PORT": "", "SEQUENCES_MOCK_QUIET": " "})

    assert (args.port, args.quiet) == (8080, False)


def test_the_command_line_wins_over_the_environment():
    """An option on the command line replaces its variable's value, a list one included."""
    args = parse_args(
        ["serve", "--port", "0", "--cors-origin", "http://b.example", "--log-level", "debug"],
        ENVIRONMENT,
    )

    assert (args.port, args.log_level) == (0, "debug")
    assert args.cors_origin == ["http://b.example"]
    assert args.host == "0.0.0.0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SEQUENCES_MOCK_PORT", "eighty"),
        ("SEQUENCES_MOCK_JOURNAL_SIZE", "0"),
        ("SEQUENCES_MOCK_LOG_LEVEL", "loud"),
        ("SEQUENCES_MOCK_QUIET", "maybe"),
        ("SEQUENCES_MOCK_NO_VALIDATE_RESPONSES", "2"),
    ],
)
def test_an_unusable_variable_is_a_one_line_error_naming_it(capsys, name: str, value: str):
    """Exit 2 and one line with the variable and its value, as for a bad option."""
    with pytest.raises(SystemExit) as exit_info:
        main(["serve"], environ={name: value})

    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{name}={value!r}" in err


# -- what serve prints per call -----------------------------------------------------------------

CALL_LINE = re.compile(r"^#(\d+) (GET|POST|PATCH) (\S+) (\d{3})( [a-z_]+)?( fault=\d+)? [\d.]+ms$")


def _call_lines(server, count: int) -> list[str]:
    """The call lines the server printed, once there are `count` (waiting up to 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [line.rstrip("\n") for line in server.banner if line.startswith("#")]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def test_serve_prints_one_line_per_call():
    """Method, path, status, problem code, fault and duration of each call, as it happens."""
    with cli_server("--log-level", "warning") as server:
        rw = bearer(READ_WRITE)
        httpx.get(f"{server.url}/v1/sequences?size=2", headers=rw, timeout=5)
        httpx.post(f"{server.url}/v1/sequences/{AMELIE_RUN}/resume", headers=rw, timeout=5)
        fault = {"operation": "getSequence", "status": 503}
        assert httpx.post(f"{server.url}/__mock/faults", json=fault, timeout=5).is_success
        httpx.get(f"{server.url}/v1/sequences/{AMELIE_RUN}", headers=rw, timeout=5)
        lines = _call_lines(server, 3)

    matches = [CALL_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert [match.groups()[:4] for match in matches if match] == [
        ("1", "GET", "/v1/sequences?size=2", "200"),
        ("2", "POST", f"/v1/sequences/{AMELIE_RUN}/resume", "409"),
        ("3", "GET", f"/v1/sequences/{AMELIE_RUN}", "503"),
    ]
    assert " 409 invalid_state_transition " in lines[1]
    assert " 503 service_unavailable fault=1 " in lines[2]


def test_serve_configured_from_the_environment_alone():
    """Variables set quiet, journal size and CORS; `--port 0` on the command line wins."""
    environment = {
        "SEQUENCES_MOCK_PORT": "1",
        "SEQUENCES_MOCK_QUIET": "true",
        "SEQUENCES_MOCK_JOURNAL_SIZE": "2",
        "SEQUENCES_MOCK_CORS_ORIGIN": "http://localhost:3000",
    }
    with cli_server("--log-level", "warning", env=environment) as server:
        for _ in range(3):
            httpx.get(f"{server.url}/v1/sequences", headers=bearer(READ_ONLY), timeout=5)
        journal = httpx.get(f"{server.url}/__mock/requests", timeout=5).json()
        preflight = httpx.options(
            f"{server.url}/v1/sequences",
            headers={
                "Origin": "http://localhost:3000",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
            timeout=5,
        )
        time.sleep(0.3)  # past the call log's interval, had it been on

    assert (journal["size"], journal["recorded"]) == (2, 3)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert not [line for line in server.banner if line.startswith("#")]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7"])
def test_serving_beyond_this_machine_without_a_token_is_warned_about(host: str):
    warning = exposure_warning(host, None)

    assert warning is not None
    assert warning.startswith("warning: ")
    assert host in warning
    assert "--control-token" in warning


def test_an_acknowledged_exposure_is_a_note_naming_the_token_variable():
    note = exposure_warning("0.0.0.0", None, acknowledged=True)

    assert note is not None
    assert note.startswith("note: ")
    assert "SEQUENCES_MOCK_CONTROL_TOKEN" in note


def test_serve_acknowledges_the_exposure_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEQUENCES_MOCK_EXPOSURE_ACKNOWLEDGED", "1")
    with cli_server("--host", "0.0.0.0") as server:
        local = server.url.replace("0.0.0.0", "127.0.0.1")
        assert httpx.get(f"{local}/__mock/health").status_code == 200
    notes = [line for line in server.stderr if "without a control token" in line]
    assert notes
    assert all("note:" in line and "warning" not in line for line in notes)


@pytest.mark.parametrize(("host", "token"), [("127.0.0.1", None), ("::1", None), ("0.0.0.0", "t")])
def test_a_loopback_or_tokened_control_plane_is_not_warned_about(host: str, token: str | None):
    assert exposure_warning(host, token) is None


def test_serve_takes_the_control_token_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEQUENCES_MOCK_CONTROL_TOKEN", "from-the-environment")
    with cli_server() as server:
        assert httpx.get(f"{server.url}/__mock/state").status_code == 401
        token = bearer("from-the-environment")
        assert httpx.get(f"{server.url}/__mock/state", headers=token).status_code == 200
    assert not any("warning" in line for line in server.stderr)


@pytest.mark.parametrize(
    ("token", "said"),
    [("", "empty"), ("   ", "without spaces"), ("two words", "without spaces"), ("a\tb", "")],
)
def test_a_control_token_that_cannot_work_is_refused_at_start(
    capsys: pytest.CaptureFixture[str], token: str, said: str
) -> None:
    """`--control-token "$UNSET"` once turned the token off without a word; a token of spaces
    locked everyone out (a header cannot carry it)."""
    with pytest.raises(SystemExit) as stopped:
        parse_args(["serve", "--control-token", token])

    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "--control-token" in error
    assert said in error
    with pytest.raises(ValueError, match="control token"):
        Settings(control_token=token)


def test_the_control_token_can_come_from_a_file(tmp_path: Path) -> None:
    """Not on the command line, where any user can read it in the process list."""
    path = tmp_path / "token"
    path.write_text("s3cret-token\n")

    with cli_server("--log-level", "warning", "--control-token-file", str(path)) as server:
        without = httpx.get(f"{server.url}/__mock/state", timeout=5)
        with_it = httpx.get(f"{server.url}/__mock/state", headers=bearer("s3cret-token"), timeout=5)

    assert without.status_code == 401
    assert with_it.status_code == 200


@pytest.mark.parametrize("content", ["", "\n", " spaced \n"])
def test_an_unusable_control_token_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "token"
    path.write_text(content)

    assert main(["serve", "--port", "0", "--control-token-file", str(path)]) == 2
    assert "control token" in capsys.readouterr().err
