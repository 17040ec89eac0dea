"""`--sequences-mock-shared`: one server for every xdist worker, each in a namespace of its own,
each test still on a reset world that no other worker's test can touch."""

from __future__ import annotations

import pytest
from inner import HELPERS, reset_world_suite, run

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

WORKERS_SUITE = reset_world_suite(8, then='sequences_mock.fault("getSequence", status=503)')


def test_xdist_workers_share_one_server_a_namespace_each(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=HELPERS)
    seen = pytester.mkdir("seen")
    pytester.makepyfile(test_workers=WORKERS_SUITE)

    result = run(pytester, "-n", "2", "--sequences-mock-shared")

    result.assert_outcomes(passed=8)
    urls_by_worker: dict[str, set[str]] = {}
    for path in seen.iterdir():
        worker, url = path.read_text().split()
        urls_by_worker.setdefault(worker, set()).add(url)
    assert sorted(urls_by_worker) == ["gw0", "gw1"]
    (gw0,), (gw1,) = urls_by_worker["gw0"], urls_by_worker["gw1"]
    server = gw0.removesuffix("/ns/gw0")
    assert server.startswith("http://127.0.0.1:")
    assert gw1 == f"{server}/ns/gw1"


def test_without_xdist_the_option_changes_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=HELPERS)
    pytester.mkdir("seen")
    pytester.makepyfile(test_workers=WORKERS_SUITE)

    result = run(pytester, "--sequences-mock-shared")

    result.assert_outcomes(passed=8)
    urls = {path.read_text().split()[1] for path in (pytester.path / "seen").iterdir()}
    assert len(urls) == 1
    assert "/ns/" not in urls.pop()
