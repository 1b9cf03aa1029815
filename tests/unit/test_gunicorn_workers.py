"""The gunicorn workers answer what gunicorn refuses itself in JSON (webapp/api/workers.py).

Requests go through gunicorn's own parser on a real socket pair, and the worker's handle_error
writes its answer to that socket; tests/reliability/test_bad_input.py does the same over TCP
against a running gunicorn.
"""

from __future__ import annotations

import os
import socket

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
