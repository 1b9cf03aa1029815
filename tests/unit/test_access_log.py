"""gunicorn's access log (gunicorn.conf.py) is one JSON object per line, whatever the request."""

import json
import time
import uuid

import requests

from harness.testing.live_server import LiveServer


def test_access_log_lines_are_json_with_hostile_values_escaped():
    agent = f'agent "{uuid.uuid4().hex[:8]}" \\ end'
    with LiveServer(workers=1) as server:
        requests.get(
            server.url + '/api/users/"x"\\y?q="1"', headers={"User-Agent": agent}, timeout=10
        )
        requests.get(server.url + "/healthz", headers={"User-Agent": agent}, timeout=10)
        time.sleep(0.3)
        log = server.log()
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
