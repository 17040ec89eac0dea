"""The suite's coverage and the up-front fixture check, in real pytest sessions.

Every test's calls add up, whichever fixture made them and whether or not the test reset the
mock itself; xdist workers hand theirs to the controller; the table, the JSON file and the floor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from inner import HELPERS, run

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

#: Three tests, 2 + 1 + 2 calls, over both fixtures; one resets the mock half-way through.
SUITE = """
from helpers import AMELIE_RUN, api


def test_list_and_an_unknown_key(sequences_mock):
    with api(sequences_mock) as client:
        assert client.get("/sequences").status_code == 200
        assert client.get("/sequences", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_in_process_with_a_fault(sequences_mock_app):
    sequences_mock_app.fault("getSequence", 503)
    response = sequences_mock_app.client.get(f"/sequences/{AMELIE_RUN}")
    assert response.status_code == 503


def test_calls_before_a_reset_still_count(sequences_mock):
    with api(sequences_mock) as client:
        assert client.get(f"/sequences/{AMELIE_RUN}").status_code == 200
        sequences_mock.reset()
        assert client.post(f"/sequences/{AMELIE_RUN}/resume").status_code == 409
"""


def statuses(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {op["operation"]: op["statuses"] for op in report["operations"] if op["calls"]}


def test_the_suite_adds_up_every_test_s_calls(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=HELPERS, test_suite=SUITE)

    result = run(pytester, "--sequences-mock-coverage=reports/coverage.json")

    result.assert_outcomes(passed=3)
    report = json.loads((pytester.path / "reports" / "coverage.json").read_text())
    assert statuses(report) == {
        "listSequences": {"200": 1, "401": 1},
        "getSequence": {"200": 1, "503": 1},
        "resumeSequence": {"409": 1},
    }
    summary = report["summary"]
    # The injected 503 is answered but not counted: by default only what the mock's own rules
    # answer counts (421, 429 and the 5xx are left out, 6 per operation).
    assert (summary["calls"], summary["exercised_statuses"], summary["operations_called"]) == (
        5,
        4,
        3,
    )
    assert summary["excluded_statuses"] == 36
    (resume,) = [op for op in report["operations"] if op["operation"] == "resumeSequence"]
    assert resume["exercised"] == [409]
    assert 200 in resume["unexercised"]
    assert resume["excluded"] == [421, 429, 500, 502, 503, 504]
    assert summary["percent"] == round(100 * 4 / summary["declared_statuses"], 1)
    result.stdout.fnmatch_lines(
        [
            "*- sequences-mock coverage -*",
            f"sequences-mock coverage: 4 of {summary['declared_statuses']} declared statuses "
            f"exercised ({summary['percent']}%) by 5 calls to 3 of 6 operations; 36 left out",
            "operation * calls * 200 * 400 * 401 *",
            # listSequences declares no 400; getSequence answered its 503 once (not counted).
            "listSequences   *2    1         1    -  *",
            "getSequence     *2    1         -    -    -  *x    1    x",
            "resumeSequence  *1    -    -    -    -    -    1    -*",
            "stopSequence    *0    -    -*",
            "written to reports/coverage.json",
        ]
    )


def test_every_declared_status_counts_with_all_and_ignore_leaves_some_out(
    pytester: pytest.Pytester,
) -> None:
    """`--sequences-mock-coverage-all` counts the injected 503; `-ignore` patterns (wildcards,
    commas) then leave out every 5xx of getSequence and all of stopSequence."""
    pytester.makepyfile(helpers=HELPERS, test_suite=SUITE)

    everything = run(
        pytester, "--sequences-mock-coverage=all.json", "--sequences-mock-coverage-all"
    )
    ignoring = run(
        pytester,
        "--sequences-mock-coverage=some.json",
        "--sequences-mock-coverage-all",
        "--sequences-mock-coverage-ignore=getSequence:5*,stopSequence",
    )

    everything.assert_outcomes(passed=3)
    ignoring.assert_outcomes(passed=3)
    summary = json.loads((pytester.path / "all.json").read_text())["summary"]
    assert (summary["exercised_statuses"], summary["excluded_statuses"]) == (5, 0)
    report = json.loads((pytester.path / "some.json").read_text())
    (get,) = [op for op in report["operations"] if op["operation"] == "getSequence"]
    assert get["excluded"] == [500, 502, 503, 504]
    (stop,) = [op for op in report["operations"] if op["operation"] == "stopSequence"]
    assert (stop["declared"], len(stop["excluded"])) == ([], 15)
    assert report["summary"]["exercised_statuses"] == 4


def test_a_malformed_ignore_pattern_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=HELPERS, test_suite=SUITE)

    result = run(pytester, "--sequences-mock-coverage-ignore=getSequence:")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sequences-mock-coverage-ignore: ignore 'getSequence:'*"])


def test_xdist_workers_hand_their_calls_to_the_controller(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        helpers=HELPERS,
        test_workers="""
        from pathlib import Path

        import pytest

        from helpers import api


        @pytest.mark.parametrize("n", range(8))
        def test_two_calls_each(sequences_mock, worker_id, n):
            (Path(__file__).parent / f"{n}.worker").write_text(worker_id)
            with api(sequences_mock) as client:
                assert client.get("/sequences").status_code == 200
                assert client.get("/nowhere").status_code == 404
        """,
    )

    result = run(pytester, "-n", "2", "--sequences-mock-coverage=coverage.json")

    result.assert_outcomes(passed=8)
    workers = {path.read_text() for path in pytester.path.glob("*.worker")}
    assert workers == {"gw0", "gw1"}
    report = json.loads((pytester.path / "coverage.json").read_text())
    assert statuses(report) == {"listSequences": {"200": 8}}
    assert report["unmatched"] == {"calls": 8, "statuses": {"404": 8}}
    assert report["summary"]["calls"] == 8
    result.stdout.fnmatch_lines(["calls no operation matched: 404 x8"])
    assert result.stdout.str().count("sequences-mock coverage:") == 1


@pytest.mark.parametrize(
    ("floor", "code", "verdict"), [("99", 1, "FAIL: not reached"), ("1", 0, "reached")]
)
def test_the_floor_fails_a_session_that_exercised_too_little(
    pytester: pytest.Pytester, floor: str, code: int, verdict: str
) -> None:
    pytester.makepyfile(helpers=HELPERS, test_suite=SUITE)

    result = run(pytester, "-q", f"--sequences-mock-coverage-fail-under={floor}")

    result.assert_outcomes(passed=3)
    assert result.ret == code
    result.stdout.fnmatch_lines([f"required {floor}% of declared statuses: {verdict} (*%)"])


BAD_WORLD = """\
workspaces:
  - {id: 00000000-0000-4000-8000-000000000001}
sequences:
  - {id: not-a-uuid}
"""


@pytest.mark.parametrize("source", ["option", "ini"])
def test_a_bad_fixture_file_stops_the_session_once_with_its_problems(
    pytester: pytest.Pytester, source: str
) -> None:
    pytester.makefile(".yaml", bad=BAD_WORLD)
    pytester.makepyfile(
        test_many="""
        import pytest

        @pytest.mark.parametrize("n", range(5))
        def test_uses_the_mock(sequences_mock, n):
            pass
        """
    )
    args: list[str] = []
    if source == "option":
        args = ["--sequences-mock-fixtures", "bad.yaml"]
    else:
        pytester.makeini("[pytest]\nsequences_mock_fixtures = bad.yaml\n")

    result = run(pytester, *args)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert (
        f"ERROR: sequences-mock: {Path(pytester.path) / 'bad.yaml'}: the fixture document" in errors
    )
    assert errors.count("workspaces[0].name: is required") == 1
    assert "sequences[0].id: " in errors
    assert "passed" not in result.stdout.str()
    assert "Traceback" not in errors + result.stdout.str()


def test_a_missing_fixture_file_stops_the_session_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_uses_the_mock(sequences_mock_app):\n    pass\n")

    result = run(pytester, "--sequences-mock-fixtures", "missing.yaml")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: sequences-mock: *missing.yaml: cannot read *missing.yaml*"]
    )


def test_collecting_only_is_not_judged_by_the_floor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=HELPERS, test_suite=SUITE)

    result = run(pytester, "--collect-only", "--sequences-mock-coverage-fail-under=50")

    assert result.ret == pytest.ExitCode.OK
