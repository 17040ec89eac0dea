"""Refusals before routing: who may call the mock at all, and who may change it.

A mock listening on a loopback address answers only loopback host names, so that a web page
cannot reach it through a name it rebinds to 127.0.0.1 (DNS rebinding). The control plane's
writes refuse a browser page of another origin and bodies that are not JSON or YAML (what a
page can send without asking first), and, with a control token set, every control call but
the health check and the console's files needs it.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection

from starlette.types import ASGIApp, Receive, Scope, Send

from sequences_mock.contract.validation import media_type_of
from sequences_mock.core.addresses import is_loopback_address
from sequences_mock.core.errors import (
    ForbiddenOrigin,
    MisdirectedRequest,
    MockError,
    Unauthenticated,
    UnsupportedMediaType,
)
from sequences_mock.http.auth import bearer_token
from sequences_mock.http.cors import control_origins
from sequences_mock.http.namespaces import NAMESPACE_PREFIX, inner_path
from sequences_mock.http.problems import problem_for, problem_response

__all__ = ["CONTROL_PREFIX", "Guard"]

CONTROL_PREFIX = "/__mock"
#: Calls that need no control token: the health check, and the console's page and files (they
#: hold no data of the world; the page asks for the token and sends it on its own calls).
_UNGUARDED = frozenset(
    f"{CONTROL_PREFIX}{path}" for path in ("/health", "/ui", "/ui/console.js", "/ui/console.css")
)
_READS = frozenset(("GET", "HEAD"))
_NAMES_KEPT = 64
#: What a control-plane write may carry (a seed's YAML types included).
_DOCUMENT_TYPES = frozenset(
    ("application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
)


class Guard:
    """ASGI middleware in front of the whole app; `origins` are allowed to write besides the
    mock's own, `control_token` (when set) is needed on the control plane.

    A call it lets through under `/ns/` goes to `namespaces` (the namespaces' router), any
    other to `app`: the guard tests that prefix anyway, so the default world's calls pay no
    layer of their own for the namespaces beside it.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        control_token: str | None = None,
        origins: Collection[str] = (),
        namespaces: ASGIApp | None = None,
    ) -> None:
        self.app = app
        # Called through its bound `__call__`: calling the object (the API shortcut) takes the
        # slow path for a Python-level `__call__`.
        self._call_app: ASGIApp = app.__call__  # type: ignore[operator]  # (as in connections)
        self._namespaces = namespaces or app
        self._token = control_token.encode() if control_token else None
        self._origins = frozenset(control_origins(origins))
        #: Whether each local address requests arrive on is a loopback one (a handful).
        self._loopback: dict[str, bool] = {}
        #: The first host names seen and whether each is a loopback one: clients send a few.
        self._names: dict[bytes, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        namespaced = path.startswith(NAMESPACE_PREFIX)
        try:
            self._check(scope, inner_path(path) if namespaced else path)
        except MockError as refusal:
            answer = problem_for(refusal, scope["method"], path)
            await problem_response(answer)(scope, receive, send)
            return
        await (self._namespaces if namespaced else self._call_app)(scope, receive, send)

    def _check(self, scope: Scope, path: str) -> None:
        """Refuse the call unless it may be made; `path` as its namespace sees it."""
        headers = dict(scope["headers"])  # the last of a repeated name; none of these repeats
        host = headers.get(b"host")
        # Both answers are remembered: a usual request pays two lookups here, no call.
        server = scope.get("server")
        on_loopback = self._loopback.get(server[0]) if server else False
        if on_loopback is None:
            on_loopback = self._on_loopback(scope)
        if (
            host is not None
            and on_loopback
            and not self._names.get(host, False)
            and not self._loopback_name(host)
        ):
            raise MisdirectedRequest(
                "this mock listens on a loopback address and answers only loopback host "
                f"names (localhost, 127.0.0.1, [::1]), not {host.decode('latin-1')!r}"
            )
        if not path.startswith(CONTROL_PREFIX) or path in _UNGUARDED:
            return
        if self._token is not None:
            sent = bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
            if sent is None or not hmac.compare_digest(sent.encode("latin-1"), self._token):
                raise Unauthenticated(
                    "the control plane needs 'Authorization: Bearer <control token>'"
                )
        if scope["method"] in _READS:
            return
        origin = headers.get(b"origin")
        if origin is not None and not self._allowed(origin, scope, host):
            raise ForbiddenOrigin(
                f"a page of {origin.decode('latin-1')!r} may not change this mock"
            )
        content_type = headers.get(b"content-type")
        if content_type is not None:
            media_type = media_type_of(content_type.decode("latin-1"))
            if media_type not in _DOCUMENT_TYPES:
                raise UnsupportedMediaType(
                    f"control-plane writes take JSON (or YAML for a seed), not {media_type}"
                )

    def _on_loopback(self, scope: Scope) -> bool:
        server = scope.get("server")
        if not server:
            return False
        address = server[0]
        known = self._loopback.get(address)
        if known is None:
            known = self._loopback[address] = is_loopback_address(address)
        return known

    def _loopback_name(self, host: bytes) -> bool:
        known = self._names.get(host)
        if known is None:
            known = _loopback_name(host)
            if len(self._names) < _NAMES_KEPT:
                self._names[host] = known
        return known

    def _allowed(self, origin: bytes, scope: Scope, host: bytes | None) -> bool:
        text = origin.decode("latin-1")
        own = host is not None and text == f"{scope.get('scheme', 'http')}://" + host.decode(
            "latin-1"
        )
        return own or text in self._origins


def _loopback_name(host: bytes) -> bool:
    """A `Host` header naming the loopback interface: localhost, 127.0.0.0/8 or [::1], with or
    without a port."""
    if host.startswith(b"["):
        name, bracket, _ = host[1:].partition(b"]")
        if not bracket:
            return False
    else:
        name = host.partition(b":")[0]
    if name.lower() == b"localhost":
        return True
    return is_loopback_address(name.decode("latin-1"))
