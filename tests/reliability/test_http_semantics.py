"""HTTP a client can rely on, over raw sockets to the real server on loopback.

One answer per request, in order; a response after which the server closes says so; a body the
service refuses unread never costs the client its next request; HEAD wherever GET; a chunked
body accepted within the size limit and refused in JSON over it; an HTTP/1.1 request without
Host refused; clients that dribble their headers or send half a body and vanish do not stop
others being served. Every loop is bounded in count and time.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from harness.testing import raw_http
from harness.testing.live_server import LiveServer

LIMIT = 1024  # MAX_REQUEST_BODY_BYTES of the server under test
HOST = b"Host: 127.0.0.1\r\n"
SLOW_CLIENTS = 30  # a few dozen hostile clients at once
ANSWER_WITHIN = 3.0  # seconds for a normal request beside them; a normal answer takes ms


@pytest.fixture(scope="module")
def server():
    # SQLite: these are protocol questions; the database plays no part.
    with LiveServer(workers=2, threads=2, env={"MAX_REQUEST_BODY_BYTES": str(LIMIT)}) as live:
        created = requests.post(
            live.url + "/api/users/", json={"dni": "1", "name": "One"}, timeout=10
        )
        assert created.status_code == 201, created.text
        yield live


def converse(port: int, sent: list[bytes], timeout: float = 5) -> list[raw_http.RawResponse]:
    """Send these requests at once on one connection (pipelined) and read an answer to each, or
    fewer if the server closes; each answer is recorded with its own request."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"".join(sent))
        return raw_http.read_responses(sock, sent)


def closed_by_server(sock: socket.socket, wait: float = 2.0) -> bool:
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def test_pipelined_requests_are_answered_in_order(server):
    paths = ["/healthz", "/api/users/1/", "/api/users/999/", "/readyz"]
    answers = converse(
        server.port, [f"GET {p} HTTP/1.1\r\n".encode() + HOST + b"\r\n" for p in paths]
    )
    assert [a.status for a in answers] == [200, 200, 404, 200]
    assert answers[1].json()["dni"] == "1"


def test_a_body_refused_unread_does_not_cost_the_next_request(server):
    too_large = b"x" * (LIMIT + 1)
    head = (
        b"POST /api/users/ HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(too_large)
    )
    get = b"GET /api/users/1/ HTTP/1.1\r\n" + HOST + b"\r\n"
    answers = converse(server.port, [head + too_large, get])
    assert [a.status for a in answers][:1] == [413]
    # Either the next request is answered on the same connection, or the 413 said it would close.
    assert len(answers) == 2 or answers[0].headers.get("connection") == "close", answers[0].raw
    if len(answers) == 2:
        assert answers[1].status == 200
    # As a client library reuses its connection: every request after a 413 is answered.
    with requests.Session() as session:
        for _ in range(20):
            refused = session.post(
                server.url + "/api/users/",
                data=too_large,
                timeout=5,
                headers={"Content-Type": "application/json"},
            )
            assert refused.status_code == 413
            assert session.get(server.url + "/api/users/1/", timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("content_type", "status"), [(b"text/plain", 415), (b"application/json", 400)]
)
def test_a_refusal_that_never_looks_at_the_body_keeps_the_connection(server, content_type, status):
    body = b"not JSON " * 50
    post = (
        b"POST /api/users/ HTTP/1.1\r\n" + HOST + b"Content-Type: " + content_type + b"\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    get = b"GET /api/users/1/ HTTP/1.1\r\n" + HOST + b"\r\n"
    answers = converse(server.port, [post, get])
    assert [a.status for a in answers] == [status, 200]


def test_a_refusal_before_the_body_is_sent_says_connection_close(server):
    head = (
        b"POST /api/users/ HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (LIMIT * 10)
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head)  # the body never comes
        answers = raw_http.read_responses(sock, [head])
        assert answers[0].status == 413
        if closed_by_server(sock):
            assert answers[0].headers.get("connection") == "close", answers[0].raw


@pytest.mark.parametrize(
    "path", ["/api/users/", "/api/users/1/", "/api/users/999/", "/healthz", "/readyz", "/api/"]
)
def test_head_is_answered_wherever_get_is_with_the_same_headers_and_no_body(server, path):
    get = requests.get(server.url + path, timeout=5)
    head = requests.head(server.url + path, timeout=5)
    assert head.status_code == get.status_code
    assert head.content == b""
    for name in ("Content-Type", "Allow", "Content-Length"):
        assert head.headers.get(name) == get.headers.get(name), name


def _chunked(body: bytes, size: int = 100) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_a_chunked_body_within_the_limit_is_accepted_and_one_over_it_gets_the_json_413(server):
    head = (
        b"POST /api/users/ HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    created = raw_http.exchange(
        server.port, head + _chunked(b'{"dni": "chunks", "name": "In chunks"}')
    )
    assert created.status == 201, created.raw[:300]
    assert created.json()["name"] == "In chunks"
    padding = b" " * LIMIT
    refused = raw_http.exchange(
        server.port, head + _chunked(b'{"dni": "big", "name": "x"}' + padding)
    )
    assert refused.status == 413, refused.raw[:300]
    assert refused.json()["detail"].startswith("Request body too large")
    assert requests.get(server.url + "/api/users/", timeout=5).json()[-1]["dni"] == "chunks"


def test_a_malformed_chunked_body_gets_one_answer(server):
    data = (
        b"POST /api/users/ HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
    )
    answer = raw_http.exchange(server.port, data, timeout=5)
    assert answer.status is not None, answer.raw[:300]
    assert 400 <= answer.status < 500, answer.raw[:300]
    assert answer.raw.count(b"HTTP/1.1 ") == 1, answer.raw  # one answer, nothing unrequested


def test_an_http11_request_without_host_gets_the_json_400(server):
    answer = raw_http.exchange(
        server.port, b"GET /api/users/ HTTP/1.1\r\nConnection: close\r\n\r\n"
    )
    assert answer.status == 400
    assert "Host header" in answer.json()["detail"]


def _served_beside(server, hostile) -> tuple[float, list[str]]:
    """Start the hostile clients, then time normal reads beside them; return the slowest and
    the failures. The hostile clients stop by themselves."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=hostile, args=(server.port, stop), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    slowest, failures = 0.0, []
    try:
        for _ in range(10):
            start = time.monotonic()
            try:
                if requests.get(server.url + "/api/users/1/", timeout=10).status_code != 200:
                    failures.append("not 200")
            except requests.RequestException as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            slowest = max(slowest, time.monotonic() - start)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    return slowest, failures


def dribble_headers(port: int, stop: threading.Event) -> None:
    """A client that sends its request's head a byte at a time, a byte a second."""
    head = b"GET /api/users/1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 20
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for byte in head[:5]:
            if stop.wait(1.0):
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return


def half_body_then_vanish(port: int, stop: threading.Event) -> None:
    sock, _ = raw_http.start_half_sent_post(port, {"dni": "never", "name": "Never"}, timeout=5)
    stop.wait(1.0)
    sock.close()


@pytest.mark.parametrize("hostile", [dribble_headers, half_body_then_vanish])
def test_hostile_clients_do_not_stop_others_being_served(server, hostile):
    slowest, failures = _served_beside(server, hostile)
    print(
        f"{SLOW_CLIENTS} clients doing {hostile.__name__}: slowest read beside them {slowest:.2f}s"
    )
    assert not failures, failures[:3]
    assert slowest < ANSWER_WITHIN, (
        f"a read took {slowest:.1f}s beside {SLOW_CLIENTS} clients doing {hostile.__name__}"
    )
