"""The shared live-server harness really serves the app under its server (granian)."""

import subprocess
import sys
import time

import pytest
import requests

from harness.testing.live_server import LiveServer, NotReady, free_port, wait_ready


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


def test_wait_ready_gives_up_after_its_timeout_with_the_last_answer():
    start = time.monotonic()
    with pytest.raises(NotReady, match=r"not ready after 1s; last answer: ConnectionRefusedError"):
        wait_ready(f"http://127.0.0.1:{free_port()}", timeout=1.0, max_delay=0.2)
    assert time.monotonic() - start < 3


def test_wait_ready_stops_waiting_once_its_server_has_exited():
    exited = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    exited.wait()
    start = time.monotonic()
    with pytest.raises(NotReady, match=r"will not be ready: its server exited with 3"):
        wait_ready(f"http://127.0.0.1:{free_port()}", timeout=30.0, process=exited)
    assert time.monotonic() - start < 3  # not the 30 s timeout
