"""`python3 toxw -e serve` stops gracefully however it is stopped: Ctrl-C in a terminal (SIGINT to
the whole process group), a SIGINT to the toxw process alone (an IDE's stop button), a SIGTERM
(a process manager). A request in flight completes, nothing stays behind, the last line says
why it stopped, and the exit status is 0. Real toxw, real gunicorn, real signals."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from harness.common.paths import ROOT
from harness.common.procs import free_port
from harness.testing.raw_http import start_half_sent_post


def start_serve(tmp_path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PORT": str(port), "DATA_DIR": str(tmp_path), "WEB_CONCURRENCY": "2"}
    env = {k: v for k, v in env.items() if not k.startswith("TOX_") and k != "VIRTUAL_ENV"}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "toxw"), "-e", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )
    deadline = time.monotonic() + 180  # the first run installs the serve env
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited {server.returncode}:\n{server.stdout.read()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.3)
    server.kill()
    pytest.fail("serve did not become ready")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


STOPS = {
    "ctrl-c": lambda server: os.killpg(server.pid, signal.SIGINT),
    "sigint": lambda server: os.kill(server.pid, signal.SIGINT),
    "sigterm": lambda server: os.kill(server.pid, signal.SIGTERM),
}


@pytest.mark.parametrize("how", sorted(STOPS))
def test_serve_stops_gracefully(tmp_path, how):
    port = free_port()
    server = start_serve(tmp_path, port)
    sock, rest = start_half_sent_post(port, {"dni": f"serve-{how}", "name": "In flight"})
    time.sleep(0.3)  # a worker has read the head and waits for the rest
    STOPS[how](server)
    time.sleep(0.5)
    with sock:
        sock.sendall(rest)
        response = http.client.HTTPResponse(sock)
        response.begin()
        status, body = response.status, json.loads(response.read())
    output, _ = server.communicate(timeout=60)
    lines = [line for line in output.splitlines() if line.strip()]
    signal_name = "SIGTERM" if how == "sigterm" else "SIGINT"
    assert (status, body["dni"]) == (201, f"serve-{how}"), output
    assert server.returncode == 0, output
    assert lines[-1].startswith(f"users API stopped on {signal_name}, gracefully"), output
    assert not group_alive(server.pid), "a process of the server is still running"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)


def test_the_developer_server_settings():
    from harness.serve import environment

    env = environment({"PORT": "8123", "DJANGO_ENV": "production", "OTHER": "kept"})
    assert env["GUNICORN_BIND"] == "127.0.0.1:8123"  # loopback only
    assert env["DJANGO_ENV"] == "local"  # a throwaway key, never a production start
    assert env["DATA_DIR"] == str(ROOT / "data")
    assert env["OTHER"] == "kept"
    assert environment({"DATA_DIR": "/tmp/x"})["GUNICORN_BIND"] == "127.0.0.1:8000"
    assert environment({"DATA_DIR": "/tmp/x"})["DATA_DIR"] == "/tmp/x"


def test_serve_refuses_to_start_when_the_migrations_fail(tmp_path):
    from harness.common.procs import run_module

    # A database URL that cannot be reached: migrate fails, and no server starts.
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = run_module("harness.serve", env=env)
    assert result.returncode != 0
    assert "the migrations failed; the server was not started" in result.stderr
