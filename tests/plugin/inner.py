"""What the inner pytest sessions of the plugin's tests share: worlds, helpers and the runner.

The plugin is never named in these suites: it must load from its `pytest11` entry point.
"""

from __future__ import annotations

from pathlib import Path

# httpx imports httpcore on first use, and pytester drops the modules a test imported when the
# test ends. Were that first use inside a pytester test, httpcore would be imported afresh later,
# with new exception classes that httpx no longer maps (httpcore.ConnectError would escape where
# httpx.ConnectError is expected). Every module of the inner sessions' tests imports this one.
import httpcore  # noqa: F401
import pytest

#: A valid world of one workspace, one key and one ACTIVE run, with its own frozen clock.
TINY_YAML = """\
clock: {now: "2026-01-02T00:00:00Z", frozen: true}
workspaces:
  - {id: 00000000-0000-4000-8000-000000000001, name: Tiny Co}
api_keys:
  - {key: sk_test_tiny_read_write, name: tiny_read_write,
     workspace_id: 00000000-0000-4000-8000-000000000001,
     scopes: ["sequences:read", "sequences:write"]}
templates:
  - {id: 00000000-0000-4000-8000-000000000002,
     workspace_id: 00000000-0000-4000-8000-000000000001, name: Welcome, variables: {}}
sequences:
  - {id: 00000000-0000-4000-8000-000000000003,
     workspace_id: 00000000-0000-4000-8000-000000000001, contact_id: null,
     template_id: 00000000-0000-4000-8000-000000000002, status: ACTIVE, variables: {},
     contact_list_id: null, last_step_executed_at: null,
     created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z"}
"""

#: Shared by the inner suites: the default world's ids and a client on a mock's API.
HELPERS = """
import httpx

from sequences_mock.http import api as mock_api

AMELIE_RUN = "1ca9fa48-7489-48e1-a93b-8d5a708d3342"
ACME = "424b1fee-9709-4315-85d9-5954058b4714"
COLD_OUTREACH = "5d91017f-b1a4-421b-ba3c-57bacddf6042"
TINY_RUN = "00000000-0000-4000-8000-000000000003"


def api(mock, key_name="acme_read_write"):
    headers = {"Authorization": f"Bearer {mock.api_keys[key_name]}"}
    return httpx.Client(base_url=mock.api_url, headers=headers, timeout=10)


def break_get_sequence(monkeypatch):
    # Wraps the real handler, so it holds whatever a handler's signature and reply type are.
    original = mock_api.HANDLERS["getSequence"]

    def undeclared_status(*args):
        return 201, original(*args)[1]

    monkeypatch.setitem(mock_api.HANDLERS, "getSequence", undeclared_status)
"""


#: Plugins of this repository's test and bench extras that a downstream suite does not load;
#: schemathesis and hypothesis alone cost ~5 s a run.
def reset_world_suite(tests: int, *, then: str = "") -> str:
    """A suite of `tests` tests, each checking it starts on a reset world (no calls, the default
    clock, Amélie's run ACTIVE), noting its worker and mock URL in `seen/N.txt`, then changing the
    world (a stop, a clock move, and `then`) for the next test to not see."""
    return f"""
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import AMELIE_RUN, api


@pytest.mark.parametrize("n", range({tests}))
def test_each_test_sees_a_reset_world(sequences_mock, worker_id, n):
    seen = Path(__file__).parent / "seen" / f"{{n}}.txt"
    seen.write_text(f"{{worker_id}} {{sequences_mock.url}}")
    assert sequences_mock.requests() == []
    assert sequences_mock.sequence(AMELIE_RUN)["status"] == "ACTIVE"
    assert sequences_mock.clock.now() == datetime(2026, 3, 2, 9, tzinfo=UTC)
    with api(sequences_mock) as client:
        response = client.post(f"/sequences/{{AMELIE_RUN}}/stop", json={{"reason": "LOSE"}})
    assert response.status_code == 200
    sequences_mock.clock.advance(60)
    {then}
"""


UNRELATED_PLUGINS = tuple(
    argument
    for name in ("schemathesis", "hypothesispytest", "respx", "pytest_httpserver")
    for argument in ("-p", f"no:{name}")
)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """One inner session, as strict about warnings and markers as this repository.

    In this process: a new interpreter importing pytest and the package cost ~0.5 s of CPU a
    session (the plugin's tests: 33 s -> 19 s), and sessions one after another in one process
    are what the plugin must bear anyway (no module-level state). The plugin still loads from
    its entry point; `test_wheel` and `test_plugin_control_token` start theirs in new processes.
    """
    return pytester.runpytest_inprocess(
        *UNRELATED_PLUGINS, "-W", "error", "--strict-markers", *args
    )


def write_tiny_world(pytester: pytest.Pytester) -> Path:
    return pytester.makefile(".yaml", tiny=TINY_YAML)
