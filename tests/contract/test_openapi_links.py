"""openapi.yaml's links and examples name real operations, parameters and default-world records.

openapi-spec-validator checks neither a link's target nor where its expressions point, and a
broken link only makes schemathesis' stateful phase quietly skip it; so these tests do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from default_world import AMELIE_RUN, READ_WRITE
from sequences_mock import fixtures
from sequences_mock.core.domain import Status

ROOT_OPENAPI = Path(__file__).parents[2] / "openapi.yaml"
DOCUMENT: dict[str, Any] = yaml.safe_load(ROOT_OPENAPI.read_text())
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH")
WORLD = fixtures.load(fixtures.read_document(fixtures.DEFAULT_FIXTURES))
WORKSPACE = WORLD.api_keys[READ_WRITE].workspace_id
ACME_SEQUENCES = {s.id: s for s in WORLD.sequences.values() if s.workspace_id == WORKSPACE}
ACME_TEMPLATES = {t.id: t for t in WORLD.templates.values() if t.workspace_id == WORKSPACE}


def resolve(node: Any) -> Any:
    """Follow local `$ref`s until a node that is not a reference."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    #: (location, name) of every parameter, path-level ones included.
    parameters: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Link:
    source: str
    status: str
    name: str
    definition: dict[str, Any]
    response_schema: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.source} {self.status} -> {self.name}"


def _operations() -> dict[str, Operation]:
    found = {}
    for path, item in DOCUMENT["paths"].items():
        for method in HTTP_METHODS:
            if method.lower() not in item:
                continue
            spec = item[method.lower()]
            raw = [*item.get("parameters", []), *spec.get("parameters", [])]
            parameters = [resolve(parameter) for parameter in raw]
            found[spec["operationId"]] = Operation(
                spec["operationId"],
                method,
                path,
                frozenset((parameter["in"], parameter["name"]) for parameter in parameters),
            )
    return found


OPERATIONS = _operations()


def _links() -> Iterator[Link]:
    for operation in OPERATIONS.values():
        spec = DOCUMENT["paths"][operation.path][operation.method.lower()]
        for status, raw in spec["responses"].items():
            response = resolve(raw)
            for name, link in response.get("links", {}).items():
                schema = response["content"]["application/json"]["schema"]
                yield Link(operation.operation_id, status, name, resolve(link), schema)


LINKS = list(_links())


def _parameter_examples(name: str) -> list[str]:
    """Every example value given for a parameter called `name`, wherever it is declared."""
    candidates = list(DOCUMENT["components"].get("parameters", {}).values())
    for item in DOCUMENT["paths"].values():
        candidates += item.get("parameters", [])
        for method in HTTP_METHODS:
            candidates += item.get(method.lower(), {}).get("parameters", [])
    values = []
    for parameter in candidates:
        if "$ref" in parameter or parameter["name"] != name:
            continue  # a reference is checked where it points, in components
        if "example" in parameter:
            values.append(parameter["example"])
        values += [resolve(example)["value"] for example in parameter.get("examples", {}).values()]
    return values


def _schema_at(schema: dict[str, Any], pointer: str) -> dict[str, Any] | None:
    """The JSON Schema a JSON pointer into an instance of `schema` lands on, or None."""
    node: dict[str, Any] = resolve(schema)
    for token in pointer.removeprefix("/").split("/"):
        if token.isdigit() and "items" in node:
            node = resolve(node["items"])
        elif token in node.get("properties", {}):
            node = resolve(node["properties"][token])
        else:
            return None
    return node


def test_the_document_has_links_from_every_operation() -> None:
    """Each operation's 200 links on, so the stateful phase can chain every operation."""
    assert {link.source for link in LINKS if link.status == "200"} == OPERATIONS.keys()
    assert {link.definition["operationId"] for link in LINKS} == OPERATIONS.keys()


@pytest.mark.parametrize("link", LINKS, ids=str)
def test_every_link_targets_an_existing_operation(link: Link) -> None:
    """A link names its target by an operationId that exists (no operationRef to go stale)."""
    assert "operationRef" not in link.definition
    assert link.definition["operationId"] in OPERATIONS


@pytest.mark.parametrize("link", LINKS, ids=str)
def test_every_link_parameter_names_a_parameter_of_its_target(link: Link) -> None:
    """`name` or `in.name` names a parameter the target declares, in the right location."""
    target = OPERATIONS[link.definition["operationId"]]
    assert link.definition["parameters"]
    for key in link.definition["parameters"]:
        location, _, name = key.rpartition(".")
        names = {n for loc, n in target.parameters if loc == location or not location}
        assert name in names, f"{key} is not a parameter of {target.operation_id}"


@pytest.mark.parametrize("link", LINKS, ids=str)
def test_every_link_expression_points_into_the_response_schema(link: Link) -> None:
    """`$response.body#/...` pointers land on a uuid string of the response they follow."""
    for expression in link.definition["parameters"].values():
        source, _, pointer = expression.partition("#")
        assert source == "$response.body"
        landed = _schema_at(link.response_schema, pointer)
        assert landed is not None, f"{expression} is not in the {link.source} response"
        assert landed.get("type") == "string"
        assert landed.get("format") == "uuid"


def test_every_component_link_is_used() -> None:
    """components/links holds no dead entries."""
    used = {id(link.definition) for link in LINKS}
    assert all(id(link) in used for link in DOCUMENT["components"]["links"].values())


def test_sequence_id_examples_are_runs_of_the_read_write_workspace() -> None:
    """Examples reach real runs of the default world, one of them ACTIVE (so it can be paused)."""
    examples = _parameter_examples("sequence_id")

    assert examples
    assert set(examples) <= ACME_SEQUENCES.keys()
    assert AMELIE_RUN in examples
    assert {ACME_SEQUENCES[example].status for example in examples} >= {Status.ACTIVE}


def test_template_id_examples_are_templates_of_the_read_write_workspace() -> None:
    """The list filter's examples name templates the read-write key can see."""
    examples = _parameter_examples("template_id")

    assert examples
    assert set(examples) <= ACME_TEMPLATES.keys()


def test_the_pause_example_lies_after_the_default_clock() -> None:
    """Else every example pause would be refused as `paused_until_not_in_future`."""
    schema = DOCUMENT["components"]["schemas"]["PauseSequenceRequest"]
    assert WORLD.clock is not None

    for example in schema["examples"]:
        assert datetime.fromisoformat(example["paused_until"]) > WORLD.clock.now


def _wrong_methods() -> list[tuple[str, str, set[str]]]:
    """Every (undocumented method, path) pair, with the methods the path does document."""
    cases = []
    for path, item in DOCUMENT["paths"].items():
        declared = {method for method in HTTP_METHODS if method.lower() in item}
        cases += [(method, path, declared) for method in sorted(set(HTTP_METHODS) - declared)]
    return cases


@pytest.mark.parametrize(("method", "path", "declared"), _wrong_methods())
def test_a_405_allows_exactly_the_methods_of_its_path(
    client: httpx.Client, method: str, path: str, declared: set[str]
) -> None:
    """The Allow header lists the path's documented methods: no more (HEAD along GET), no fewer."""
    url = "/v1" + path.replace("{sequence_id}", AMELIE_RUN)

    response = client.request(method, url)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    allowed = {name.strip() for name in response.headers["allow"].split(",")}
    assert allowed - {"HEAD"} == declared
    assert "HEAD" not in allowed or "GET" in declared
