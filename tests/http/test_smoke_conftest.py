from default_world import ACME, READ_WRITE, bearer, sequences_in_state


def test_client_reaches_the_reset_app(client):
    """The shared client answers from the default fixtures."""
    response = client.get("/v1/sequences", headers=bearer(READ_WRITE))

    assert response.status_code == 200
    assert response.json()["total"] == len(sequences_in_state(client, workspace_id=ACME))
