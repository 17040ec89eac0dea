"""`sequences-mock serve --journal-size`: checked on the command line, honoured by the server."""

from __future__ import annotations

import httpx
import pytest

from default_world import READ_ONLY, bearer
from live_server import cli_server
from sequences_mock.cli import main


@pytest.mark.parametrize("size", ["0", "-1", "x", "1.5", ""])
def test_a_journal_size_below_one_or_not_a_number_is_a_one_line_error(capsys, size):
    """An unusable --journal-size exits 2 with one error line naming the option."""
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", "0", "--journal-size", size])

    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("sequences-mock")
    assert len(err.splitlines()) == 1
    assert "--journal-size" in err
    assert "Traceback" not in err
    assert "serving" not in captured.out


def test_a_small_journal_size_bounds_the_live_journal():
    """A server started with --journal-size 3 keeps only the newest 3 requests."""
    with cli_server("--journal-size", "3", "--log-level", "warning") as server:
        for page in range(1, 6):
            response = httpx.get(
                f"{server.url}/v1/sequences",
                params={"page": page},
                headers=bearer(READ_ONLY),
                timeout=5,
            )
            assert response.status_code == 200
        document = httpx.get(f"{server.url}/__mock/requests", timeout=5).json()

    assert (document["size"], document["recorded"], document["dropped"]) == (3, 5, 2)
    assert [entry["seq"] for entry in document["requests"]] == [3, 4, 5]
    assert [entry["query"] for entry in document["requests"]] == [
        {"page": "3"},
        {"page": "4"},
        {"page": "5"},
    ]
