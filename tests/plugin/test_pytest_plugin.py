"""The pytest plugin in real pytest sessions: small suites, each run in a pytester session.

The plugin is never named in these suites: it must load from its `pytest11` entry point.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from inner import HELPERS, reset_world_suite, run, write_tiny_world

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow


def test_socket_fixture_with_zero_configuration(pytester: pytest.Pytester) -> None:
    """Real HTTP, state, isolation, faults, clock and seeding; one server, stopped at the end."""
    pytester.makepyfile(helpers=HELPERS)
    write_tiny_world(pytester)
    # Session fixtures are torn down before this hook runs, so it sees whether the server stopped.
    pytester.makeconftest(
        """
        import httpx

        def pytest_sessionfinish(session):
            root = session.config.rootpath
            url = (root / "urls.txt").read_text().split()[0]
            try:
                httpx.get(f"{url}/__mock/health", timeout=2)
                outcome = "answered"
            except httpx.ConnectError:
                outcome = "refused"
            (root / "after_session.txt").write_text(outcome)
        """
    )
    pytester.makepyfile(
        test_socket="""
        import json
        from datetime import UTC, datetime
        from pathlib import Path

        import yaml

        from helpers import ACME, AMELIE_RUN, COLD_OUTREACH, TINY_RUN, api

        HERE = Path(__file__).parent
        START = datetime(2026, 3, 2, 9, tzinfo=UTC)


        def record_url(mock):
            with (HERE / "urls.txt").open("a") as urls:
                urls.write(mock.url + "\\n")


        def test_a_writes_moves_the_clock_and_queues_faults(sequences_mock):
            record_url(sequences_mock)
            with api(sequences_mock) as client:
                stopped = client.post(f"/sequences/{AMELIE_RUN}/stop", json={"reason": "WIN"})
                assert stopped.status_code == 200
                assert client.get(f"/sequences/{AMELIE_RUN}").json()["status"] == "STOPPED_EARLY"
            assert sequences_mock.sequence(AMELIE_RUN)["stop_reason"] == "WIN"
            sequences_mock.assert_called(
                "stopSequence", times=1, sequence_id=AMELIE_RUN, body={"reason": "WIN"}, status=200
            )
            sequences_mock.clock.advance(3600)
            sequences_mock.fault("listSequences", 503, times=5)
            sequences_mock.seed({"sequences": []}, mode="merge")


        def test_b_sees_none_of_it(sequences_mock):
            record_url(sequences_mock)
            assert sequences_mock.sequence(AMELIE_RUN)["status"] == "ACTIVE"
            assert sequences_mock.clock.now() == START
            assert sequences_mock.requests() == []
            assert sequences_mock.faults() == []
            with api(sequences_mock) as client:
                assert client.get("/sequences").status_code == 200
            read_only = sequences_mock.api_keys.with_scopes("sequences:read")
            assert read_only == sequences_mock.api_keys["acme_read_only"]


        def test_assert_called_lists_near_misses(sequences_mock):
            with api(sequences_mock) as client:
                client.get(f"/sequences/{AMELIE_RUN}")
            sequences_mock.assert_called("getSequence", times=1, status=200)
            sequences_mock.assert_called("getSequence", status=404)


        def test_fault_answers_503_with_retry_after_once(sequences_mock):
            sequences_mock.fault("getSequence", 503, retry_after=2)
            assert len(sequences_mock.faults()) == 1
            with api(sequences_mock) as client:
                first = client.get(f"/sequences/{AMELIE_RUN}")
                second = client.get(f"/sequences/{AMELIE_RUN}")
            assert first.status_code == 503
            assert first.headers["Retry-After"] == "2"
            assert first.json()["code"] == "service_unavailable"
            assert second.status_code == 200
            assert sequences_mock.faults() == []
            sequences_mock.assert_called("getSequence", times=1, status=503)
            assert sequences_mock.incidents() == []


        def test_clock_advance_wakes_a_paused_run(sequences_mock):
            deadline = "2026-03-02T10:00:00Z"
            with api(sequences_mock) as client:
                body = {"paused_until": deadline}
                paused = client.post(f"/sequences/{AMELIE_RUN}/pause", json=body)
                assert paused.json()["status"] == "WAITING_FOR_LEAD"
                assert sequences_mock.sequence(AMELIE_RUN)["paused_until"] == deadline
                sequences_mock.clock.advance(1800)
                assert client.get(f"/sequences/{AMELIE_RUN}").json()["status"] == "WAITING_FOR_LEAD"
                moved = sequences_mock.clock.advance(1800)
                assert moved.now == datetime(2026, 3, 2, 10, tzinfo=UTC)
                woken = client.get(f"/sequences/{AMELIE_RUN}").json()
            assert woken["status"] == "ACTIVE"
            assert woken["updated_at"] == deadline
            assert "paused_until" not in sequences_mock.sequence(AMELIE_RUN)


        def test_seed_a_dict(sequences_mock):
            sequences_mock.seed(yaml.safe_load((HERE / "tiny.yaml").read_text()))
            assert list(sequences_mock.api_keys) == ["tiny_read_write"]
            assert sequences_mock.clock.now() == datetime(2026, 1, 2, tzinfo=UTC)
            with api(sequences_mock, "tiny_read_write") as client:
                page = client.get("/sequences").json()
            assert [item["id"] for item in page["items"]] == [TINY_RUN]


        def test_seed_yaml_and_json_paths(sequences_mock, tmp_path):
            sequences_mock.seed(HERE / "tiny.yaml")
            assert [run["id"] for run in sequences_mock.state()["sequences"]] == [TINY_RUN]
            document = yaml.safe_load((HERE / "tiny.yaml").read_text())
            document["workspaces"][0]["name"] = "Tiny from JSON"
            (tmp_path / "world.json").write_text(json.dumps(document))
            sequences_mock.seed(tmp_path / "world.json")
            assert sequences_mock.state()["workspaces"][0]["name"] == "Tiny from JSON"


        def test_seed_merge_upserts_by_id(sequences_mock):
            before = len(sequences_mock.state()["sequences"])
            extra = {
                "id": "00000000-0000-4000-8000-0000000000aa",
                "workspace_id": ACME,
                "contact_id": None,
                "template_id": COLD_OUTREACH,
                "status": "WAITING_FOR_USER",
                "variables": {"cta": "merged"},
                "contact_list_id": None,
                "last_step_executed_at": None,
                "created_at": "2026-03-01T00:00:00Z",
                "updated_at": "2026-03-01T00:00:00Z",
            }
            sequences_mock.seed({"sequences": [extra]}, mode="merge")
            assert len(sequences_mock.state()["sequences"]) == before + 1
            assert sequences_mock.sequence(AMELIE_RUN)["status"] == "ACTIVE"
            assert sequences_mock.clock.now() == START
            with api(sequences_mock) as client:
                merged = client.get(f"/sequences/{extra['id']}").json()
            assert merged["variables"] == {"cta": "merged"}
        """
    )

    result = run(pytester, "-v")

    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*::test_a_writes_moves_the_clock_and_queues_faults PASSED*",
            "*::test_b_sees_none_of_it PASSED*",
            "*::test_assert_called_lists_near_misses FAILED*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: expected getSequence to be called at least once with status=404;"
            " 0 matching calls of 1",
            "*near misses:",
            "*#1 GET /v1/sequences/1ca9fa48-7489-48e1-a93b-8d5a708d3342 -> 200:"
            " status was 200, not 404",
        ]
    )
    urls = (pytester.path / "urls.txt").read_text().split()
    assert len(urls) == 2
    assert urls[0] == urls[1], "both tests must share the session's one server"
    assert urls[0].startswith("http://127.0.0.1:")
    assert (pytester.path / "after_session.txt").read_text() == "refused"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{urls[0]}/__mock/health", timeout=2)


def test_xdist_gives_each_worker_its_own_reset_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=HELPERS)
    seen = pytester.mkdir("seen")
    pytester.makepyfile(test_workers=reset_world_suite(6))

    result = run(pytester, "-n", "2")

    result.assert_outcomes(passed=6)
    urls_by_worker: dict[str, set[str]] = {}
    for path in seen.iterdir():
        worker, url = path.read_text().split()
        urls_by_worker.setdefault(worker, set()).add(url)
    assert sorted(urls_by_worker) == ["gw0", "gw1"]
    assert all(len(urls) == 1 for urls in urls_by_worker.values())
    assert urls_by_worker["gw0"] != urls_by_worker["gw1"]


def test_teardown_fails_a_test_during_which_the_mock_broke_its_contract(
    pytester: pytest.Pytester,
) -> None:
    """A contract violation is an incident; a planned fault is not; the marker opts out."""
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(
        test_incidents="""
        import pytest

        from helpers import AMELIE_RUN, api, break_get_sequence


        @pytest.fixture
        def broken(monkeypatch):
            break_get_sequence(monkeypatch)


        def test_violation_over_the_socket(sequences_mock, broken):
            with api(sequences_mock) as client:
                response = client.get(f"/sequences/{AMELIE_RUN}")
            assert response.status_code == 500
            assert response.json()["code"] == "mock_contract_violation"


        def test_violation_in_process(sequences_mock_app, broken):
            key = sequences_mock_app.api_keys["acme_read_write"]
            response = sequences_mock_app.client.get(
                f"/sequences/{AMELIE_RUN}", headers={"Authorization": f"Bearer {key}"}
            )
            assert response.json()["code"] == "mock_contract_violation"


        def test_a_planned_500_is_no_incident(sequences_mock):
            sequences_mock.fault("getSequence", 500)
            with api(sequences_mock) as client:
                response = client.get(f"/sequences/{AMELIE_RUN}")
            assert response.status_code == 500
            assert response.json()["code"] == "internal_error"
            assert sequences_mock.incidents() == []


        @pytest.mark.sequences_mock_allow_errors
        def test_the_marker_opts_out(sequences_mock, broken):
            with api(sequences_mock) as client:
                assert client.get(f"/sequences/{AMELIE_RUN}").status_code == 500
            assert [call["status"] for call in sequences_mock.incidents()] == [500]
        """
    )

    result = run(pytester, "-v")

    # A teardown error counts as an error on top of the call's pass.
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*::test_violation_over_the_socket ERROR*",
            "*::test_violation_in_process ERROR*",
            "*::test_a_planned_500_is_no_incident PASSED*",
            "*::test_the_marker_opts_out PASSED*",
        ]
    )
    for name in ("test_violation_over_the_socket", "test_violation_in_process"):
        result.stdout.fnmatch_lines(
            [
                f"*ERROR at teardown of {name}*",
                "the Sequences mock answered with a server error or broke its contract during this"
                " test (mark it sequences_mock_allow_errors if that is expected):",
                "  #1 GET /v1/sequences/1ca9fa48-7489-48e1-a93b-8d5a708d3342 -> 500:"
                " getSequence does not declare status 201",
            ]
        )


def test_teardown_fails_a_test_during_which_a_handler_crashed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(
        test_crash="""
        from sequences_mock.http import api as mock_api

        from helpers import AMELIE_RUN, api


        def crash(*args):
            raise RuntimeError("a bug in a handler")


        def test_handler_crashes(sequences_mock, monkeypatch):
            monkeypatch.setitem(mock_api.HANDLERS, "getSequence", crash)
            with api(sequences_mock) as client:
                response = client.get(f"/sequences/{AMELIE_RUN}")
            assert response.status_code == 500
            assert response.json()["code"] == "internal_error"
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1, errors=1)


CONFIGURED_SUITE = """
import pytest

from helpers import TINY_RUN, api, break_get_sequence


def test_serves_the_configured_world(sequences_mock):
    assert list(sequences_mock.api_keys) == ["tiny_read_write"]
    assert sequences_mock.clock.now().isoformat() == "2026-01-02T00:00:00+00:00"
    with api(sequences_mock, "tiny_read_write") as client:
        page = client.get("/sequences").json()
    assert [item["id"] for item in page["items"]] == [TINY_RUN]


def test_validation_is_{validation}(sequences_mock, monkeypatch):
    break_get_sequence(monkeypatch)
    with api(sequences_mock, "tiny_read_write") as client:
        response = client.get(f"/sequences/{{TINY_RUN}}")
    assert response.status_code == {status}
    assert [call["contract_violation"] is not None for call in sequences_mock.incidents()] == [
        {violations}
    ]
"""

VALIDATION_OFF = {"validation": "off", "status": 201, "violations": ""}
VALIDATION_ON = {"validation": "on", "status": 500, "violations": "True"}


def test_fixtures_and_validation_from_the_command_line(pytester: pytest.Pytester) -> None:
    tiny = write_tiny_world(pytester)
    checked = subprocess.run(
        [sys.executable, "-m", "sequences_mock", "check-fixtures", str(tiny)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(test_configured=CONFIGURED_SUITE.format(**VALIDATION_OFF))

    result = run(
        pytester, "--sequences-mock-fixtures", "tiny.yaml", "--sequences-mock-no-validate-responses"
    )

    result.assert_outcomes(passed=2)


def test_fixtures_and_validation_from_the_ini_file(pytester: pytest.Pytester) -> None:
    write_tiny_world(pytester)
    pytester.makeini(
        """
        [pytest]
        sequences_mock_fixtures = tiny.yaml
        sequences_mock_validate_responses = false
        """
    )
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(test_configured=CONFIGURED_SUITE.format(**VALIDATION_OFF))

    result = run(pytester, "--strict-config")

    result.assert_outcomes(passed=2)


def test_settings_fixture_overridden_in_a_conftest(pytester: pytest.Pytester) -> None:
    """Fixtures from code; validation stays on (the default), so the marker is needed."""
    write_tiny_world(pytester)
    pytester.makeconftest(
        """
        from pathlib import Path

        import pytest

        from sequences_mock.settings import Settings


        @pytest.fixture(scope="session")
        def sequences_mock_settings():
            return Settings(fixtures=Path(__file__).parent / "tiny.yaml", journal_size=2)
        """
    )
    pytester.makepyfile(helpers=HELPERS)
    suite = CONFIGURED_SUITE.format(**VALIDATION_ON).replace(
        "def test_validation_is_on",
        "@pytest.mark.sequences_mock_allow_errors\ndef test_validation_is_on",
    )
    pytester.makepyfile(
        test_configured=suite
        + """

def test_the_settings_reach_the_in_process_app_too(sequences_mock_app):
    assert list(sequences_mock_app.api_keys) == ["tiny_read_write"]
    key = sequences_mock_app.api_keys["tiny_read_write"]
    for _ in range(3):
        sequences_mock_app.client.get("/sequences", headers={"Authorization": f"Bearer {key}"})
    assert [call["seq"] for call in sequences_mock_app.requests()] == [2, 3]
"""
    )

    result = run(pytester)

    result.assert_outcomes(passed=3)


def test_in_process_app_sync_and_async(pytester: pytest.Pytester) -> None:
    write_tiny_world(pytester)
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(
        test_in_process="""
        from pathlib import Path

        import pytest
        from starlette.applications import Starlette

        from helpers import AMELIE_RUN, TINY_RUN


        @pytest.fixture
        def anyio_backend():
            return "asyncio"


        def test_sync_client_at_the_api(sequences_mock_app):
            assert isinstance(sequences_mock_app.app, Starlette)
            assert str(sequences_mock_app.client.base_url) == "http://mock/v1/"
            key = sequences_mock_app.api_keys["acme_read_write"]
            auth = {"Authorization": f"Bearer {key}"}
            sequences_mock_app.fault("getSequence", 503, retry_after=2)
            refused = sequences_mock_app.client.get(f"/sequences/{AMELIE_RUN}", headers=auth)
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == "2"
            stopped = sequences_mock_app.client.post(
                f"/sequences/{AMELIE_RUN}/stop", json={"reason": "WIN"}, headers=auth
            )
            assert stopped.json()["status"] == "STOPPED_EARLY"
            sequences_mock_app.assert_called("getSequence", times=1, status=503)
            sequences_mock_app.assert_called("stopSequence", sequence_id=AMELIE_RUN)


        @pytest.mark.anyio
        async def test_async_client_and_the_handle_inside_the_loop(sequences_mock_app):
            sequences_mock_app.seed(Path(__file__).parent / "tiny.yaml")
            key = sequences_mock_app.api_keys["tiny_read_write"]
            async with sequences_mock_app.async_client(
                headers={"Authorization": f"Bearer {key}"}
            ) as client:
                paused = await client.post(
                    f"/sequences/{TINY_RUN}/pause", json={"paused_until": "2026-01-02T01:00:00Z"}
                )
                assert paused.json()["status"] == "WAITING_FOR_LEAD"
                sequences_mock_app.clock.advance(3600)
                sequences_mock_app.fault("getSequence", 503)
                assert (await client.get(f"/sequences/{TINY_RUN}")).status_code == 503
                assert (await client.get(f"/sequences/{TINY_RUN}")).json()["status"] == "ACTIVE"
            sequences_mock_app.assert_called("pauseSequence", times=1, sequence_id=TINY_RUN)
            sequences_mock_app.assert_called("getSequence", times=2)


        def test_in_process_world_is_reset_too(sequences_mock_app):
            assert sequences_mock_app.requests() == []
            assert sequences_mock_app.sequence(AMELIE_RUN)["status"] == "ACTIVE"
            assert "tiny_read_write" not in sequences_mock_app.api_keys
        """
    )

    result = run(pytester, "-v")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*::test_async_client_and_the_handle_inside_the_loop PASSED*"])


def test_each_test_starts_reset_whatever_happened_between_tests(pytester: pytest.Pytester) -> None:
    """The mock is reset as a test ends; a test that changes it without the fixture (over the
    socket, or through the in-process app's clients) makes the next one reset it again."""
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(
        test_order="""
        import httpx

        from helpers import AMELIE_RUN, api

        STOP = {"reason": "WIN"}


        def status(mock):
            return mock.sequence(AMELIE_RUN)["status"]


        def test_1_stops_a_run(sequences_mock):
            with api(sequences_mock) as client:
                assert client.post(f"/sequences/{AMELIE_RUN}/stop", json=STOP).status_code == 200


        def test_2_stops_it_over_the_bare_socket(sequences_mock_server):
            headers = {"Authorization": "Bearer sk_test_acme_read_write"}
            url = f"{sequences_mock_server.url}/v1/sequences/{AMELIE_RUN}/stop"
            assert httpx.post(url, json=STOP, headers=headers).status_code == 200


        def test_3_sees_it_active(sequences_mock):
            assert status(sequences_mock) == "ACTIVE"
            assert sequences_mock.requests() == []


        def test_4_stops_it_in_process(sequences_mock_app):
            key = {"Authorization": "Bearer sk_test_acme_read_write"}
            stopped = sequences_mock_app.client.post(
                f"/sequences/{AMELIE_RUN}/stop", json=STOP, headers=key
            )
            assert stopped.status_code == 200


        def test_5_sees_it_active_in_process(sequences_mock_app):
            assert status(sequences_mock_app) == "ACTIVE"
            sequences_mock_app.clock.advance(60)


        def test_6_sees_the_clock_back(sequences_mock_app):
            assert sequences_mock_app.clock.now().isoformat() == "2026-03-02T09:00:00+00:00"
        """
    )

    result = run(pytester, "-p", "no:randomly")

    result.assert_outcomes(passed=6)
