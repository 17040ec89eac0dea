"""Strict JSON: the nesting limit holds exactly, however the brackets are spread."""

from __future__ import annotations

import json

import pytest

from sequences_mock.formats.strict_json import MAX_DEPTH, loads, loads_checked


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("as_text", [False, True], ids=["bytes", "str"])
def test_nesting_up_to_the_limit_is_read_and_one_more_is_refused(as_text: bool) -> None:
    at_limit, over = nested(MAX_DEPTH), nested(MAX_DEPTH + 1)
    document = loads(at_limit.decode() if as_text else at_limit)
    depth = 0
    while isinstance(document, list) and document:
        document, depth = document[0], depth + 1
    assert depth == MAX_DEPTH - 1  # the innermost list is empty
    with pytest.raises(ValueError, match="deeper than 64"):
        loads(over.decode() if as_text else over)


def test_many_shallow_containers_are_not_deep() -> None:
    """A thousand sibling objects have far more brackets than the limit, and nest two deep."""
    document = loads(b"[" + b",".join([b'{"a": [1]}'] * 1000) + b"]")
    assert len(document) == 1000


def test_brackets_inside_strings_do_not_make_a_document_deep() -> None:
    """Text full of brackets is text: many of them in a string are no nesting at all."""
    text = "[" * (MAX_DEPTH * 2)
    assert loads(b'{"note": "' + text.encode() + b'"}') == {"note": text}


def test_a_deep_value_among_shallow_ones_is_found() -> None:
    """Past the bracket count, the full walk still finds the one deep branch."""
    wide = b",".join([b"[1]"] * 200)
    with pytest.raises(ValueError, match="deeper than 64"):
        loads(b"[" + wide + b"," + nested(MAX_DEPTH + 5) + b"]")


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1])
def test_large_documents_are_held_to_the_same_limit(depth: int) -> None:
    """Past 64 KiB the walk runs without a bracket count first, and holds the same limit."""
    padding = b'"' + b"x" * (70 * 1024) + b'"'
    document = b"[" + padding + b"," + nested(depth - 1) + b"]"
    if depth > MAX_DEPTH:
        with pytest.raises(ValueError, match="deeper than 64"):
            loads(document)
    else:
        assert len(loads(document)) == 2


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (
            "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]".encode("utf-16"),
            "byte 0xff at offset 0",
        ),
        (b'{"city": "K\xf6ln"}', "byte 0xf6 at offset 11"),
        ('{"a": "\ud800"}', "a lone surrogate at character 7"),
    ],
    ids=["utf-16", "latin-1", "text with a lone surrogate"],
)
def test_text_that_is_not_utf8_is_named_so(data: bytes | str, where: str) -> None:
    """Not "surrogates not allowed" (orjson's words for any bad byte): where UTF-8 stops."""
    with pytest.raises(ValueError, match=rf"^it is not UTF-8 \({where}\)$"):
        loads(data)


# -- keys given twice ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        (b'{"workspaces": [1], "workspaces": [2]}', [("workspaces",)]),
        (
            b'{"a": {"x": 1, "y": [{"k": 1, "k": 2, "k": 3}], "x": 2}}',
            [("a", "x"), ("a", "y", 0, "k")],
        ),
        (b'[{"a": 1}, {"b": 1, "b" \n\t : 2}]', [(1, "b")]),
        (b'{"a" : 1, "b"  :  2}', []),
        (b'{"a": "x\\":", "b": "\\"  :"}', []),
        (b'{"a": 1, "\\u0061": 2}', [("a",)]),
    ],
    ids=["top level", "nested", "spaced", "spaced unique", "colons in strings", "escaped key"],
)
def test_keys_given_twice_are_found_by_path(text: bytes, paths: list[tuple]) -> None:
    """orjson keeps the last value silently; `loads_checked` names each repeated key."""
    document, repeated = loads_checked(text)

    assert document == loads(text)
    assert repeated == paths


def test_no_repeated_key_is_found_in_a_large_document() -> None:
    """The cheap path: a count of keys in the text equals the keys parsed."""
    objects = [{"id": str(n), "variables": {"a": "b:c", "d": '"'}, "n": n} for n in range(5000)]
    text = json.dumps({"sequences": objects}, indent=1).encode()

    assert loads_checked(text) == (loads(text), [])
