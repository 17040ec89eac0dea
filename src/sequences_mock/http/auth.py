"""Bearer API keys: who is calling, and may they call this operation."""

from __future__ import annotations

from sequences_mock.contract.openapi import Operation
from sequences_mock.core.domain import ApiKey
from sequences_mock.core.errors import InsufficientScope, Unauthenticated
from sequences_mock.state.store import Store

__all__ = ["authenticate", "bearer_token"]


def bearer_token(authorization: str | None) -> str | None:
    """The token of a `Bearer` `Authorization` header; None for a missing or other scheme."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def authenticate(store: Store, token: str | None, operation: Operation) -> ApiKey:
    """The API key of a bearer `token` (see `bearer_token`), checked for the operation's scopes."""
    if token is None:
        raise Unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    key = store.api_key(token)
    if key is None:
        raise Unauthenticated("the API key is not valid")
    for scope in operation.scopes:
        if scope not in key.scopes:
            held = ", ".join(sorted(key.scopes)) or "no scopes"
            raise InsufficientScope(
                f"{operation.operation_id} needs the {scope} scope; this key has {held}", scope
            )
    return key
