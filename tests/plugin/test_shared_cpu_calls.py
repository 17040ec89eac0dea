"""The socket fixture's client: its calls run with the server's thread on the test's CPU.

Seen from a watching thread while a call waits on a delayed answer; the ini option switches it
off. Either way both threads have their CPUs back once the call has answered.
"""

from __future__ import annotations

import os

import pytest
from inner import HELPERS, run

pytest_plugins = ["pytester"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
        reason="needs Linux's CPU affinity and two CPUs",
    ),
]

WATCHED_CALL = """
import os
import threading
import time

from helpers import AMELIE_RUN

SHARED = {shared}


def test_a_call_of_the_handles_client(sequences_mock, sequences_mock_server):
    server, test = sequences_mock_server.thread_id, threading.get_native_id()
    before = (os.sched_getaffinity(test), os.sched_getaffinity(server))
    sequences_mock.fault("getSequence", delay_ms=400)
    answered = threading.Event()
    changed = []

    def watch():
        while not answered.is_set():
            during = (os.sched_getaffinity(test), os.sched_getaffinity(server))
            if during != before:
                changed.append(during)
                return
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    response = sequences_mock.client.get(f"/sequences/{{AMELIE_RUN}}")
    answered.set()
    watcher.join()

    assert response.status_code == 200
    assert (os.sched_getaffinity(test), os.sched_getaffinity(server)) == before
    if SHARED:
        [(test_cpus, server_cpus)] = changed
        assert len(test_cpus) == 1
        assert server_cpus == test_cpus
    else:
        assert changed == []
"""


def test_by_default_the_server_thread_answers_on_the_tests_cpu(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helpers=HELPERS, test_watched=WATCHED_CALL.format(shared=True))

    run(pytester).assert_outcomes(passed=1)


def test_the_ini_option_leaves_both_threads_to_the_scheduler(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsequences_mock_shared_cpu = false\n")
    pytester.makepyfile(helpers=HELPERS, test_watched=WATCHED_CALL.format(shared=False))

    run(pytester, "--strict-config").assert_outcomes(passed=1)
