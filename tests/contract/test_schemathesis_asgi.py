"""Schemathesis in process, against an app of its own: every operation, then link-driven scenarios.

The checks and their per-operation exceptions come from the schemathesis config the package
ships (`sequences-mock schemathesis-config`), as in the CLI run; only the API key is set here,
once, in the schema's config.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import hypothesis
import pytest
import schemathesis

from default_world import READ_WRITE, bearer
from sequences_mock.app import create_app
from sequences_mock.state.runtime import Runtime

CONFIG = resources.files("sequences_mock") / "_data" / "schemathesis.toml"
MAX_EXAMPLES = 10
SCENARIOS = 25

APP = create_app()
RUNTIME: Runtime = APP.state.runtime


def _config() -> schemathesis.Config:
    """The shipped config minus `headers`, which read the key from an environment variable."""
    document = tomllib.loads(CONFIG.read_text())
    del document["headers"]
    config = schemathesis.Config.from_dict(document)
    config.update(seed=1, max_failures=None)
    return config


schema = schemathesis.openapi.from_asgi("/openapi.yaml", APP, config=_config())
# Per-call headers would come back on the cases that drop Authorization on purpose, and the
# checks would then blame the mock for accepting them (false negatives).
schema.config.update(headers=bearer(READ_WRITE))
schema.config.generation.update(max_examples=MAX_EXAMPLES)


@pytest.fixture(autouse=True)
def fresh_world() -> None:
    """Each operation's cases start from the default fixtures, whatever ran before."""
    RUNTIME.reset()


@schema.parametrize()
def test_every_operation_keeps_its_contract(case: schemathesis.Case) -> None:
    """Examples, coverage and fuzzing cases for each operation: every check passes."""
    case.call_and_validate()


class ResettingWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """The link-driven state machine, each scenario starting from the default world."""

    def setup(self) -> None:
        RUNTIME.reset()


TestWorkflow = ResettingWorkflow.TestCase
TestWorkflow.settings = hypothesis.settings(TestWorkflow.settings, max_examples=SCENARIOS)
