"""The plugin's fixtures on a mock whose control plane wants a token."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_the_fixtures_send_the_control_token_of_their_settings(pytester: pytest.Pytester):
    pytester.makeconftest(
        """
        import pytest

        from sequences_mock.settings import Settings


        @pytest.fixture(scope="session")
        def sequences_mock_settings():
            return Settings(control_token="s3cret-control")
        """
    )
    pytester.makepyfile(
        test_token="""
        import httpx


        def test_on_a_socket(sequences_mock):
            sequences_mock.clock.advance(60)
            sequences_mock.fault("listSequences", 503)
            assert len(sequences_mock.faults()) == 1
            assert httpx.get(f"{sequences_mock.url}/__mock/faults").status_code == 401


        def test_in_process(sequences_mock_app):
            sequences_mock_app.seed({"sequences": []}, mode="merge")
            assert sequences_mock_app.requests() == []
        """
    )

    result = pytester.runpytest_subprocess(
        "-p", "no:schemathesis", "-p", "no:hypothesispytest", "-W", "error", timeout=120
    )

    result.assert_outcomes(passed=2)
