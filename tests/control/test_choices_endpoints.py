"""`GET` and `POST /__mock/choices`, and where a world's choices come from: the fixture, the
command line, a seed, the state dump; a reset goes back to the fixture's and the command line's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from sequences_mock.app import create_app
from sequences_mock.core.choices import REGISTER
from sequences_mock.fixtures import DEFAULT_FIXTURES
from sequences_mock.settings import Settings
from sequences_mock.testing import SyncASGITransport

DEFAULTS = {choice.id: choice.default for choice in REGISTER}
SWITCHABLE = [choice.id for choice in REGISTER if choice.switchable]


def current(client: httpx.Client) -> dict[str, str]:
    response = client.get("/__mock/choices")
    assert response.status_code == 200
    return {choice["id"]: choice["current"] for choice in response.json()["choices"]}


def change(client: httpx.Client, **options: Any) -> httpx.Response:
    return client.post("/__mock/choices", json={"choices": options})


def problems(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    return [(error["name"], error["message"]) for error in response.json()["errors"]]


class TestTheRegister:
    def test_get_lists_the_register_in_order_with_the_defaults(self, client: httpx.Client):
        """Every choice, with its question, options (default first), docs and switchability."""
        listed = client.get("/__mock/choices").json()["choices"]

        assert [c["id"] for c in listed] == [c.id for c in REGISTER]
        first = listed[0]
        assert first == {
            "id": "company_stop_scope",
            "question": REGISTER[0].question,
            "options": ["unfinished", "active"],
            "default": "unfinished",
            "current": "unfinished",
            "switchable": True,
            "docs": REGISTER[0].docs,
        }
        assert {c["id"] for c in listed if not c["switchable"]} >= {
            "auth_scheme",
            "base_path",
            "error_body",
            "stop_reason",
        }

    def test_post_switches_and_answers_like_get(self, client: httpx.Client):
        """The answer lists the register with the new options, as a GET then does."""
        response = change(client, company_stop_scope="active", repause="refuse")

        assert response.status_code == 200
        answered = {c["id"]: c["current"] for c in response.json()["choices"]}
        expected = {**DEFAULTS, "company_stop_scope": "active", "repause": "refuse"}
        assert answered == expected
        assert current(client) == expected


class TestRefusals:
    def test_an_unknown_id_names_every_choice(self, client: httpx.Client):
        """422 naming the ids there are."""
        response = change(client, colour="blue")

        assert problems(response) == [
            ("choices.colour", "is not a choice; the choices are: " + ", ".join(DEFAULTS))
        ]

    def test_an_unknown_option_names_the_options(self, client: httpx.Client):
        """422 naming the choice's options, for a wrong string and a wrong type alike."""
        response = change(client, repause="sometimes", pause_from=3)

        assert problems(response) == [
            ("choices.repause", "'sometimes' is not an option; the options are: replace, refuse"),
            ("choices.pause_from", "3 is not an option; the options are: active, unfinished"),
        ]

    def test_a_verify_only_choice_is_refused(self, client: httpx.Client):
        """A verify-only choice cannot be switched; its default is accepted and changes nothing."""
        refused = change(client, auth_scheme="other")
        kept = change(client, auth_scheme="bearer")

        [(name, message)] = problems(refused)
        assert (name, message.split(":")[0]) == ("choices.auth_scheme", "is verify-only")
        assert kept.status_code == 200

    def test_a_refused_change_changes_nothing(self, client: httpx.Client):
        """One bad option refuses the whole change, the good ones with it."""
        change(client, variables_view="merged", repause="sometimes")

        assert current(client) == DEFAULTS

    @pytest.mark.parametrize("body", [{}, {"choices": []}, {"choices": {}, "more": 1}])
    def test_a_body_of_another_shape_is_refused(self, client: httpx.Client, body: Any):
        """The body is `{"choices": {id: option}}` and nothing else."""
        assert client.post("/__mock/choices", json=body).status_code == 422


class TestWhereChoicesComeFrom:
    @pytest.fixture
    def fixture_path(self, tmp_path: Path) -> Path:
        document = yaml.safe_load(DEFAULT_FIXTURES.read_text())
        document["choices"] = {"repause": "refuse", "variables_view": "merged"}
        path = tmp_path / "world.yaml"
        path.write_text(yaml.safe_dump(document))
        return path

    @pytest.fixture
    def served(self, fixture_path: Path) -> Iterator[httpx.Client]:
        """A mock on that fixture, started with `--choice variables_view=overrides` and
        `--choice update_from=unfinished`."""
        settings = Settings(
            fixtures=fixture_path,
            choices=(("variables_view", "overrides"), ("update_from", "unfinished")),
        )
        app = create_app(settings)
        with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock") as client:
            yield client

    def test_the_command_line_goes_on_top_of_the_fixture(self, served: httpx.Client):
        """The fixture's choices, then the command line's over them."""
        assert current(served) == {
            **DEFAULTS,
            "repause": "refuse",
            "variables_view": "overrides",
            "update_from": "unfinished",
        }

    def test_a_reset_returns_to_the_fixture_and_the_command_line(self, served: httpx.Client):
        """Choices switched on the control plane last until the next reset."""
        started = current(served)
        change(served, repause="replace", company_stop_scope="active")

        served.post("/__mock/reset").raise_for_status()

        assert current(served) == started

    def test_a_seed_takes_its_documents_choices_over_the_command_line(self, served: httpx.Client):
        """A seeded document's choices go on the defaults and the command line's; a document
        without any gets those two."""
        document = yaml.safe_load(DEFAULT_FIXTURES.read_text())
        served.post("/__mock/seed", json={**document, "choices": {"update_from": "any"}})
        with_choices = current(served)
        served.post("/__mock/seed", json=document).raise_for_status()

        assert with_choices == {**DEFAULTS, "variables_view": "overrides"}
        assert current(served) == {
            **DEFAULTS,
            "variables_view": "overrides",
            "update_from": "unfinished",
        }

    def test_a_merge_seed_keeps_the_choices_it_does_not_name(self, served: httpx.Client):
        """`mode=merge` switches the document's choices, and keeps the others."""
        before = current(served)

        merged = served.post(
            "/__mock/seed", params={"mode": "merge"}, json={"choices": {"pause_from": "unfinished"}}
        )

        assert merged.status_code == 200
        assert current(served) == {**before, "pause_from": "unfinished"}

    def test_a_seed_with_a_bad_choice_names_it_and_changes_nothing(self, served: httpx.Client):
        """`invalid_fixtures`, with the problem at `choices.<id>`."""
        before = current(served)

        response = served.post("/__mock/seed", json={"choices": {"repause": "never"}})

        assert response.status_code == 422
        assert [e["name"] for e in response.json()["errors"]] == ["choices.repause"]
        assert current(served) == before


class TestTheStateDump:
    def test_the_dump_holds_every_switchable_choice(self, client: httpx.Client):
        """`/__mock/state` writes the current option of each switchable choice."""
        change(client, noop_update_timestamp="keep")

        dumped = client.get("/__mock/state").json()["choices"]

        assert list(dumped) == SWITCHABLE
        assert dumped["noop_update_timestamp"] == "keep"

    def test_seeding_the_dump_back_restores_the_choices(self, client: httpx.Client):
        """A dump taken under switched choices, seeded after a reset, switches them again."""
        change(client, company_stop_scope="active", resume_when_not_paused="noop")
        switched = current(client)
        dump = client.get("/__mock/state").json()
        client.post("/__mock/reset").raise_for_status()

        client.post("/__mock/seed", json=dump).raise_for_status()

        assert current(client) == switched
