"""One JSON access log line per request, on standard output.

The server's own access log is a format string that does not escape what it writes; here every
value is JSON-encoded (quotes, backslashes, control characters), so a hostile path or header
cannot break or forge a line, and the line is ASCII. Each line leaves in one ``write`` of at most
``PIPE_BUF`` bytes (long values are cut), so the lines of several workers sharing the
container's stdout never interleave. What the server refuses before the service sees it (a
request it cannot parse, more header fields than it reads) has no line here: docs/api.md.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time

import orjson

# A value longer than this is cut: the request line and one header may each be up to 8 KiB.
VALUE_MAX_CHARS = 512


def _cut(value: str | None) -> str | None:
    if value is None or len(value) <= VALUE_MAX_CHARS:
        return value
    return value[:VALUE_MAX_CHARS] + "..."


def _utc(now: float) -> str:
    """ISO 8601 UTC to the millisecond: 2026-12-02T07:45:37.123Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def access_record(request, response, started: float, now: float) -> dict:
    meta = request.META
    return {
        "time": _utc(now),
        "type": "access",
        "remote_addr": meta.get("REMOTE_ADDR"),
        "method": _cut(request.method),
        "path": _cut(request.path_info),
        "query": _cut(meta.get("QUERY_STRING")) or None,
        "protocol": meta.get("SERVER_PROTOCOL"),
        "status": response.status_code,
        "bytes": None if response.streaming else len(response.content),
        "duration_ms": round((now - started) * 1000, 3),
        "referer": _cut(meta.get("HTTP_REFERER")),
        "user_agent": _cut(meta.get("HTTP_USER_AGENT")),
        "pid": os.getpid(),
    }


def _ascii_json(record: dict) -> bytes:
    """Compact ASCII JSON: orjson's (a tenth of ``json.dumps``'s cost) unless a value holds a
    character beyond ASCII (rare), which ``json.dumps`` escapes where orjson writes UTF-8."""
    try:
        line = orjson.dumps(record)
    except TypeError:  # what orjson refuses (a lone surrogate): json.dumps escapes it
        line = b""
    if line and line.isascii():
        return line
    return json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def json_line(record: dict) -> bytes:
    """The record as one line of compact ASCII JSON, at most PIPE_BUF bytes."""
    line = _ascii_json(record) + b"\n"
    if len(line) > select.PIPE_BUF:  # only with many escaped characters: keep the essentials
        short = {key: record[key] for key in ("time", "type", "method", "status", "pid")}
        line = _ascii_json({**short, "truncated": True}) + b"\n"
    return line


class AccessLogMiddleware:
    """Outermost middleware: logs every answer the service gives, errors included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.time()
        response = self.get_response(request)
        try:
            line = json_line(access_record(request, response, started, time.time()))
            os.write(sys.stdout.fileno(), line)
        except (OSError, ValueError, TypeError):  # a log line must never fail a request
            pass
        return response
