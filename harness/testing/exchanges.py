"""Every HTTP exchange of a gate's tests with the service, recorded for contract coverage.

A gate whose registry entry says ``records=True`` records, in each of its test processes, one
JSON line per exchange under ``reports/exchanges/RUN/ENV-PID-TOKEN.jsonl``: the method, the
path, the status, the response's media type and the few headers the contract declares, the request's
media type and body (enough to tell which request-body constraint it broke), the response body
(once per distinct body: later lines name it by its SHA-256), the gate env and the test id.
``python -m harness.contract.coverage`` reads them, validates every response against the
contract and builds the coverage matrix (docs/contract.md).

The clients are hooked where every request passes (harness/testing/exchange_hooks.py): requests'
``Session.send``, Django's test ``Client.request``, Schemathesis's in-process calls and the raw
sockets of harness/testing/raw_http.py. Only the standard library: every gate's tests import it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from pathlib import Path
from urllib.parse import urlsplit

from harness.common.paths import REPORTS
from harness.common.runs import STAMPS, read_record

FOLDER = "exchanges"
MAX_BODY = 64 * 1024  # request bodies beyond this are cut (a constraint shows in their start)
MAX_RESPONSE = 4 * 1024 * 1024  # larger response bodies are not kept, only their hash
HEADERS = ("location", "retry-after", "allow")  # response headers the contract speaks of


def media_type(content_type: str | None) -> str | None:
    """'application/json; charset=utf-8' -> 'application/json'; None when there is none."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def current_test() -> str:
    """The id of the running test, as pytest publishes it ('' outside a test)."""
    return re.sub(r" \((setup|call|teardown)\)$", "", os.environ.get("PYTEST_CURRENT_TEST", ""))


def _text(body: bytes | str | None, limit: int) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    cut = len(body) > limit
    return body[:limit].decode("utf-8", "replace"), cut


class Recorder:
    """Appends exchanges to one file per process; thread-safe (load tests send from threads)."""

    def __init__(self, env: str, run_id: str, reports: Path = REPORTS):
        self.env, self.run_id = env, run_id
        # pid and a token: the pipeline merges the folders of several agents into one
        name = f"{env}-{os.getpid()}-{secrets.token_hex(3)}.jsonl"
        self.path = reports / FOLDER / run_id / name
        self._lock = threading.Lock()
        self._bodies: set[str] = set()
        self.count = 0

    def record(
        self,
        method: str,
        url: str,
        status: int,
        headers: dict[str, str],
        body: bytes | None,
        request_content_type: str | None = None,
        request_body: bytes | str | None = None,
        source: str = "",
    ) -> None:
        headers = {k.lower(): v for k, v in headers.items()}
        parts = urlsplit(url)
        text, cut = _text(request_body, MAX_BODY)
        line = {
            "gate": self.env,
            "broken_on_purpose": broken_on_purpose,
            "test": current_test(),
            "source": source,
            "method": method.upper(),
            "path": "?" if url == "?" else (parts.path or "/"),
            "query": parts.query,
            "status": status,
            "media_type": media_type(headers.get("content-type")),
            "headers": {k: headers[k] for k in HEADERS if k in headers},
            "request_media_type": media_type(request_content_type),
            "request_body": text,
            "request_body_cut": cut,
        }
        body = body or b""
        sha = hashlib.sha256(body).hexdigest()
        line["response_sha"] = sha
        with self._lock:
            if sha not in self._bodies and len(body) <= MAX_RESPONSE:
                self._bodies.add(sha)
                line["response_body"] = body.decode("utf-8", "replace")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.count += 1


def parse_request(request: bytes) -> dict:
    """Method, target, media type and body of hand-written request bytes; method and target
    are None when the request line itself is malformed."""
    head, _, body = request.partition(b"\r\n\r\n")
    first = head.split(b"\r\n", 1)[0]
    line = re.fullmatch(rb"([A-Z]+) (/\S*) HTTP/1\.[01]", first)
    content_type = None
    for raw in head.split(b"\r\n")[1:]:
        name, sep, value = raw.partition(b":")
        if sep and name.strip().lower() == b"content-type":
            content_type = value.decode("latin-1").strip()
    return {
        "method": line.group(1).decode() if line else None,
        "url": line.group(2).decode("latin-1") if line else None,
        "content_type": content_type,
        "body": body,
    }


_recorder: Recorder | None = None
# Set by the pytest plugin while a test marked service_broken_on_purpose runs.
broken_on_purpose = False
# Set by the pytest plugin while a test marked not_the_service runs: nothing is recorded.
paused = False


def start(env: str, reports: Path = REPORTS) -> Recorder:
    """Start recording for gate env ENV, in the run its stamp names (reports/.run/ENV.json)."""
    global _recorder
    stamp = read_record(reports / STAMPS / f"{env}.json") or {}
    run_id = stamp.get("run_id") or os.environ.get("GATE_RUN_ID") or "unstamped"
    _recorder = Recorder(env, run_id, reports)
    return _recorder


def stop() -> None:
    global _recorder
    _recorder = None


def active() -> Recorder | None:
    return _recorder


def record(*args, **kwargs) -> None:
    """Record one exchange when this process records; a no-op otherwise."""
    if _recorder is not None and not paused:
        _recorder.record(*args, **kwargs)


def record_raw(request: bytes, status: int, headers: dict[str, str], body: bytes) -> None:
    """Record a hand-written exchange (harness/testing/raw_http.py). A malformed request line
    is recorded with method and path '?': the coverage gate counts it with the requests that
    name no documented operation."""
    if _recorder is None or paused:
        return
    parsed = parse_request(request)
    _recorder.record(
        parsed["method"] or "?",
        parsed["url"] or "?",
        status,
        headers,
        body,
        parsed["content_type"],
        parsed["body"],
        source="raw",
    )
