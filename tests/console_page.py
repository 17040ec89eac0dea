"""A tab on the console, for the browser tests and the screenshots: views opened and followed,
and every request the page made."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from playwright.sync_api import Browser, Page

from sequences_mock.server import MockServer

__all__ = ["Console", "console_on"]


@dataclass
class Console:
    """A tab on the console of `server`, with every request the page made."""

    page: Page
    server: MockServer
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, view: str = "world") -> Page:
        """Open a view (`runs?status=FOUND`, `run/<id>`...) and wait until it shows its data."""
        self.page.goto(f"{self.server.url}/__mock/ui#/{view}")
        self.ready()
        return self.page

    def ready(self) -> None:
        self.page.wait_for_selector("body[data-state=ready]", state="attached")

    def go(self, view: str) -> None:
        """Follow a link within the page (no reload), as a click on a tab does."""
        self.page.evaluate("view => { location.hash = '#/' + view; }", view)
        self.page.wait_for_function(
            "view => document.body.dataset.state === 'ready' && location.hash === '#/' + view",
            arg=view,
        )

    def foreign_requests(self) -> list[str]:
        own = self.server.url + "/"
        return [url for url in self.requests if not url.startswith((own, "data:", "blob:"))]


@contextmanager
def console_on(browser: Browser, server: MockServer) -> Iterator[Console]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    console = Console(page, server)
    page.on("request", lambda request: console.requests.append(request.url))
    page.on("pageerror", lambda error: console.errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        yield console
    finally:
        context.close()
    assert not console.errors, console.errors
    assert not console.foreign_requests()
