"""An in-process mock whose world is built from what the target returned, so that one probe can
run on it under each option of a choice and be compared with the target's answers."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import httpx

from sequences_mock.app import create_app
from sequences_mock.settings import Settings
from sequences_mock.verify.target import OWN_KEY, Exchange, exchange_of

__all__ = ["MockWorld"]


class MockWorld:
    """A mock app in this process, reached over ASGI; `load` replaces its world."""

    def __init__(self) -> None:
        self.key = "sk_verify_" + secrets.token_hex(12)
        self._app = create_app(Settings())
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self._app), base_url="http://127.0.0.1"
        )

    async def __aenter__(self) -> MockWorld:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.aclose()

    async def load(self, document: Mapping[str, Any], choices: Mapping[str, str]) -> None:
        """Seed `document`, then switch `choices`; a refusal is a bug of `verify`: it raises."""
        seeded = await self._client.post("/__mock/seed", json=document)
        if seeded.status_code != 200:
            raise RuntimeError(f"verify built a world the mock refused: {seeded.text}")
        if choices:
            switched = await self._client.post("/__mock/choices", json={"choices": dict(choices)})
            if switched.status_code != 200:
                raise RuntimeError(f"the mock refused choices {dict(choices)}: {switched.text}")

    async def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        json: Any = None,
        key: str | None = OWN_KEY,
    ) -> Exchange:
        token = self.key if key == OWN_KEY else key
        headers = {"authorization": f"Bearer {token}"} if token is not None else {}
        items = tuple((query or {}).items())
        response = await self._client.request(
            method, path, params=list(items), json=json, headers=headers
        )
        return exchange_of(operation, method, path, items, response)
