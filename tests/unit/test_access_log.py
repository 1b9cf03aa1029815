"""The access log (webapp/api/access_log.py) is one JSON object per line, whatever the request."""

import json
import os
import select
import time
import uuid
from types import SimpleNamespace

import pytest
import requests

from harness.common.procs import children_of
from harness.testing.live_server import LiveServer
from webapp.api import access_log


def test_access_log_lines_are_json_with_hostile_values_escaped():
    agent = f'agent "{uuid.uuid4().hex[:8]}" \\ end'
    with LiveServer(workers=1) as server:
        requests.get(
            server.url + '/api/users/"x"\\y?q="1"', headers={"User-Agent": agent}, timeout=10
        )
        requests.get(server.url + "/healthz", headers={"User-Agent": agent}, timeout=10)
        time.sleep(0.3)
        log = server.log()
        workers = set(children_of(server.process.pid))
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    ours = [record for record in records if record["user_agent"] == agent]
    assert [(r["method"], r["path"], r["status"]) for r in ours] == [
        ("GET", '/api/users/"x"\\y', 404),
        ("GET", "/healthz", 200),
    ], log[-2000:]
    assert ours[0]["query"] == "q=%221%22"  # the raw query string, as received
    assert ours[1]["bytes"] > 0
    assert ours[1]["duration_ms"] >= 0
    assert ours[1]["time"].endswith("Z")
    # The worker's own id, not the server's main process.
    assert {r["pid"] for r in ours} <= workers, (workers, log[-2000:])


def _request(path="/api/users/\u00e9\n", agent="a"):
    meta = {"REMOTE_ADDR": "127.0.0.1", "QUERY_STRING": "", "HTTP_USER_AGENT": agent}
    return SimpleNamespace(method="POST", path_info=path, META=meta)


def _response(status=201, body=b"{}"):
    return SimpleNamespace(status_code=status, streaming=False, content=body)


@pytest.mark.parametrize("path", ["/api/users/\u00e9\n", '/"}{\\\x00', "/\udcff"])
def test_a_line_is_one_line_of_ascii_json_of_the_record(path):
    line = access_log.json_line(access_log.access_record(_request(path), _response(), 1.0, 1.5))
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert line.isascii()
    record = json.loads(line)
    assert (record["path"], record["status"], record["bytes"]) == (path, 201, 2)
    assert record["duration_ms"] == 500.0


def test_the_time_is_iso_utc_to_the_millisecond():
    assert access_log._utc(86400 * 365 + 7.0123) == "1971-01-01T00:00:07.012Z"


def test_long_values_are_cut_and_no_line_is_longer_than_a_pipe_writes_at_once():
    record = access_log.access_record(_request("/" + "a" * 5000), _response(), 0, 0)
    assert len(record["path"]) == access_log.VALUE_MAX_CHARS + 3
    assert len(access_log.json_line(record)) < select.PIPE_BUF
    # Cut, but each character written as six: the line keeps only what fits.
    escaped = _request("/" + "\x01" * 5000, agent="\x01" * 5000)
    line = access_log.json_line(access_log.access_record(escaped, _response(), 0, 0))
    assert len(line) <= select.PIPE_BUF
    assert json.loads(line)["truncated"] is True


def test_each_line_is_one_write_to_stdout(monkeypatch):
    writes = []
    monkeypatch.setattr(os, "write", lambda fd, data: writes.append((fd, data)) or len(data))
    middleware = access_log.AccessLogMiddleware(lambda request: _response(404))
    middleware(_request("/x"))
    assert len(writes) == 1
    assert json.loads(writes[0][1])["status"] == 404
