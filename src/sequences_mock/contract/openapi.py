"""Contracts: an OpenAPI document (the public `openapi.yaml`, or the control plane's) loaded once
into operations with their validators (each compiled on first use, or all by `compile_all`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sequences_mock.formats import safe_yaml
from sequences_mock.formats.parsed_cache import parsed
from sequences_mock.formats.schema import Validator, compile_schema
from sequences_mock.formats.valid_sources import ValidSources

__all__ = [
    "CONTROL_OPENAPI",
    "DEFAULT_OPENAPI",
    "BodySpec",
    "Contract",
    "Operation",
    "Parameter",
    "ResponseSpec",
    "base_path",
]

DEFAULT_OPENAPI = resources.files("sequences_mock") / "_data" / "openapi.yaml"
CONTROL_OPENAPI = resources.files("sequences_mock") / "_data" / "control.openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str
    type: str | None
    default: Any = None


@dataclass(frozen=True, slots=True)
class BodySpec:
    required: bool
    media_types: tuple[str, ...]
    validator: Validator
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    """A declared response. `item_validator` is set for a page: an object whose `items` is an
    array of one schema with no constraint on the array itself, so the page is valid exactly
    when its envelope (with no items) and each item are."""

    media_type: str | None
    validator: Validator | None
    required_headers: tuple[str, ...]
    item_validator: Validator | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the contract, ready to check requests and responses against."""

    operation_id: str
    method: str
    path: str
    scopes: tuple[str, ...]
    path_parameters: tuple[Parameter, ...]
    query_parameters: tuple[Parameter, ...]
    path_validator: Validator
    query_validator: Validator
    body: BodySpec | None
    responses: dict[int, ResponseSpec]
    #: A request without query parameters passes `query_validator` (none is required).
    accepts_no_query: bool
    #: `x-strict-query: true`: a query parameter the operation does not declare is refused.
    strict_query: bool = False

    def __repr__(self) -> str:
        return f"Operation({self.operation_id!r}, {self.method} {self.path})"


def base_path(document: dict[str, Any]) -> str:
    """The path the first server's URL names (`/v1`), where the mock serves the operations.

    The URL may be relative (`/v1`) or absolute with variables (`http://{host}:{port}/v1`):
    each variable is replaced by its default, and only the path is kept.
    """
    servers = document.get("servers") or [{"url": ""}]
    url = str(servers[0]["url"])
    for name, variable in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable["default"]))
    return urlsplit(url).path.rstrip("/")


class Contract:
    """An OpenAPI 3.1 document and its operations, keyed by route path and method."""

    def __init__(self, document: dict[str, Any], source_yaml: bytes) -> None:
        self.document = document
        self.yaml_bytes = source_yaml
        #: One compiled validator per distinct schema: most responses share a few (problems).
        self._validators: dict[str, Validator] = {}
        #: What its validators found valid, by source (see `Validator.is_valid`).
        self.valid_sources = ValidSources()
        self.base_path = base_path(document)
        self.operations = [
            self._operation(path, method, path_item, operation)
            for path, path_item in document["paths"].items()
            for method, operation in path_item.items()
            if method in HTTP_METHODS
        ]
        self.by_path: dict[str, dict[str, Operation]] = {}
        for operation in self.operations:
            self.by_path.setdefault(operation.path, {})[operation.method] = operation

    @cached_property
    def json_bytes(self) -> bytes:
        """The document as indented JSON (served as `/openapi.json`), made on first use."""
        return json.dumps(self.document, ensure_ascii=False, indent=2).encode()

    @classmethod
    def load(cls, path: str | Path | Traversable = DEFAULT_OPENAPI) -> Contract:
        """Read a contract: the public one shipped with the package unless `path` names another."""
        source = (Path(path) if isinstance(path, str) else path).read_bytes()
        return cls(parsed(source, safe_yaml.load, kind="contract"), source)

    def compile_all(self) -> None:
        """Compile every schema now rather than on its first use (a server about to serve)."""
        for validator in self._validators.values():
            validator.compile()

    def operation(self, operation_id: str) -> Operation:
        for operation in self.operations:
            if operation.operation_id == operation_id:
                return operation
        raise KeyError(operation_id)

    # -- building ------------------------------------------------------------------------------

    def _operation(
        self, path: str, method: str, path_item: dict[str, Any], spec: dict[str, Any]
    ) -> Operation:
        by_key: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*path_item.get("parameters", []), *spec.get("parameters", [])]:
            parameter = self._resolve(raw)
            by_key[(parameter["in"], parameter["name"])] = parameter
        parameters = list(by_key.values())
        security = spec.get("security", self.document.get("security", []))
        return Operation(
            operation_id=spec["operationId"],
            method=method.upper(),
            path=self.base_path + path,
            scopes=tuple(
                scope for requirement in security for s in requirement.values() for scope in s
            ),
            path_parameters=self._parameters(parameters, "path"),
            query_parameters=self._parameters(parameters, "query"),
            path_validator=self._object_validator(parameters, "path"),
            query_validator=self._object_validator(parameters, "query"),
            body=self._body(spec.get("requestBody")),
            responses={
                int(status): self._response(response)
                for status, response in spec.get("responses", {}).items()
                if status.isdigit()
            },
            # The query schema is an object of the parameters: `{}` passes unless one is required.
            accepts_no_query=not any(p.get("required") for p in parameters if p["in"] == "query"),
            strict_query=spec.get("x-strict-query") is True,
        )

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow a local `$ref` (to a parameter, response or schema) to what it names."""
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def _validator(self, schema: dict[str, Any]) -> Validator:
        text = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(text)
        if validator is None:
            # Embedding the components lets `#/components/...` references resolve unchanged.
            rooted = {**schema, "components": self.document.get("components", {})}
            validator = self._validators[text] = compile_schema(rooted, self.valid_sources)
        return validator

    def _parameters(self, parameters: list[dict[str, Any]], location: str) -> tuple[Parameter, ...]:
        return tuple(
            Parameter(
                name=p["name"],
                location=location,
                type=self._resolve(p.get("schema", {})).get("type"),
                default=p.get("schema", {}).get("default"),
            )
            for p in parameters
            if p["in"] == location
        )

    def _object_validator(self, parameters: list[dict[str, Any]], location: str) -> Validator:
        chosen = [p for p in parameters if p["in"] == location]
        return self._validator(
            {
                "type": "object",
                "properties": {p["name"]: p.get("schema", {}) for p in chosen},
                "required": [p["name"] for p in chosen if p.get("required")],
            }
        )

    def _body(self, raw: dict[str, Any] | None) -> BodySpec | None:
        if raw is None:
            return None
        body = self._resolve(raw)
        content = body.get("content", {})
        media = next(iter(content.values()))
        schema = media.get("schema", {})
        properties = self._resolve(schema).get("properties", {})
        return BodySpec(
            required=body.get("required", False),
            media_types=tuple(content),
            validator=self._validator(schema),
            defaults={
                name: self._resolve(prop)["default"]
                for name, prop in properties.items()
                if "default" in self._resolve(prop)
            },
        )

    def _response(self, raw: dict[str, Any]) -> ResponseSpec:
        response = self._resolve(raw)
        content: dict[str, Any] = response.get("content", {})
        media_type = next(iter(content), None)
        media: dict[str, Any] = content[media_type] if media_type else {}
        headers = {
            name.lower(): self._resolve(h) for name, h in response.get("headers", {}).items()
        }
        items = self._page_items(media["schema"]) if "schema" in media else None
        return ResponseSpec(
            media_type=media_type,
            validator=self._validator(media["schema"]) if "schema" in media else None,
            required_headers=tuple(n for n, h in headers.items() if h.get("required")),
            item_validator=self._validator(items) if items is not None else None,
        )

    def _page_items(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        """The item schema of a page schema (see `ResponseSpec`), or None for anything else."""
        page = self._resolve(schema)
        array = page.get("properties", {}).get("items")
        if page.get("type") != "object" or not isinstance(array, dict) or "$ref" in array:
            return None
        if set(array) - {"type", "items", "description"} or array.get("type") != "array":
            return None
        item = array.get("items")
        return item if isinstance(item, dict) else None
