"""The console in a real, headless Chromium: one browser for the browser tests' module (kept on
one xdist worker by its group), a new browser context per test. Not one per session: Playwright's
sync API holds an event loop on the thread while it runs, which the in-process ASGI clients of
the other tests on that worker cannot share.

Without a Chromium the tests are skipped, saying so; under CI (`CI` set) they
fail instead, since CI installs Chromium (see `.ci/run`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from chromium import CHROMIUM_ENV, chromium_path, launched
from console_page import Console, console_on
from sequences_mock.server import MockServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        _unavailable(f"no Chromium found (apt-get install chromium, or name one in {CHROMIUM_ENV})")
    assert executable is not None
    with launched(executable) as running:
        yield running


@pytest.fixture
def console(browser: Browser, server: MockServer, control: object) -> Iterator[Console]:
    """The console of the module's socket server, reset to the default world."""
    with console_on(browser, server) as console:
        yield console
