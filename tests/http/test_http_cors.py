"""Opt-in CORS: off by default; with an origin, browsers' preflights are answered for the API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from default_world import AMELIE_RUN, READ_WRITE, bearer
from sequences_mock.app import create_app
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport

ORIGIN = "http://localhost:3000"
RUN = f"/v1/sequences/{AMELIE_RUN}"


def preflight(method: str, origin: str = ORIGIN) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[httpx.Client]:
    """A client on a mock that lets ORIGIN call it."""
    app = create_app(Settings(cors_origins=(ORIGIN,)))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/sequences"), ("PATCH", RUN), ("POST", f"{RUN}/stop"), ("POST", "/__mock/reset")],
)
def test_a_preflight_from_an_allowed_origin_is_answered(
    browser: httpx.Client, method: str, path: str
) -> None:
    """The method and the Authorization and Content-Type headers are allowed, for that origin."""
    response = browser.options(path, headers=preflight(method))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert method in response.headers["access-control-allow-methods"].split(", ")
    allowed = response.headers["access-control-allow-headers"].lower().split(", ")
    assert {"authorization", "content-type"} <= set(allowed)


def test_answers_carry_the_origin_and_expose_the_refusal_headers(browser: httpx.Client) -> None:
    """A script may read the body and `WWW-Authenticate`/`Retry-After` of an answer."""
    headers = {"Origin": ORIGIN}
    ok = browser.get(RUN, headers={**headers, **bearer(READ_WRITE)})
    refused = browser.get(RUN, headers=headers)

    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == ORIGIN
    exposed = refused.headers["access-control-expose-headers"].split(", ")
    assert {"WWW-Authenticate", "Retry-After", "Allow"} <= set(exposed)


def test_another_origin_gets_no_permission(browser: httpx.Client) -> None:
    """Neither its preflight nor its answers carry an allow-origin header: the browser blocks."""
    evil = "http://evil.example"
    response = browser.options(RUN, headers=preflight("PATCH", evil))
    answer = browser.get(RUN, headers={"Origin": evil, **bearer(READ_WRITE)})

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in answer.headers


def test_cors_is_off_by_default(client: httpx.Client) -> None:
    """Without origins no CORS header is sent and a preflight is an ordinary OPTIONS: 405."""
    response = client.options(RUN, headers=preflight("PATCH"))
    answer = client.get(RUN, headers={"Origin": ORIGIN, **bearer(READ_WRITE)})

    assert response.status_code == 405
    assert not any(name.startswith("access-control-") for name in response.headers)
    assert not any(name.startswith("access-control-") for name in answer.headers)


def test_any_origin_with_a_star() -> None:
    app = create_app(Settings(cors_origins=("*",)))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        response = client.options(RUN, headers=preflight("POST", "https://anywhere.example"))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("wildcard", ["*", "null"])
def test_a_wildcard_or_null_origin_never_reaches_the_control_plane(wildcard: str) -> None:
    """With `--cors-origin '*'` (or `null`, which any page can send from a sandboxed frame) a
    page could read `/__mock/state`, every API key in it, and reset or seed the world. The
    public API is open to it; the control plane gives such a page no CORS answer and refuses
    its writes."""
    page = "null" if wildcard == "null" else "https://anywhere.example"
    app = create_app(Settings(cors_origins=(wildcard, ORIGIN)))
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
        api = client.get("/v1/sequences", headers={**bearer(READ_WRITE), "Origin": page})
        state = client.get("/__mock/state", headers={"Origin": page})
        preflight_reset = client.options("/__mock/reset", headers=preflight("POST", page))
        reset = client.post("/__mock/reset", headers={"Origin": page})
        named = client.get("/__mock/state", headers={"Origin": ORIGIN})

    assert api.headers["access-control-allow-origin"] in {"*", page}
    assert "access-control-allow-origin" not in state.headers
    assert "access-control-allow-origin" not in preflight_reset.headers
    assert reset.status_code == 403
    assert reset.json()["code"] == "forbidden_origin"
    assert named.headers["access-control-allow-origin"] == ORIGIN
