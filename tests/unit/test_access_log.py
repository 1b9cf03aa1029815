"""gunicorn's access log (gunicorn.conf.py) is one JSON object per line, whatever the request."""

import datetime
import json
import logging
import re
import runpy
import select
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


def _logger(logger_class, accesslog: str):
    cfg = Config()
    cfg.set("accesslog", accesslog)
    return logger_class(cfg)


def _log_one(logger, path="/api/users/\u00e9\n") -> None:
    response = SimpleNamespace(status="201 Created", sent=42)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": ""}
    logger.access(response, None, environ, datetime.timedelta(microseconds=1500))


def _record(logger_class, accesslog: str) -> None:
    _log_one(_logger(logger_class, accesslog))


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


class _Writes:
    """A stream that keeps each write apart."""

    def __init__(self):
        self.writes: list[str] = []

    def write(self, text: str) -> None:
        self.writes.append(text)

    def flush(self) -> None:
        pass


def _stdout_logger(monkeypatch):
    logger = _logger(_conf()["JsonAccessLogger"], "-")
    writes = _Writes()
    # gunicorn's "gunicorn.access" logger is one per process: other tests' handlers are gone.
    (handler,) = [h for h in logger.access_log.handlers if type(h) is logging.StreamHandler]
    monkeypatch.setattr(logger.access_log, "handlers", [handler])
    monkeypatch.setattr(handler, "stream", writes)
    return logger, writes.writes


def test_each_line_is_one_write_unless_the_worker_holds_them(monkeypatch):
    logger, writes = _stdout_logger(monkeypatch)
    _log_one(logger, "/1")
    _log_one(logger, "/2")
    assert [json.loads(write)["path"] for write in writes] == ["/1", "/2"]
    assert all(write.endswith("\n") and write.count("\n") == 1 for write in writes)


def test_held_lines_leave_together_in_order_when_released(monkeypatch):
    logger, writes = _stdout_logger(monkeypatch)
    logger.hold_access_lines()
    for index in range(3):
        _log_one(logger, f"/{index}")
    assert writes == []
    logger.release_access_lines()
    logger.release_access_lines()  # nothing more waits: nothing more is written
    assert len(writes) == 1
    assert [json.loads(line)["path"] for line in writes[0].splitlines()] == ["/0", "/1", "/2"]


def test_no_write_of_held_lines_is_longer_than_a_pipe_writes_at_once(monkeypatch):
    """Writes to a pipe of at most PIPE_BUF bytes are whole: two workers' writes to the
    container's stdout cannot interleave within a line."""
    logger, writes = _stdout_logger(monkeypatch)
    logger.hold_access_lines()
    paths = [f"/{index}" for index in range(100)]
    for path in paths:
        _log_one(logger, path)
    logger.release_access_lines()
    assert len(writes) > 1
    assert all(len(write.encode()) <= select.PIPE_BUF for write in writes)
    assert all(len(write.encode()) > select.PIPE_BUF - 300 for write in writes[:-1])  # full
    assert [json.loads(line)["path"] for line in "".join(writes).splitlines()] == paths


def test_lines_through_another_handler_are_never_held(tmp_path):
    log = tmp_path / "access.log"
    logger = _logger(_conf()["JsonAccessLogger"], str(log))
    logger.hold_access_lines()
    _log_one(logger)
    assert len(log.read_text().splitlines()) == 1
