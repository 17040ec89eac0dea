"""The sequences-mock command line."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from default_world import READ_ONLY, bearer
from live_server import cli_server
from sequences_mock.cli import exposure_warning, main
from sequences_mock.server import bind_socket
from sequences_mock.state.fixtures import DEFAULT_FIXTURES

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


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7"])
def test_serving_beyond_this_machine_without_a_token_is_warned_about(host: str):
    warning = exposure_warning(host, None)

    assert warning is not None
    assert host in warning
    assert "--control-token" in warning


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
