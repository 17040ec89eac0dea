"""Schemathesis hooks for contract runs against the mock: every stateful scenario starts afresh.

Load them with `SCHEMATHESIS_HOOKS=sequences_mock.schemathesis_hooks` (schemathesis imports the
module by name, so an installed package is enough). Needs schemathesis 4
(`pip install 'sequences-mock[contract]'`).
"""

from __future__ import annotations

import dataclasses
import os
import urllib.request
from typing import Any
from urllib.parse import urljoin

import schemathesis
from schemathesis.generation.stateful.state_machine import APIStateMachine

__all__ = ["after_load_schema"]

RESET_TIMEOUT_S = 10


@schemathesis.hook
def after_load_schema(context: schemathesis.HookContext, schema: schemathesis.BaseSchema) -> None:
    """Make the stateful phase reset the mock (`POST /__mock/reset`) before every scenario.

    The CLI has no per-scenario hook, but Hypothesis builds a new state machine for each scenario
    (shrinking and replays included), so a machine whose constructor resets the mock does it.

    The machine also draws no values from earlier responses (schemathesis' response pool, still
    used by the other phases). Those are the world's own timestamps, all before the mock's frozen
    clock, so a pause drawing one was refused (422 paused_until_not_in_future) and the links out
    of a successful pause were rarely taken; and the pool, filled as the run goes, made
    Hypothesis end the phase early as flaky.
    """
    build = schema.build_state_machine

    def build_resetting(**kwargs: Any) -> type[APIStateMachine]:
        feedback = kwargs.get("feedback")
        if feedback is not None and getattr(feedback, "extra_data_source", None) is not None:
            kwargs["feedback"] = dataclasses.replace(feedback, extra_data_source=None)
        machine = build(**kwargs)
        # The base URL carries the API prefix (`/v1`); the control plane lives at the origin.
        reset_url = urljoin(schema.get_base_url(), "/__mock/reset")
        # Straight to the mock: a proxy from the environment must not see loopback traffic.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        token = os.environ.get("SEQUENCES_MOCK_CONTROL_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}

        class ResettingStateMachine(machine):  # type: ignore[valid-type, misc]
            def __init__(self) -> None:
                # No body at all: urllib would label an empty one a form, which the control
                # plane refuses (it is what a web page could send it).
                request = urllib.request.Request(reset_url, method="POST", headers=headers)
                with opener.open(request, timeout=RESET_TIMEOUT_S) as response:
                    response.read()
                super().__init__()

        return ResettingStateMachine

    schema.build_state_machine = build_resetting  # type: ignore[method-assign]
