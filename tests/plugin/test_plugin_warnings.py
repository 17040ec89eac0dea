"""A call with a query parameter the contract does not declare fails its test at teardown."""

from __future__ import annotations

import pytest
from inner import HELPERS, run

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow


def test_an_ignored_query_parameter_fails_the_test_unless_marked(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(
        test_guessed="""
        import pytest

        from helpers import api


        def test_a_guessed_filter_over_the_socket(sequences_mock):
            with api(sequences_mock) as client:
                assert client.get("/sequences", params={"statuses": "ACTIVE"}).status_code == 200


        def test_a_guessed_filter_in_process(sequences_mock_app):
            key = sequences_mock_app.api_keys["acme_read_write"]
            headers = {"Authorization": f"Bearer {key}"}
            response = sequences_mock_app.client.get("/sequences?contact_id=x", headers=headers)
            assert response.status_code == 200


        @pytest.mark.sequences_mock_allow_warnings
        def test_the_marker_opts_out(sequences_mock):
            with api(sequences_mock) as client:
                assert client.get("/sequences", params={"statuses": "ACTIVE"}).status_code == 200
            [call] = sequences_mock.requests()
            assert [warning["name"] for warning in call["warnings"]] == ["statuses"]


        def test_declared_parameters_pass(sequences_mock):
            with api(sequences_mock) as client:
                assert client.get("/sequences", params={"status": "ACTIVE"}).status_code == 200
        """
    )

    result = run(pytester, "-v")

    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_guessed_filter_over_the_socket*",
            "calls of this test sent the Sequences mock query parameters its contract does not"
            " declare, which it ignored (mark the test sequences_mock_allow_warnings if that is"
            " meant):",
            "  #1 GET /v1/sequences: statuses is not a query parameter of listSequences;"
            " it was ignored",
        ]
    )
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_a_guessed_filter_in_process*"])
