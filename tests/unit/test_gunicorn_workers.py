"""The gunicorn workers answer what gunicorn refuses itself in JSON (webapp/api/workers.py).

Requests go through gunicorn's own parser on a real socket pair, and the worker's handle_error
writes its answer to that socket; tests/reliability/test_bad_input.py does the same over TCP
against a running gunicorn.
"""

from __future__ import annotations

import os
import socket
import time
from types import SimpleNamespace

import pytest
from gunicorn import http
from gunicorn.config import Config
from gunicorn.glogging import Logger
from gunicorn.http import errors

from harness.common.paths import ROOT
from harness.testing.raw_http import parse_response
from webapp.api import limits, messages, workers

ADDR = ("127.0.0.1", 40000)


def config() -> Config:
    cfg = Config()
    cfg.set("limit_request_line", limits.REQUEST_LINE_MAX_BYTES)
    cfg.set("limit_request_fields", limits.REQUEST_HEADERS_MAX)
    cfg.set("limit_request_field_size", limits.REQUEST_HEADER_MAX_BYTES)
    return cfg


@pytest.fixture(params=[workers.EventLoopWorkerWithJSONErrors, workers.ThreadWorkerWithJSONErrors])
def worker(request):
    cfg = config()
    return request.param(0, os.getpid(), [], None, 30, cfg, Logger(cfg))


def refuse(worker, raw: bytes):
    """Parse RAW as gunicorn would, let the worker answer the error; return the answer."""
    client, server = socket.socketpair()
    with client, server:
        client.sendall(raw)
        client.shutdown(socket.SHUT_WR)
        with pytest.raises(errors.ParseException) as caught:
            next(http.get_parser(worker.cfg, server, ADDR))
        worker.handle_error(None, server, ADDR, caught.value)
        server.shutdown(socket.SHUT_WR)
        return parse_response(client.recv(65536)), caught.value


@pytest.mark.parametrize(
    ("raw", "status", "detail"),
    [
        (
            b"GET /api/users/" + b"9" * 5000 + b"/ HTTP/1.1\r\n\r\n",
            414,
            messages.request_line_too_long(limits.REQUEST_LINE_MAX_BYTES),
        ),
        (
            b"GET / HTTP/1.1\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n",
            431,
            messages.request_headers_too_large(
                limits.REQUEST_HEADERS_MAX, limits.REQUEST_HEADER_MAX_BYTES
            ),
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
            400,
            messages.malformed_request(
                "invalid or conflicting Content-Length and Transfer-Encoding headers; "
                "send the body with one Content-Length header"
            ),
        ),
        (
            b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
            400,
            messages.malformed_request("Invalid HTTP header name: 'Bad Header'"),
        ),
    ],
)
def test_a_refused_request_gets_json_with_a_detail(worker, raw, status, detail):
    response, _ = refuse(worker, raw)
    assert response.status == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["connection"] == "close"
    assert response.headers["content-length"] == str(len(response.body))
    assert response.json() == {"detail": detail}


def test_a_long_account_of_the_error_is_cut_short(worker):
    response, exc = refuse(worker, b"GET / HTTP/1.1\r\nX-" + b"\xff" * 500 + b": x\r\n\r\n")
    detail = response.json()["detail"]
    assert response.status == 400
    assert len(detail) < len(str(exc))
    assert detail.endswith("....")


def test_an_error_of_the_application_is_a_json_500(worker):
    client, server = socket.socketpair()
    with client, server:
        worker.handle_error(None, server, None, errors.InvalidResponseHeader("X-Bad"))
        worker.handle_error(None, server, ADDR, RuntimeError("boom"))
        server.shutdown(socket.SHUT_WR)
        answers = client.recv(65536)
    first, _, second = answers.partition(b"}")
    for raw in (first + b"}", second):
        response = parse_response(raw)
        assert response.status == 500
        assert response.json() == {"detail": messages.SERVER_ERROR}


def test_a_closed_client_is_not_an_error(worker):
    client, server = socket.socketpair()
    client.close()
    with server:
        worker.handle_error(None, server, ADDR, errors.InvalidRequestLine("x"))


@pytest.mark.parametrize(
    ("threads", "expected"),
    [(1, workers.EventLoopWorkerWithJSONErrors), (3, workers.ThreadWorkerWithJSONErrors)],
)
def test_gunicorn_conf_picks_the_worker_for_its_threads(monkeypatch, threads, expected):
    monkeypatch.setenv("GUNICORN_THREADS", str(threads))
    path = ROOT / "gunicorn.conf.py"
    conf: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), conf)  # as gunicorn reads it
    cfg = Config()
    cfg.set("threads", conf["threads"])
    cfg.set("worker_class", conf["worker_class"])
    assert cfg.worker_class is expected
    assert conf["limit_request_line"] == limits.REQUEST_LINE_MAX_BYTES
    assert conf["limit_request_fields"] == limits.REQUEST_HEADERS_MAX
    assert conf["limit_request_field_size"] == limits.REQUEST_HEADER_MAX_BYTES


@pytest.mark.parametrize(
    ("sent", "arrived"),
    [
        (b"GET /api/users/ HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (b"GET /api/users/ HTTP/1.1\r\nHost: x\r\n", False),  # the head goes on
        (b"POST /api/users/ HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345", False),
        (b"POST /api/users/ HTTP/1.1\r\ncontent-length: 10\r\n\r\n1234567890", True),
        (b"POST /api/users/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello", False),
        (b"POST /api/users/ HTTP/1.1\r\nContent-Length: ten\r\n\r\n", True),  # refused unread
        (b"POST / HTTP/1.1\r\nCONTENT-LENGTH: 3\r\n\r\n12", False),
        # The names in a path or a value, not as headers: no body announced.
        (b"GET /content-length HTTP/1.1\r\nX-A: Transfer-Encoding\r\n\r\n", True),
    ],
)
def test_request_arrived_sees_a_whole_request_without_reading_it(sent, arrived):
    client, server = socket.socketpair()
    with client, server:
        client.sendall(sent)
        conn = workers.TConn(config(), server, ADDR, ADDR)
        assert workers.request_arrived(conn) is arrived
        assert server.recv(65536) == sent  # only peeked


def test_request_arrived_counts_what_gunicorn_has_already_buffered():
    client, server = socket.socketpair()
    with client, server:
        conn = workers.TConn(config(), server, ADDR, ADDR)
        conn.parser = http.get_parser(conn.cfg, server, ADDR)
        conn.parser.unreader.unread(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab")
        assert not workers.request_arrived(conn)  # buffered, and nothing yet on the socket
        client.sendall(b"cd")
        assert workers.request_arrived(conn)


def test_request_arrived_is_true_for_a_client_that_has_gone():
    client, server = socket.socketpair()
    with server:
        client.close()
        assert workers.request_arrived(workers.TConn(config(), server, ADDR, ADDR))


# --- one write per response ---------------------------------------------------------------------
# On a SOCK_SEQPACKET pair each send is one message, so the client sees how many writes an
# answer took: gunicorn's own Response writes the head and the body apart.


def serve(worker, app, raw: bytes = b"GET /api/users/1 HTTP/1.1\r\nHost: localhost\r\n\r\n"):
    """Serve RAW with APP through the worker's handle_request; return the messages the client got,
    and what handle_request returned or raised."""
    client, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with client, server:
        client.sendall(raw)
        conn = workers.LingeringConn(worker.cfg, server, ADDR, ADDR, lambda sock: None)
        req = next(http.get_parser(worker.cfg, server, ADDR))
        worker.wsgi = app
        try:
            outcome = worker.handle_request(req, conn)
        except Exception as exc:
            outcome = exc
        assert conn.sock is server, "the connection must get its own socket back"
        if server.fileno() >= 0:  # gunicorn closes it after an application error
            server.shutdown(socket.SHUT_WR)
        messages_ = []
        while message := client.recv(65536):
            messages_.append(message)
        return messages_, outcome


def app_of(status: str, body: list[bytes], headers=(), fail_after: int | None = None):
    def app(environ, start_response):
        start_response(status, [("Content-Type", "application/json"), *headers])
        for index, chunk in enumerate(body):
            if index == fail_after:
                raise RuntimeError("the application failed mid-response")
            yield chunk

    return app


def test_an_answer_with_a_body_leaves_in_one_write(worker):
    body = b'{"id":1,"dni":"12345678Z","name":"Ana"}'
    sent, keep_alive = serve(worker, app_of("200 OK", [body], [("Content-Length", str(len(body)))]))
    assert len(sent) == 1, f"the answer took {len(sent)} writes: {sent}"
    answer = parse_response(sent[0])
    assert (answer.status, answer.body) == (200, body)
    assert keep_alive is True


def test_an_answer_without_a_body_is_sent_before_the_request_ends(worker):
    sent, _ = serve(worker, app_of("204 No Content", []))
    assert len(sent) == 1
    assert sent[0].startswith(b"HTTP/1.1 204 No Content\r\n")
    assert sent[0].endswith(b"\r\n\r\n")


def test_a_streamed_answer_keeps_its_bytes_and_their_order(worker):
    chunks = [b"[1", b",2", b",3]"]
    sent, _ = serve(worker, app_of("200 OK", chunks))
    assert sent[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert sent[0].endswith(b"2\r\n[1\r\n")
    head, _, body = b"".join(sent).partition(b"\r\n\r\n")
    assert b"\r\nTransfer-Encoding: chunked\r\n" in head + b"\r\n"
    assert body == b"2\r\n[1\r\n2\r\n,2\r\n3\r\n,3]\r\n0\r\n\r\n"


def test_an_application_failing_mid_answer_still_sends_what_it_had_started(worker):
    sent, outcome = serve(worker, app_of("200 OK", [b"[1", b",2"], fail_after=1))
    assert isinstance(outcome, StopIteration), outcome  # gunicorn's "close this connection"
    assert b"".join(sent).startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\n2\r\n[1\r\n" in b"".join(sent)


def test_any_other_use_of_the_socket_sends_the_held_head_first():
    client, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with client, server:
        held = workers.HeadHeldSocket(server)
        held.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        client.setblocking(False)
        with pytest.raises(BlockingIOError):
            client.recv(65536)  # held
        held.send(b"body")  # not sendall: through __getattr__
        assert client.recv(65536) == b"HTTP/1.1 200 OK\r\n\r\n"
        assert client.recv(65536) == b"body"


def test_the_date_header_is_formatted_once_a_second(monkeypatch):
    calls = []

    def http_date(timestamp=None):
        calls.append(timestamp)
        return f"date of {timestamp}"

    now = [1_000_000.25]
    monkeypatch.setattr(workers.time, "time", lambda: now[0])
    date = workers._DateOfThisSecond(http_date)
    assert [date(), date(), date()] == ["date of 1000000"] * 3
    now[0] = 1_000_001.0
    assert date() == "date of 1000001"
    assert calls == [1_000_000, 1_000_001]
    assert date(42) == "date of 42"  # an explicit time is formatted as asked


def test_heartbeats_and_parent_checks_are_one_a_heartbeat_at_most(worker, monkeypatch):
    """gthread's loop tells the master it is alive and checks that the master runs on every
    turn, two system calls a turn; the workers do each once a heartbeat at most."""
    beats, checks = [], []
    monkeypatch.setattr(worker, "tmp", SimpleNamespace(notify=lambda: beats.append(1)))
    master = worker.ppid
    monkeypatch.setattr(os, "getppid", lambda: checks.append(1) or master)
    assert worker._heartbeat <= worker.cfg.timeout / 10
    for _ in range(1000):  # turns of a busy loop
        worker.notify()
        assert worker.is_parent_alive()
    assert (len(beats), len(checks)) == (1, 1)
    time.sleep(worker._heartbeat)
    master = -1  # the master has gone: the worker has another parent
    worker.notify()
    assert not worker.is_parent_alive()
    assert (len(beats), len(checks)) == (2, 2)


# --- what gunicorn repeats for every request -------------------------------------------------


def test_a_worker_reads_each_setting_once_and_sees_what_gunicorn_set(worker, monkeypatch):
    monkeypatch.setattr(workers.ThreadWorker, "init_process", lambda self: None)  # not the loop
    cfg = worker.cfg
    reference = config()
    worker.init_process()
    assert type(cfg) is workers.SettledConfig
    for name in cfg.settings:
        assert getattr(cfg, name) == getattr(reference, name), name
    # Read once: the setting itself is not asked again...
    monkeypatch.setattr(cfg.settings["limit_request_line"], "get", pytest.fail)
    assert cfg.limit_request_line == limits.REQUEST_LINE_MAX_BYTES
    monkeypatch.undo()
    # ...until it is set again.
    cfg.set("limit_request_line", 100)
    assert cfg.limit_request_line == 100
    with pytest.raises(AttributeError):
        cfg.no_such_setting  # noqa: B018


def parsed(raw: bytes, peer=ADDR, cfg: Config | None = None):
    """A connection from PEER whose parser has read RAW's first request, and the request."""
    client, server = socket.socketpair()
    client.sendall(raw)
    client.close()
    conn = workers.LingeringConn(cfg or config(), server, peer, ADDR, lambda sock: None)
    conn.init()
    return conn, next(conn.parser)


@pytest.mark.parametrize(
    ("raw", "read", "read_out"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, True),  # no body
        (b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd", 0, False),
        (b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd", 2, False),
        (b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd", 4, True),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", 0, False),
    ],
)
def test_a_body_read_to_its_end_is_not_drained_again(worker, raw, read, read_out, monkeypatch):
    conn, req = parsed(raw)
    with conn.sock:
        assert req.body.read(read) == raw.partition(b"\r\n\r\n")[2][:read]
        assert workers.body_read_out(conn.parser) is read_out
        drained, drain = [], conn.parser.finish_body
        monkeypatch.setattr(
            conn.parser, "finish_body", lambda **kw: drained.append(1) or drain(**kw)
        )
        assert worker._keepalive_after(conn, True) is True
        assert drained == ([] if read_out else [1])  # gunicorn's drain, when there is a rest
        assert conn.parser.finish_body()  # nothing is left of this request either way
        assert worker._keepalive_after(conn, False) is False


def test_a_readline_leaves_its_read_ahead_to_the_drain(worker):
    conn, req = parsed(b"POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\nab\ncd\n")
    with conn.sock:
        assert req.body.readline() == b"ab\n"
        assert not workers.body_read_out(conn.parser)  # "cd\n" waits in the body's buffer


@pytest.mark.parametrize(("peer", "scheme"), [("127.0.0.1", "https"), ("10.1.2.3", "http")])
def test_a_peers_trust_is_decided_once_and_as_gunicorn_decides_it(peer, scheme, monkeypatch):
    """Only a peer in forwarded_allow_ips (gunicorn's default: 127.0.0.1 and ::1) may say, with
    X-Forwarded-Proto, that the client came over HTTPS."""
    decided = []
    decide = workers.Request._peer_is_trusted_proxy
    monkeypatch.setattr(
        workers.Request, "_peer_is_trusted_proxy", lambda self: decided.append(1) or decide(self)
    )
    monkeypatch.setattr(workers, "_PEER_TRUST", {})
    raw = b"GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\n\r\n"
    cfg = config()  # a worker's connections share its Config
    for _ in range(3):
        conn, req = parsed(raw * 2, peer=(peer, 40000), cfg=cfg)
        with conn.sock:
            assert type(req) is workers.PeerTrustedOnceRequest
            assert [req.scheme, next(conn.parser).scheme] == [scheme, scheme]
    assert decided == [1]


def test_the_trust_of_ever_more_peers_is_not_kept_without_end(monkeypatch):
    monkeypatch.setattr(workers, "_PEER_TRUST", {})
    monkeypatch.setattr(workers, "_PEER_TRUST_MAX", 3)
    cfg = config()
    for last in range(10):
        peer = (f"10.0.0.{last}", 40000)
        conn, req = parsed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", peer=peer, cfg=cfg)
        conn.sock.close()
        assert req.scheme == "http"
    assert len(workers._PEER_TRUST) == 3


def test_the_access_log_lines_of_a_turn_leave_before_the_loop_waits(worker, monkeypatch):
    """gunicorn.conf.py's logger holds the lines; the worker releases them before its poller may
    wait, and when its loop ends (a stop, a SystemExit from a signal)."""
    calls = []
    worker.log = SimpleNamespace(
        hold_access_lines=lambda: calls.append("hold"),
        release_access_lines=lambda: calls.append("release"),
    )
    monkeypatch.setattr(workers.ThreadWorker, "init_process", lambda self: None)
    worker.init_process()
    assert calls == ["hold"]
    worker.poller = SimpleNamespace(select=lambda timeout: calls.append(("select", timeout)) or [])
    worker.wait_for_and_dispatch_events(timeout=1.0)
    assert calls == ["hold", "release", ("select", 1.0)]

    def stopped(self):
        raise SystemExit(0)

    monkeypatch.setattr(workers.ThreadWorker, "run", stopped)
    with pytest.raises(SystemExit):
        worker.run()
    assert calls[-1] == "release"


def test_a_logger_that_does_not_hold_lines_is_left_alone(worker, monkeypatch):
    monkeypatch.setattr(workers.ThreadWorker, "init_process", lambda self: None)
    worker.init_process()  # gunicorn's own Logger
    worker.poller = SimpleNamespace(select=lambda timeout: [])
    worker.wait_for_and_dispatch_events(timeout=0)
