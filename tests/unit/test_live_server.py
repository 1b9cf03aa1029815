"""The shared live-server harness really serves the app under gunicorn."""

import requests

from tests.support.live_server import LiveServer


def test_live_server_serves_and_stops():
    with LiveServer(workers=1) as server:
        created = requests.post(
            server.url + "/api/users", json={"dni": "live-1", "name": "Live"}, timeout=10
        )
        assert created.status_code == 201
        assert requests.get(server.url + created.headers["Location"], timeout=10).json() == {
            "id": created.json()["id"],
            "dni": "live-1",
            "name": "Live",
        }
        process = server.process
    assert process.returncode == 0
