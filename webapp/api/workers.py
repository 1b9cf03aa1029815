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

gunicorn.conf.py picks the class: ``EventLoopWorkerWithJSONErrors`` for one thread per worker,
else ``ThreadWorkerWithJSONErrors`` (gunicorn's gthread). Their names must not end in
"SyncWorker": gunicorn swaps such a class for its own gthread worker when there are several
threads.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import time
from collections import deque
from datetime import datetime
from functools import partial

from gunicorn import util
from gunicorn.config import Config
from gunicorn.http import errors
from gunicorn.http.body import LengthReader
from gunicorn.http.message import Request
from gunicorn.http.parser import RequestParser
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.gthread import TConn, ThreadWorker

from webapp.api.accept_share import AcceptShare, board_for

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
# Bytes of a request the event-loop worker peeks at to see that it has arrived whole: a head and
# body larger than this are served by a thread, as if still arriving.
PEEK_BYTES = 65536
# Seconds the event-loop worker waits, in turn, for the rest of a request that has partly
# arrived before it hands the request to a thread: about 9 ms in all.
ARRIVAL_PAUSES = (0.0002, 0.0008, 0.002, 0.006)
# After an answer that ends its connection, the worker half-closes it and reads what the client
# still sends, until the client closes, for this long and this much at most (RFC 9112 section 9.6:
# unread bytes would make the kernel reset the connection, and the client could lose the answer).
# gunicorn's own values (util.close_graceful).
LINGER_SECONDS = 2.0
LINGER_BYTES = 65536
# Seconds between a worker's heartbeats to its master (and its checks that the master still
# runs), at most: gthread does both on every turn of its loop, two system calls a turn, which
# under load is about one a request. The master's worker timeout is many of these.
HEARTBEAT_SECONDS = 0.5
# A response's first write at most this long is held and sent with its second (HeadHeldSocket):
# gunicorn's head of a response is a few hundred bytes.
HELD_HEAD_BYTES = 8192


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


class HeadHeldSocket:
    """A response's socket that holds the response's first write, its head, and sends it with
    the second, its body, in one system call.

    gunicorn writes a response's head and its body with two ``sendall`` calls: for a GET of one
    user, two ``sendto`` calls and two TCP segments where one does (about 2% of a worker's CPU
    per request, docs/performance.md). Any other use of the socket (a file sent with sendfile,
    a shutdown) sends what is held first, and the worker sends it at the end of the request
    (``release``) when nothing followed (a response without a body): the bytes on the wire and
    their order are unchanged.
    """

    __slots__ = ("_first", "_held", "_sock")

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._held: bytes | None = None
        self._first = True

    def sendall(self, data, flags=0):
        if self._first:
            self._first = False
            if len(data) <= HELD_HEAD_BYTES:
                self._held = bytes(data)
                return None
        elif self._held is not None:
            data, self._held = self._held + data, None
        return self._sock.sendall(data, flags)

    def release(self) -> None:
        """Send what is held, if anything."""
        if self._held is not None:
            held, self._held = self._held, None
            self._sock.sendall(held)

    def __getattr__(self, name):
        self.release()
        return getattr(self._sock, name)


class _DateOfThisSecond:
    """``gunicorn.util.http_date``, formatting the current second once instead of once a request.

    gunicorn formats its Date header with ``email.utils.formatdate`` for every response, about
    3% of a worker's CPU per GET (docs/performance.md); the header has a resolution of one
    second, so its text is the same for every response of that second.
    """

    def __init__(self, http_date):
        self._http_date = http_date
        self._second: tuple[int, str] = (-1, "")

    def __call__(self, timestamp=None) -> str:
        if timestamp is not None:
            return self._http_date(timestamp)
        second = int(time.time())
        cached = self._second  # one read: the threads of a gthread worker share it
        if cached[0] != second:
            cached = self._second = (second, self._http_date(second))
        return cached[1]


class _Every:
    """True when called for the first time, then at most once every SECONDS."""

    __slots__ = ("_next", "_seconds")

    def __init__(self, seconds: float):
        self._seconds = seconds
        self._next = 0.0

    def __call__(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self._seconds
        return True


class SettledConfig(Config):
    """gunicorn's ``Config``, each setting read through ``Config.__getattr__`` once per worker.

    Every read of a setting (``cfg.limit_request_line``, ``cfg.access_log_format``...) goes
    through ``Config.__getattr__`` and the setting's ``get``, about 0.45 us, and gunicorn reads
    about 20 of them per request (parsing, the environ, the response, the access log): 2% of a
    GET one's CPU in the container (docs/performance.md). A worker's settings do not change
    while it runs (a reload starts new workers with a new ``Config``), so the first read keeps
    the value on the instance, where the next reads find it without ``__getattr__``; ``set``
    drops what was kept.
    """

    def __getattr__(self, name):
        value = super().__getattr__(name)
        self.__dict__[name] = value  # Config.__setattr__ refuses setting names, on purpose
        return value

    def set(self, name, value):
        self.__dict__.pop(name, None)
        super().set(name, value)


def body_read_out(parser) -> bool:
    """Whether the request the parser last read has no body bytes left, on the socket or in its
    buffer: a body of known length read to its end (every GET, whose length is 0). Draining such
    a body (``Parser.finish_body``) finds nothing, after setting the socket's timeout twice."""
    body = getattr(parser.mesg, "body", None) if parser is not None else None
    reader = getattr(body, "reader", None)
    return (
        type(reader) is LengthReader
        and reader.length == 0
        and not body.failed
        and body.buf.tell() == 0
    )


# Verdicts of PeerTrustedOnceRequest, by (the worker's Config, the peer's address): a few peers
# (an ingress, a load balancer) in prd. Bounded, for a server that faces many clients directly.
_PEER_TRUST: dict[tuple[Config, str], bool] = {}
_PEER_TRUST_MAX = 1024


class PeerTrustedOnceRequest(Request):
    """gunicorn's request, with whether its peer may set the forwarding headers
    (``forwarded_allow_ips``) decided once per peer address instead of once per request: gunicorn
    parses the peer's address with ``ipaddress`` for every request it reads (2.3 us)."""

    def _peer_is_trusted_proxy(self):
        peer = self.peer_addr
        if not isinstance(peer, tuple):  # a Unix socket's peer: gunicorn trusts it, as here
            return super()._peer_is_trusted_proxy()
        key = (self.cfg, peer[0])
        verdict = _PEER_TRUST.get(key)
        if verdict is None:
            verdict = super()._peer_is_trusted_proxy()
            if len(_PEER_TRUST) < _PEER_TRUST_MAX:
                _PEER_TRUST[key] = verdict
        return verdict


class LingeringConn(TConn):
    """gthread's connection, whose graceful close is handed to its worker's poller, and whose
    HTTP/1 requests are ``PeerTrustedOnceRequest``."""

    def __init__(self, cfg, sock, client, server, linger):
        super().__init__(cfg, sock, client, server)
        self._linger = linger

    def init(self):
        fresh = not self.initialized
        super().init()
        if fresh and type(self.parser) is RequestParser:
            self.parser.mesg_class = PeerTrustedOnceRequest

    def close(self, graceful=False):
        if graceful:
            self._linger(self.sock)
        else:
            super().close()


class _Lingering:
    """A half-closed connection that the poller drains until its client closes it."""

    __slots__ = ("deadline", "drained", "sock")

    def __init__(self, sock: socket.socket):
        self.sock: socket.socket | None = sock
        self.deadline = time.monotonic() + LINGER_SECONDS
        self.drained = 0


class ThreadWorkerWithJSONErrors(JSONErrorsMixin, ThreadWorker):
    """gthread, with a new connection parked in the poller until its first bytes arrive.

    gunicorn's gthread hands every new connection to a thread at once, which then waits up to
    5 s for the request to start: a few idle connections (a browser's preconnect, a stalled
    client) take every thread of a worker, and the service stops answering anyone for seconds.
    Here a new connection waits in the poller as gunicorn's own deferred connections do: it
    takes a thread only once it is readable, and is closed after ``keepalive`` seconds if it
    never is (tests/reliability/test_idle_connections.py).

    A connection ends the same way: gunicorn half-closes it after its last answer and then
    waits, on the worker's loop, up to 2 s for the client to close too, so one client that
    keeps its socket open stalls every connection of the worker. Here that wait is in the poller
    (``LingeringConn``), and the loop goes on serving the others.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A tenth of the master's timeout at most (self.timeout is half of it): a worker whose
        # loop turns is never mistaken for a stuck one.
        self._heartbeat = min(HEARTBEAT_SECONDS, self.timeout / 5)
        self._notify_due = _Every(self._heartbeat)
        self._parent_check_due = _Every(self._heartbeat)
        self._parent_alive = True
        # In the master, before the fork: this worker's place on the board its peers read
        # (webapp/api/accept_share.py); alone, it has no peer to leave a connection to.
        board = board_for(self.cfg.workers)
        self._accept_share = AcceptShare(
            board, board.assign(self) if self.cfg.workers > 1 else None
        )
        self._open_lingering = 0

    def init_process(self):
        if type(self.cfg) is Config:
            self.cfg.__class__ = SettledConfig  # this process's copy, forked from the master's
        # The access log's lines of a turn of the loop leave in one write, before the loop waits
        # again (gunicorn.conf.py, JsonAccessLogger); another logger class writes as it likes.
        if hasattr(self.log, "hold_access_lines"):
            self.log.hold_access_lines()
            self._release_access_lines = self.log.release_access_lines
        self._lingering: deque[_Lingering] = deque()  # by deadline, as they were added
        if not isinstance(util.http_date, _DateOfThisSecond):
            util.http_date = _DateOfThisSecond(util.http_date)  # read by every Response
        super().init_process()

    @staticmethod
    def _release_access_lines() -> None:
        """Nothing waits, unless init_process found a logger that holds its lines."""

    def _clients(self) -> int:
        """Connections this worker holds for its clients, the closing ones aside."""
        return self.nr_conns - self._open_lingering

    def wait_for_and_dispatch_events(self, timeout):
        self._release_access_lines()  # the poller may wait now: no line waits with it
        now = time.monotonic()
        self._accept_share.publish(self._clients(), now)
        paused = self._accept_share.paused(now)
        if paused:
            timeout = min(timeout, paused)  # to take a connection no peer took meanwhile
        super().wait_for_and_dispatch_events(timeout)

    def set_accept_enabled(self, enabled):
        # gthread's loop enables accepting on every turn it finds it off: not while this worker
        # leaves new connections to a peer.
        if enabled and self._accept_share.paused(time.monotonic()):
            enabled = False
        super().set_accept_enabled(enabled)

    def run(self):
        try:
            super().run()
        finally:
            self._release_access_lines()

    def notify(self):
        if self._notify_due():
            super().notify()

    def is_parent_alive(self):
        if self._parent_check_due():
            self._parent_alive = super().is_parent_alive()
        return self._parent_alive

    def handle_request(self, req, conn):
        # The response writes to a HeadHeldSocket; the parser, the poller and the error answers
        # keep the socket itself.
        sock = conn.sock
        conn.sock = held = HeadHeldSocket(sock)
        try:
            keep_alive = super().handle_request(req, conn)
        except BaseException:
            conn.sock = sock
            with contextlib.suppress(OSError):  # the error under way is the one to report
                held.release()
            raise
        conn.sock = sock
        held.release()
        return keep_alive

    def _keepalive_after(self, conn, keepalive):
        # gthread drains the rest of the request's body before the connection is kept (under a
        # deadline, so it sets the socket's timeout and then restores it): nothing to drain when
        # the application read the body to its end, or there was none.
        if keepalive and body_read_out(conn.parser):
            return True
        return super()._keepalive_after(conn, keepalive)

    def accept(self, listener):
        if self._accept_share.leave_to_a_peer(self._clients(), time.monotonic()):
            self.set_accept_enabled(False)
            return
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = LingeringConn(self.cfg, client, address, listener.getsockname(), self._linger)
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(
            client, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def _linger(self, sock: socket.socket) -> None:
        """util.close_graceful, without waiting: half-close now, drain and close in the poller."""
        try:
            sock.shutdown(socket.SHUT_WR)  # the client reads the answer, then the end
        except OSError:
            util.close(sock)
            return
        sock.setblocking(False)
        lingering = _Lingering(sock)
        self._lingering.append(lingering)
        self.nr_conns += 1  # still a descriptor of this worker, and the graceful stop waits for it
        self._open_lingering += 1
        self.poller.register(sock, selectors.EVENT_READ, partial(self._drain, lingering))

    def _drain(self, lingering: _Lingering, sock: socket.socket) -> None:
        try:
            data = sock.recv(LINGER_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        lingering.drained += len(data)
        if not data or lingering.drained >= LINGER_BYTES:
            self._close_lingering(lingering)

    def _close_lingering(self, lingering: _Lingering) -> None:
        if lingering.sock is None:
            return  # closed already, by its client's end
        self.poller.unregister(lingering.sock)
        util.close(lingering.sock)
        lingering.sock = None
        self.nr_conns -= 1
        self._open_lingering -= 1

    def murder_pending(self):
        # Run after every turn of gthread's loop, and of its graceful stop.
        super().murder_pending()
        now = time.monotonic()
        while self._lingering and (
            self._lingering[0].sock is None or self._lingering[0].deadline <= now
        ):
            self._close_lingering(self._lingering.popleft())


class _Served:
    """The outcome of a request served on the loop, as gthread's ``finish_request`` reads a
    thread's future: a concurrent.futures.Future, with its condition and locks, for a result
    already known was a percent of a request's CPU."""

    __slots__ = ("_result",)

    def __init__(self, result):
        self._result = result

    def result(self):
        return self._result

    @staticmethod
    def cancelled() -> bool:
        return False


def request_arrived(conn: TConn) -> bool:
    """Whether the whole of the connection's next request is already here: its head and the body
    its Content-Length announces, in gunicorn's buffer and the socket's (one peek, nothing read).

    Serving such a request cannot wait on the client. A head not yet ended, a body still on its
    way, a chunked body or a head too big to peek at all answer False; a closed or reset
    connection answers True (serving it only finds that out).
    """
    buffered = conn.parser.unreader.buf.getvalue() if conn.parser is not None else b""
    try:
        peeked = conn.sock.recv(PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        peeked = b""
    except OSError:
        return True
    else:
        if not peeked and not buffered:
            return True  # the client has closed its side
    data = buffered + peeked
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    head = data[:head_end].lower()  # header names are case-insensitive; digits are unchanged
    if b"content-length" not in head and b"transfer-encoding" not in head:
        return True  # no body announced (nearly every GET): the head is the whole request
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip()
        if name == b"transfer-encoding":
            return False
        if name == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return True  # gunicorn refuses it without reading a body
    return len(data) >= head_end + 4 + length


class EventLoopWorkerWithJSONErrors(ThreadWorkerWithJSONErrors):
    """gthread's event loop, with each request that has fully arrived served on the loop's thread.

    gthread hands every readable connection to its thread pool and takes the outcome back
    through a pipe: a future, a queue, a wake-up byte and two hand-overs of the GIL per request.
    In the container at prd's CPU limit that hand-off cost more than a tenth of the CPU of a
    request (docs/performance.md, "The event-loop worker"). This worker keeps the rest of
    gthread: the poller that parks new and kept-alive connections until they are readable and
    closes them after ``keepalive`` seconds, keep-alive itself, the graceful stop. A readable
    connection whose whole request has arrived (``request_arrived``: nearly every one) is served
    at once, on the loop's thread, one request at a time like a sync worker; a request that
    hangs in the application stops the worker's heartbeat, so gunicorn's worker timeout applies
    to it as to a sync worker's. A request still arriving (a slow upload, a stalled client)
    goes to gthread's thread pool instead (one thread, as ``GUNICORN_THREADS=1`` says), so that
    it does not hold up the connections parked beside it in this worker. A kept-alive connection
    is closed for its age only when no request is waiting on it.
    """

    def init_process(self):
        self._ready: deque[TConn] = deque()
        self._serving = False
        super().init_process()

    @staticmethod
    def _arrives(conn: TConn) -> bool:
        """Whether the connection's request has arrived whole, or does within a few ms.

        Many clients (urllib3, so requests) send a request's head and its body in two writes:
        the poller sees the head first, and the body follows within microseconds. A short wait
        keeps those requests on this thread; a request still incomplete after it is a slow one.
        """
        for pause in ARRIVAL_PAUSES:
            if request_arrived(conn):
                return True
            time.sleep(pause)
        return request_arrived(conn)

    def murder_keepalived(self, force=False):
        # Serving a request holds this loop (a write waiting on a database lock, for seconds),
        # so a parked connection can look expired when its next request has been waiting all
        # along: closing it then would reset that request. Whatever is readable is served
        # first; only connections still silent are closed for their age
        # (tests/unit/test_event_loop_worker.py).
        if (
            not force
            and self.keepalived_conns
            and self.keepalived_conns[0].timeout <= time.monotonic()
        ):
            self.wait_for_and_dispatch_events(timeout=0)
        super().murder_keepalived(force)

    def enqueue_req(self, conn):
        if not self._arrives(conn):
            super().enqueue_req(conn)  # a thread of the pool waits for the rest
            return
        # Called by the poller's callbacks, and again by finish_request for a connection whose
        # next request is already buffered (pipelining): the outermost call serves the queue,
        # so a client that pipelines many requests makes a loop here, not a deep recursion.
        self._ready.append(conn)
        if self._serving:
            return
        self._serving = True
        try:
            while self._ready:
                conn = self._ready.popleft()
                # handle() turns every Exception into False
                self.finish_request(conn, _Served(self.handle(conn)))
        finally:
            self._serving = False
