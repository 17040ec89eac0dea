"""Request bodies are JSON in UTF-8: another charset is 415, bytes that are not UTF-8 are 400."""

from __future__ import annotations

import httpx
import pytest

from default_world import AMELIE_RUN
from http_helpers import assert_problem, state
from sequences_mock.contract.validation import charset_of

RUN = f"/v1/sequences/{AMELIE_RUN}"
#: An ASCII body valid for each operation that takes one: the same bytes in any ASCII charset.
BODIES = [
    ("PATCH", RUN, b'{"variables": {"cta": "hi"}}'),
    ("POST", f"{RUN}/pause", b'{"paused_until": "2026-03-09T09:00:00Z"}'),
    ("POST", f"{RUN}/resume", b"{}"),
    ("POST", f"{RUN}/stop", b'{"reason": "WIN"}'),
]


@pytest.mark.parametrize(("method", "path", "body"), BODIES, ids=lambda v: str(v)[-12:])
@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-16",
        "application/json; charset=ISO-8859-1",
        'application/json;charset="us-ascii"',
        "application/json; foo=bar; charset=utf-32",
    ],
)
def test_a_charset_other_than_utf8_is_415(
    acme: httpx.Client, method: str, path: str, body: bytes, content_type: str
) -> None:
    """Even with an ASCII body, a declared charset that is not UTF-8 is refused, nothing changes."""
    before = state(acme)

    response = acme.request(method, path, content=body, headers={"Content-Type": content_type})

    document = assert_problem(response, 415, "unsupported_media_type")
    assert f"not charset={charset_of(content_type)}" in document["detail"]
    assert state(acme) == before


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", 'application/json; charset="UTF-8"', "application/json"],
)
def test_utf8_declared_or_not_is_accepted(acme: httpx.Client, content_type: str) -> None:
    """UTF-8, named in any case or quoted, or left implicit, is JSON's own encoding."""
    response = acme.patch(
        RUN,
        content='{"variables": {"cta": "Café ☕"}}'.encode(),
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 200, response.text
    assert response.json()["variables"]["cta"] == "Café ☕"


def test_latin1_bytes_are_400_not_utf8(acme: httpx.Client) -> None:
    """A body in Latin-1 is malformed JSON, and the detail says where it stops being UTF-8."""
    before = state(acme)

    response = acme.patch(
        RUN,
        content='{"variables": {"cta": "Café"}}'.encode("latin-1"),
        headers={"Content-Type": "application/json"},
    )

    detail = assert_problem(response, 400, "malformed_json")["detail"]
    assert "not UTF-8 (byte 0xe9 at offset 26)" in detail
    assert "surrogate" not in detail
    assert state(acme) == before


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        (None, None),
        ("application/json", None),
        ("application/json; charset=UTF-8", "utf-8"),
        ('application/json ; Charset = "utf-16" ', "utf-16"),
        ("application/json; boundary=x", None),
    ],
)
def test_charset_of_reads_the_parameter(content_type: str | None, charset: str | None) -> None:
    assert charset_of(content_type) == charset
