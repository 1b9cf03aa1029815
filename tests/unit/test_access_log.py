"""gunicorn's access log (gunicorn.conf.py) is one JSON object per line, whatever the request."""

import datetime
import json
import re
import runpy
import time
import uuid
from types import SimpleNamespace

import pytest
import requests
from gunicorn.config import Config

from harness.common.procs import children_of
from harness.testing.live_server import ROOT, LiveServer


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
    # The worker's own id, not the master's it was forked from (the id is read once a process).
    assert {r["pid"] for r in ours} <= workers, (workers, log[-2000:])


def _conf() -> dict:
    """gunicorn.conf.py's names, as gunicorn reads them."""
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def _record(logger_class, accesslog: str) -> None:
    cfg = Config()
    cfg.set("accesslog", accesslog)
    logger = logger_class(cfg)
    response = SimpleNamespace(status="201 Created", sent=42)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/users/\u00e9\n", "QUERY_STRING": ""}
    logger.access(response, None, environ, datetime.timedelta(microseconds=1500))


def test_a_log_file_other_than_stdout_gets_the_same_json_lines(tmp_path):
    """The line is written straight to gunicorn's stdout handler; any other handler (a file
    named by --access-logfile, syslog) still gets it through logging."""
    log = tmp_path / "access.log"
    _record(_conf()["JsonAccessLogger"], str(log))
    (record,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert (record["method"], record["path"], record["status"], record["bytes"]) == (
        "POST",
        "/api/users/\u00e9\n",
        201,
        42,
    )
    assert record["duration_ms"] == 1.5
    assert log.read_text().isascii()  # every non-ASCII or control character escaped


@pytest.mark.parametrize(
    "path",
    ["/api/users/1/", "/api/users/\u00e9\u4e2d", '/"q"\\ \n\x00\x1f', "/lone\ud800surrogate"],
)
def test_a_line_is_one_line_of_ascii_json_of_the_record(path):
    record = {"path": path, "status": 200, "bytes": None, "duration_ms": 1.5, "pid": 7}
    line = _conf()["_json_line"](record)
    assert line.isascii()
    assert "\n" not in line
    assert json.loads(line) == record


def test_the_time_is_iso_utc_to_the_millisecond_and_current():
    utc_now = _conf()["_utc_now"]
    before = datetime.datetime.now(datetime.UTC)
    stamps = [utc_now(), utc_now()]
    after = datetime.datetime.now(datetime.UTC)
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp
        when = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert before - datetime.timedelta(milliseconds=1) <= when <= after, (before, stamp)
