"""How the clients reach a mock over HTTP."""

from __future__ import annotations

__all__ = ["tls_for"]


def tls_for(url: str) -> bool:
    """httpx's `verify` for a client of the mock at `url`: False for plain HTTP, where no TLS
    context is needed; building httpx's default one loads the CA bundle, 35-60 ms a client."""
    return not url.startswith("http://")
