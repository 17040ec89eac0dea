"""Safe YAML for fixtures: what construction would silently hide is found on the node graph."""

from __future__ import annotations

import time

import pytest

from sequences_mock.formats.safe_yaml import load, load_checked


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (b"workspaces: [a]\nworkspaces: [b]\n", [(("workspaces",), 1, 2)]),
        (b"a: {x: 1, 'x': 2}\n", [(("a", "x"), 1, 1)]),
        (b"l:\n- k: 1\n  k: 2\n", [(("l", 0, "k"), 2, 3)]),
        (b"true: 1\nTrue: 2\n", [(("True",), 1, 2)]),
    ],
    ids=["top level", "quoted", "in a list", "same boolean"],
)
def test_a_key_given_twice_is_found_with_its_lines(text: bytes, problems: list) -> None:
    document, found = load_checked(text)

    assert document == load(text)
    assert found == [
        (path, f"is given twice in one mapping (lines {first} and {second})")
        for path, first, second in problems
    ]


def test_different_keys_of_the_same_text_are_not_repeats() -> None:
    """`1` and `"1"` are two keys after construction (an int and a string)."""
    assert load_checked(b"1: a\n'1': b\n") == ({1: "a", "1": "b"}, [])


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (b"a: &x hello\nb: *x\n", ("b",)),
        (b"a: &x [1]\nb: [*x]\n", ("b", 0)),
        (b"base: &b {x: 1}\nother:\n  <<: *b\n", ("other", "<<")),
        (b"k: &k name\n*k : 1\n", ("name",)),
    ],
    ids=["scalar", "list", "merge key", "alias as a key"],
)
def test_every_alias_is_found_scalars_included(text: bytes, path: tuple) -> None:
    """A scalar alias constructs to a plain string, so only the node graph shows it."""
    _, found = load_checked(text)

    assert [where for where, _ in found] == [path]
    assert "alias" in found[0][1]


def test_an_alias_bomb_costs_what_its_text_does() -> None:
    """Nine levels of nine aliases name 387 million leaves; each node is walked once."""
    lines = ["a0: &a0 [x]"] + [
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)
    ]
    started = time.perf_counter()

    _, found = load_checked("\n".join(lines).encode())

    assert len(found) == 81
    # Walking the leaves would take hours; the bound is loose for a busy CI machine.
    assert time.perf_counter() - started < 10
