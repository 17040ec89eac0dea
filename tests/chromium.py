"""A system Chromium driven by Playwright: where it is, and how it is started.

Playwright's own browser download is not used: CI installs Debian's `chromium` (see `.ci/run`),
and `SEQUENCES_MOCK_CHROMIUM` names another executable. Playwright gives every launch a new,
empty profile directory of its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["CHROMIUM_ENV", "chromium_path", "launched"]

CHROMIUM_ENV = "SEQUENCES_MOCK_CHROMIUM"
_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
#: Nothing a browser does by itself on start (updates, sync, QUIC probes) may leave the machine.
_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The Chromium to drive: `SEQUENCES_MOCK_CHROMIUM`, else the first one on PATH."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return shutil.which(named)
    return next((path for name in _NAMES if (path := shutil.which(name))), None)


@contextmanager
def launched(executable: str) -> Iterator[Browser]:
    """One headless Chromium for as long as the block runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=_ARGS)
        try:
            yield browser
        finally:
            browser.close()
