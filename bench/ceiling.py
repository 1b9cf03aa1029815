"""The physical ceiling: a bare WSGI callable that answers with the app's own JSON bodies.

Served by the same server configuration as the app (bench/run.py starts granian with
webapp/server.py's settings on ``bench.ceiling:application``), it costs only what the server,
the sockets and the load generator cost. The app's figures are reported as ratios to it.

The bodies are the ones the app really returned in the same run, read from the JSON file named
by BENCH_CEILING_BODIES: ``{"one": ..., "list": ..., "created": ...}``.
"""

import json
import os
from pathlib import Path

_bodies_path = os.environ.get("BENCH_CEILING_BODIES")
_bodies = json.loads(Path(_bodies_path).read_text(encoding="utf-8")) if _bodies_path else {}
ONE = _bodies.get("one", '{"id":1,"dni":"0102030405","name":"Ada Lovelace"}').encode()
LIST = _bodies.get("list", "[]").encode()
CREATED = _bodies.get("created", ONE.decode()).encode()
READY = b'{"status":"ok"}'


def _headers(body: bytes) -> list[tuple[str, str]]:
    return [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]


def application(environ, start_response):
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "")
    if method == "POST":
        # Read the body, as the app must.
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"].read(length)
        start_response("201 Created", [*_headers(CREATED), ("Location", "/api/users/1/")])
        return [CREATED]
    if path in ("/api/users/", "/api/users"):
        body = LIST
    elif path.startswith("/api/users/"):
        body = ONE
    else:
        body = READY
    start_response("200 OK", _headers(body))
    return [body]
