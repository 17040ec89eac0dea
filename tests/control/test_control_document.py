"""control.openapi.yaml is as strict as the server and fit for generators: fixture items are the
fixture schema's own, the fault rules are the public contract's statuses, and the examples work."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import httpx
import yaml

from sequences_mock.contract.openapi import CONTROL_OPENAPI, DEFAULT_OPENAPI

CONTROL: dict[str, Any] = yaml.safe_load(CONTROL_OPENAPI.read_text())
SCHEMAS: dict[str, Any] = CONTROL["components"]["schemas"]
#: The fixture schema's collections and definitions, as the control document names them.
ITEMS = {
    "workspaces": "FixtureWorkspace",
    "api_keys": "FixtureApiKey",
    "companies": "FixtureCompany",
    "contacts": "FixtureContact",
    "templates": "FixtureTemplate",
    "contact_lists": "FixtureContactList",
    "sequences": "FixtureSequence",
}
SECTIONS = {"clock": "FixtureClock", "lifecycle": "FixtureLifecycle", "choices": "FixtureChoices"}
DEFINITIONS = {
    "id": "FixtureId",
    "optional_id": "FixtureOptionalId",
    "name": "FixtureName",
    "timestamp": "FixtureTimestamp",
    "duration": "FixtureDuration",
    "variables": "FixtureVariables",
}


def fixture_components(schema: dict[str, Any]) -> dict[str, Any]:
    """The fixture schema as control-document components: each item, section and definition
    named, every `$ref` pointing at its component."""

    def moved(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                name = DEFINITIONS[reference.removeprefix("#/$defs/")]
                return {**node, "$ref": f"#/components/schemas/{name}"}
            return {key: moved(value) for key, value in node.items()}
        if isinstance(node, list):
            return [moved(value) for value in node]
        return node

    properties = schema["properties"]
    components: dict[str, Any] = {}
    document_properties: dict[str, Any] = {}
    for name, component in SECTIONS.items():
        components[component] = moved(properties[name])
        document_properties[name] = {"$ref": f"#/components/schemas/{component}"}
    for name, component in ITEMS.items():
        collection = moved(properties[name])
        components[component] = collection.pop("items")
        collection["items"] = {"$ref": f"#/components/schemas/{component}"}
        document_properties[name] = collection
    for name, component in DEFINITIONS.items():
        components[component] = moved(schema["$defs"][name])
    top = {k: v for k, v in schema.items() if k not in ("$schema", "$id", "$defs", "title")}
    components["FixtureDocument"] = {**top, "properties": document_properties}
    return components


def test_fixture_items_are_the_fixture_schemas_own() -> None:
    """A generated client types seeds and the state dump from the very schema seeds are checked
    against (fixture.schema.json), not from an outline of objects."""
    schema = json.loads(files("sequences_mock").joinpath("fixture.schema.json").read_text())
    for name, component in fixture_components(schema).items():
        assert SCHEMAS[name] == component, name


def test_the_fault_rules_name_each_operations_declared_statuses() -> None:
    """FaultRequest allows, per operation, the error statuses the public contract declares for
    it (for `*`, those every operation declares): what the server checks."""
    public = yaml.safe_load(DEFAULT_OPENAPI.read_text())
    declared = {
        operation["operationId"]: {int(status) for status in operation["responses"]}
        for item in public["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    declared["*"] = set.intersection(*declared.values())
    rules = {
        rule["if"]["properties"]["operation"]["enum"][0]: set(
            rule["then"]["properties"]["status"]["enum"]
        )
        for rule in SCHEMAS["FaultRequest"]["allOf"]
        if "operation" in rule["if"]["properties"]
    }
    assert rules == {name: {s for s in statuses if s >= 400} for name, statuses in declared.items()}


def test_every_example_works_on_the_default_world(control: httpx.Client) -> None:
    """The request examples, sent as they are to a freshly reset mock on a socket (a network
    fault needs a connection), are accepted."""
    for name, path in (
        ("EnrollmentRequest", "/__mock/enrollments"),
        ("ClockChange", "/__mock/clock"),
        ("FaultRequest", "/__mock/faults"),
    ):
        for example in SCHEMAS[name]["examples"]:
            control.post("/__mock/reset").raise_for_status()
            response = control.post(path, json=example)
            assert response.is_success, (name, example, response.text)


def test_every_operation_is_described_and_the_document_licensed() -> None:
    operations = [
        operation
        for item in CONTROL["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
    ]
    assert all(operation.get("description") for operation in operations)
    assert CONTROL["info"]["license"]["identifier"] == "MIT"
