"""gunicorn workers whose own answers are JSON, like every other answer of the service.

gunicorn answers a request it cannot read itself, before Django sees it: a request line or
headers over its limits, a malformed request line or header, both Content-Length and
Transfer-Encoding. Its base worker (``gunicorn.workers.base.Worker.handle_error``) writes those
answers as small HTML pages (``gunicorn.util.write_error``). These workers write the same
refusals as ``{"detail": ...}`` JSON instead, with the status the contract documents:

- ``414`` a request line (method, path, query) over ``limit_request_line``;
- ``431`` more header fields than ``limit_request_fields``, or one over
  ``limit_request_field_size``;
- ``400`` any other request gunicorn cannot parse (a malformed line or header, obsolete line
  folding, conflicting Content-Length and Transfer-Encoding, a transfer coding it does not know);
- ``500`` anything else that reaches this handler (the application's fault, not the client's).

gunicorn.conf.py picks the class: ``SyncWorkerWithJSONErrors`` for one thread per worker, else
``ThreadWorkerWithJSONErrors`` (gunicorn's gthread). Their names must not end in "SyncWorker":
gunicorn swaps such a class for its own gthread worker when there are several threads.
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from datetime import datetime
from functools import partial

from gunicorn import util
from gunicorn.http import errors
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.gthread import TConn, ThreadWorker
from gunicorn.workers.sync import SyncWorker

REASONS = {
    400: "Bad Request",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}
# Errors in what the application sent, not in what the client sent.
_SERVER_FAULTS = (
    errors.InvalidResponseHeader,
    errors.InvalidResponseHeaderName,
    errors.ConfigurationProblem,
)
_FRAMING_HEADERS = {"CONTENT-LENGTH", "TRANSFER-ENCODING"}
_MAX_REASON = 200  # characters of gunicorn's account of the error quoted back to the client


def _reason(exc: BaseException) -> str:
    """What was wrong with the request, in words (gunicorn's own, but for the framing headers)."""
    if isinstance(exc, errors.InvalidHeader) and str(exc.hdr).upper() in _FRAMING_HEADERS:
        return (
            "invalid or conflicting Content-Length and Transfer-Encoding headers; "
            "send the body with one Content-Length header"
        )
    reason = str(exc)
    return reason if len(reason) <= _MAX_REASON else reason[:_MAX_REASON] + "..."


def answer(exc: BaseException, cfg) -> tuple[int, str]:
    """The status and the detail of the answer to an error raised while reading a request."""
    # Imported here, not at the top: gunicorn loads the worker class before the application, and
    # the messages need Django's settings and translations ready.
    from webapp.api import messages

    if isinstance(exc, _SERVER_FAULTS) or not isinstance(exc, errors.ParseException):
        return 500, messages.SERVER_ERROR
    if isinstance(exc, errors.LimitRequestLine):
        return 414, messages.request_line_too_long(cfg.limit_request_line)
    if isinstance(exc, errors.LimitRequestHeaders):
        fields, size = cfg.limit_request_fields, cfg.limit_request_field_size
        return 431, messages.request_headers_too_large(fields, size)
    return 400, messages.malformed_request(_reason(exc))


def json_error(status: int, detail: str) -> bytes:
    """The whole HTTP response: the error body the service writes everywhere, then the close."""
    from webapp.api.errors import error_body
    from webapp.api.renderers import dumps

    body = dumps(error_body(detail))
    head = (
        f"HTTP/1.1 {status} {REASONS[status]}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


class JSONErrorsMixin:
    """``handle_error`` of gunicorn's base worker, answering in JSON (see the module's text)."""

    def handle_error(self, req, client, addr, exc):
        started = datetime.now()
        addr = addr or ("", -1)  # a Unix socket has no address
        status, detail = answer(exc, self.cfg)
        if status == 500:
            self.log.exception("Error handling request %s", getattr(req, "uri", "(no URI read)"))
        else:
            self.log.warning("Invalid request from ip=%s: %s", addr[0], exc)
        if req is None and isinstance(exc, (errors.InvalidHeader, errors.InvalidHeaderName)):
            req = getattr(exc, "req", None)  # the request whose headers failed, for the log
        data = json_error(status, detail)
        if req is not None:
            self._log_access(req, client, addr, status, len(data), datetime.now() - started)
        try:
            util.write_nonblock(client, data)
        except Exception:
            self.log.debug("Failed to send error message.")

    def _log_access(self, req, client, addr, status, length, request_time):
        environ = default_environ(req, client, self.cfg)
        environ["REMOTE_ADDR"] = addr[0]
        environ["REMOTE_PORT"] = str(addr[1])
        response = Response(req, client, self.cfg)
        response.status = f"{status} {REASONS[status]}"
        response.response_length = length
        self.log.access(response, req, environ, request_time)


def defer_accept(listener, seconds: int) -> bool:
    """Ask the kernel to hand a connection of this listener to ``accept()`` only once its first
    bytes have arrived, or once about ``seconds`` have passed without any (Linux's
    ``TCP_DEFER_ACCEPT``). False where there is no such option: not Linux, or a Unix socket."""
    option = getattr(socket, "TCP_DEFER_ACCEPT", None)
    if option is None or listener.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    listener.setsockopt(socket.IPPROTO_TCP, option, max(1, seconds))  # 0 would turn it off
    return True


def silent(client: socket.socket) -> bool:
    """Nothing to read on this connection right now (or the client has gone): one peek."""
    try:
        return client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except OSError:  # BlockingIOError: nothing yet; any other: reset by the client
        return True


class SyncWorkerWithJSONErrors(JSONErrorsMixin, SyncWorker):
    """gunicorn's sync worker, with idle connections kept away from it by the kernel.

    A sync worker serves one connection at a time and reads its request with no timeout: an
    idle connection (a browser's preconnect, a client that stalls before its request) would
    hold it until gunicorn's worker timeout killed it. Its listening sockets defer accepting
    (``defer_accept``) for ``keepalive`` seconds, so a silent connection waits in the kernel,
    not in a worker. One that ``accept()`` returns with nothing to read has been silent that
    long: it is closed at once, unread (tests/reliability/test_idle_connections.py). Where the
    kernel cannot defer (not Linux, a Unix socket), this is gunicorn's sync worker as it is.
    """

    deferring: frozenset[int] = frozenset()  # the file descriptors of the deferring listeners

    def run(self):
        self.deferring = frozenset(
            listener.fileno()
            for listener in self.sockets
            if defer_accept(listener, self.cfg.keepalive)
        )
        super().run()

    def accept(self, listener):
        client, address = listener.accept()
        if listener.fileno() in self.deferring and silent(client):
            self.log.debug("Closing a connection silent for %ss: %s", self.cfg.keepalive, address)
            client.close()
            return
        client.setblocking(True)
        util.close_on_exec(client)
        self.handle(listener, client, address)


class ThreadWorkerWithJSONErrors(JSONErrorsMixin, ThreadWorker):
    """gthread, with a new connection parked in the poller until its first bytes arrive.

    gunicorn's gthread hands every new connection to a thread at once, which then waits up to
    5 s for the request to start: a few idle connections (a browser's preconnect, a stalled
    client) take every thread of a worker, and the service stops answering anyone for seconds.
    Here a new connection waits in the poller as gunicorn's own deferred connections do: it
    takes a thread only once it is readable, and is closed after ``keepalive`` seconds if it
    never is (tests/reliability/test_idle_connections.py).
    """

    def accept(self, listener):
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())  # non-blocking
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(
            client, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )
