"""gunicorn settings, all from the environment (see the configuration table in README.md).

Loaded automatically by ``gunicorn`` when started from the repository root, and by the
container's entrypoint with ``--config``.
"""

import contextlib
import json
import logging
import multiprocessing
import os
import select
import sys
import time

import orjson
from django.core.exceptions import ImproperlyConfigured
from gunicorn.glogging import Logger

# gunicorn puts the directory it starts in (the repository root, /app in the image) on sys.path
# before it reads this file, so the service's own reader of integer settings is importable.
from webapp.api.limits import REQUEST_HEADER_MAX_BYTES, REQUEST_HEADERS_MAX, REQUEST_LINE_MAX_BYTES
from webapp.env import env_int


def _int(name: str, default: int) -> int:
    try:
        return env_int(name, default)
    except ImproperlyConfigured as exc:
        sys.exit(f"configuration error: {exc}")


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2 + 1))
threads = _int("GUNICORN_THREADS", 1)
# Workers that answer what gunicorn refuses itself (a request line or headers over the limits
# below, a malformed request) in JSON, like the service, not with gunicorn's HTML pages.
worker_class = (
    "webapp.api.workers.EventLoopWorkerWithJSONErrors"
    if threads == 1
    else "webapp.api.workers.ThreadWorkerWithJSONErrors"
)
limit_request_line = REQUEST_LINE_MAX_BYTES
limit_request_fields = REQUEST_HEADERS_MAX
limit_request_field_size = REQUEST_HEADER_MAX_BYTES
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
wsgi_app = "webapp.wsgi:application"
accesslog = "-"
errorlog = "-"
# Workers import the app before forking, so a configuration error stops the master at once.
preload_app = True
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
# No runtime control socket: it would need a writable home directory, and several servers on
# one machine (tests, benchmarks) would fight over its default path.
control_socket_disable = True


class JsonAccessLogger(Logger):
    """gunicorn's logger, with each access log line one JSON object (on stdout).

    The encoder escapes every value (quotes, backslashes, control characters and non-UTF-8
    bytes that gunicorn decoded as latin-1), so a hostile path or header cannot break a line,
    and the line is ASCII (``_json_line``). It goes to gunicorn's stream handler without a
    ``LogRecord``: the logging machinery was most of what the log cost per request
    (docs/performance.md).

    A worker of webapp/api/workers.py holds its lines (``hold_access_lines``) and writes those
    of a turn of its loop together before the loop waits again (``release_access_lines``): a
    write that wakes the process reading the container's output costs the writer about 15 us,
    and under load a turn serves several requests. A line waits at most that turn. No write of
    held lines is longer than ``PIPE_BUF`` (4096 bytes), so that the workers' writes to the one
    pipe of the container's stdout never interleave within a line.
    """

    HELD_BYTES_MAX = select.PIPE_BUF

    def __init__(self, cfg):
        super().__init__(cfg)
        self._held: list[str] | None = None  # None: each line is written at once
        self._held_size = 0

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            line = _json_line(_access_record(resp, environ, request_time))
            handler = self._stream_handler()
            if handler is None:  # another handler (a file, syslog, a logging config)
                self.access_log.info("%s", line)
                return
            line += "\n"
            with handler.lock:  # threads of a gthread worker share the stream and the lines
                if self._held is None:
                    self._write(handler, line)
                    return
                if self._held and self._held_size + len(line) > self.HELD_BYTES_MAX:
                    self._write_held(handler)
                self._held.append(line)
                self._held_size += len(line)  # ASCII: as many bytes as characters
        except Exception:  # a log line must never fail a request
            self.exception("could not write the access log line")

    def hold_access_lines(self) -> None:
        """From now on lines to stdout wait for ``release_access_lines``, or until
        ``HELD_BYTES_MAX`` bytes of them wait; lines through another handler never wait."""
        self._held = []

    def release_access_lines(self) -> None:
        """Write the lines that wait, in one write."""
        if not self._held:  # asked on every turn of a worker's loop: no handler lookup for nothing
            return
        handler = self._stream_handler()
        if handler is None:
            return
        try:
            with handler.lock:
                if self._held:  # not written meanwhile by another thread
                    self._write_held(handler)
        except Exception:
            self.exception("could not write the access log lines")

    def _write_held(self, handler) -> None:
        held, self._held, self._held_size = self._held, [], 0
        self._write(handler, "".join(held))

    def _stream_handler(self):
        handlers = self.access_log.handlers
        if len(handlers) == 1 and type(handlers[0]) is logging.StreamHandler:
            return handlers[0]
        return None

    @staticmethod
    def _write(handler, text: str) -> None:
        handler.stream.write(text)
        handler.stream.flush()


def _access_record(resp, environ, request_time) -> dict:
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    with contextlib.suppress(TypeError, ValueError):
        status = int(status)
    return {
        "time": _utc_now(),
        "type": "access",
        "remote_addr": environ.get("REMOTE_ADDR"),
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "query": environ.get("QUERY_STRING") or None,
        "protocol": environ.get("SERVER_PROTOCOL"),
        "status": status,
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        "referer": environ.get("HTTP_REFERER"),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "pid": _pid,
    }


# This process's id, read once (os.getpid is a system call) and again in each forked worker.
_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def _json_line(record: dict) -> str:
    """The record as one line of compact, ASCII-only JSON.

    orjson encodes it about ten times faster than ``json.dumps`` (0.2 against 2.9 us), but
    writes a non-ASCII character as UTF-8, where this log escapes it: a line that is not all
    ASCII (a path or a header with such characters, rare) is encoded again by ``json.dumps``,
    which escapes them. Both escape quotes, backslashes and control characters.
    """
    try:
        line = orjson.dumps(record)
    except TypeError:  # what orjson refuses (a lone surrogate): json.dumps escapes it
        line = None
    if line is not None and line.isascii():
        return line.decode("ascii")
    return json.dumps(record, ensure_ascii=True, separators=(",", ":"))


_second: tuple[int, str] = (-1, "")  # the last whole second formatted, and its text


def _utc_now() -> str:
    """The time in ISO 8601 UTC to the millisecond ("2026-12-02T07:45:37.123Z"); the seconds'
    text is formatted once a second, not once a request."""
    global _second
    now = time.time()
    second = int(now)
    cached = _second  # one read: the threads of a gthread worker share it
    if cached[0] != second:
        cached = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{cached[1]}.{int((now - second) * 1000):03d}Z"


logger_class = JsonAccessLogger


def _check_django_settings() -> None:
    """Fail with one clear line, not a traceback, when the settings are unusable.

    Runs while gunicorn reads this file, before it imports the app.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to load
    except ImproperlyConfigured as exc:
        print(f"configuration error: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)


_check_django_settings()


# --- stopping ----------------------------------------------------------------------------------
# SIGTERM is gunicorn's graceful stop; SIGINT (Ctrl-C, an IDE's stop button) is its quick one,
# which cuts the requests in flight. Here both are graceful, in the master and in every worker
# (Ctrl-C signals the whole process group), and the master says in one line why it stopped.
_stopped_by: list[str] = []


def when_ready(server):
    graceful = server.handle_term

    def handle_term():
        _stopped_by.append("SIGTERM")
        graceful()

    def handle_int():
        _stopped_by.append("SIGINT")
        graceful()

    server.handle_term = handle_term
    server.handle_int = handle_int


def post_worker_init(worker):
    import signal

    signal.signal(signal.SIGINT, worker.handle_exit)


def on_exit(server):
    why = f" on {_stopped_by[0]}" if _stopped_by else ""
    print(
        f"users API stopped{why}, gracefully: requests in flight had up to "
        f"{server.cfg.graceful_timeout} s to complete",
        flush=True,
    )
