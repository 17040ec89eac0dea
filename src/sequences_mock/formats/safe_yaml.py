"""Safe YAML for the contract and fixture documents: libyaml's speed, timestamps kept as text."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["YAMLError", "load", "load_checked"]

YAMLError = yaml.YAMLError


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML that keeps timestamps as the strings they were written as.

    Plain YAML turns `2026-03-02T09:00:00Z` into a datetime, which JSON (and so the served
    contract, the validators and the fixture checks) cannot hold.
    """


_Loader.yaml_implicit_resolvers = {
    first: [entry for entry in entries if entry[0] != "tag:yaml.org,2002:timestamp"]
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(data: bytes | str) -> Any:
    return yaml.load(data, Loader=_Loader)


#: Where a node sits in a document: the keys and indexes leading to it; and what is wrong there.
Problem = tuple[tuple[str | int, ...], str]


def load_checked(data: bytes | str) -> tuple[Any, list[Problem]]:
    """`load`, and what YAML can say but a fixture document must not: a key written twice in one
    mapping (construction would keep the last value silently), and any node used twice, which
    is what an alias is (a scalar alias too, which construction makes indistinguishable).

    The node graph is checked before construction; each node is walked once, so an alias bomb
    costs no more than its text.
    """
    loader = _Loader(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        problems = _node_problems(loader, node)
        return loader.construct_document(node), problems
    finally:
        loader.dispose()


def _node_problems(loader: _Loader, root: yaml.Node) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            problems.append((path, "repeats an anchored value (a YAML alias); write it out"))
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, tuple[str | int, ...]]] = []
        if isinstance(node, yaml.MappingNode):
            lines: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key, name = _key(loader, key_node)
                line = key_node.start_mark.line + 1
                if key in lines:
                    message = f"is given twice in one mapping (lines {lines[key]} and {line})"
                    problems.append(((*path, name), message))
                else:
                    lines[key] = line
                children += [(key_node, (*path, name)), (value_node, (*path, name))]
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, (*path, index)) for index, item in enumerate(node.value)]
        stack += reversed(children)
    return problems


def _key(loader: _Loader, node: yaml.Node) -> tuple[Any, str]:
    """A mapping key as construction will make it (`a` and `"a"` are one key, `1` and `"1"`
    two), and its name in a path. A key that is not a scalar is compared by identity."""
    if not isinstance(node, yaml.ScalarNode):
        return object(), "?"
    try:
        key = loader.construct_object(node)
    except (yaml.YAMLError, ValueError):
        key = (node.tag, node.value)  # a merge key, or an integer too long to convert
    return key, node.value
