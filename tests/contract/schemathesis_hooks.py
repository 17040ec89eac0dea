"""Hooks for schemathesis' CLI (`SCHEMATHESIS_HOOKS`): every stateful scenario starts afresh."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import requests
import schemathesis
from schemathesis.generation.stateful.state_machine import APIStateMachine


@schemathesis.hook
def after_load_schema(context: schemathesis.HookContext, schema: schemathesis.BaseSchema) -> None:
    """Make the stateful phase reset the mock (`POST /__mock/reset`) before every scenario.

    The CLI has no per-scenario hook, but Hypothesis builds a new state machine for each scenario
    (shrinking and replays included), so a machine whose constructor resets the mock does it.
    """
    build = schema.build_state_machine

    def build_resetting(**kwargs: Any) -> type[APIStateMachine]:
        machine = build(**kwargs)
        # The base URL carries the API prefix (`/v1`); the control plane lives at the origin.
        reset_url = urljoin(schema.get_base_url(), "/__mock/reset")

        class ResettingStateMachine(machine):  # type: ignore[valid-type, misc]
            def __init__(self) -> None:
                requests.post(reset_url, timeout=10).raise_for_status()
                super().__init__()

        return ResettingStateMachine

    schema.build_state_machine = build_resetting  # type: ignore[method-assign]
