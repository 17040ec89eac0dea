"""Safe YAML for the contract and fixture documents: libyaml's speed, timestamps kept as text."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["YAMLError", "load"]

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
