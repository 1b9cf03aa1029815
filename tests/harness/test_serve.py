"""`python3 toxw -e serve` stops gracefully however it is stopped: Ctrl-C in a terminal (SIGINT to
the whole process group), a SIGINT to the toxw process alone (an IDE's stop button), a SIGTERM
(a process manager). A request in flight completes, nothing stays behind, the last line says
why it stopped, and the exit status is 0. Real toxw, the real server, real signals."""

import http.client
import json
import os
import subprocess
import sys
import time

import pytest
import requests

from harness.common.paths import ROOT
from harness.common.procs import free_port, group_alive
from harness.testing.commands import WAYS_TO_STOP, start_command, stop_as
from harness.testing.raw_http import start_half_sent_post


def start_serve(tmp_path, port: int) -> subprocess.Popen:
    env = {"PORT": str(port), "DATA_DIR": str(tmp_path), "WEB_CONCURRENCY": "2"}
    return start_command(
        [sys.executable, str(ROOT / "toxw"), "-e", "serve"], f"http://127.0.0.1:{port}", env=env
    )


@pytest.mark.parametrize("how", WAYS_TO_STOP)
def test_serve_stops_gracefully(tmp_path, how):
    port = free_port()
    server = start_serve(tmp_path, port)
    sock, rest = start_half_sent_post(port, {"dni": f"serve-{how}", "name": "In flight"})
    time.sleep(0.3)  # a worker has read the head and waits for the rest
    signal_name = stop_as(server, how)
    time.sleep(0.5)
    with sock:
        sock.sendall(rest)
        response = http.client.HTTPResponse(sock)
        response.begin()
        status, body = response.status, json.loads(response.read())
    output, _ = server.communicate(timeout=60)
    lines = [line for line in output.splitlines() if line.strip()]
    assert (status, body["dni"]) == (201, f"serve-{how}"), output
    assert server.returncode == 0, output
    assert lines[-1].startswith(f"users API stopped on {signal_name}, gracefully"), output
    assert not group_alive(server.pid), "a process of the server is still running"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)


def test_the_developer_server_settings():
    from harness.serve import environment

    env = environment({"PORT": "8123", "DJANGO_ENV": "production", "OTHER": "kept"})
    assert env["SERVER_BIND"] == "127.0.0.1:8123"  # loopback only
    assert env["DJANGO_ENV"] == "local"  # a throwaway key, never a production start
    assert env["DATA_DIR"] == str(ROOT / "data")
    assert env["OTHER"] == "kept"
    assert environment({"DATA_DIR": "/tmp/x"})["SERVER_BIND"] == "127.0.0.1:8000"
    assert environment({"DATA_DIR": "/tmp/x"})["DATA_DIR"] == "/tmp/x"


def test_serve_refuses_to_start_when_the_migrations_fail(tmp_path):
    from harness.common.procs import run_module

    # A database URL that cannot be reached: migrate fails, and no server starts.
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = run_module("harness.serve", env=env)
    assert result.returncode != 0
    assert "the migrations failed; the server was not started" in result.stderr
