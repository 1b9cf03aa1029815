"""The event-loop worker (GUNICORN_THREADS=1, webapp/api/workers.py) on a real gunicorn.

It serves each request that has arrived whole on the worker's own thread, a request still
arriving on a thread of its own, keeps connections alive between requests and answers pipelined
requests in order. gthread (GUNICORN_THREADS=2) is the contrast that
shows the thread count below can see a thread pool. Both workers end a connection in their
poller, so a client that keeps its socket open after its last answer holds no one up.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests

from harness.common.procs import HALF_CLOSED, children_of, connections_held
from harness.testing import raw_http
from harness.testing.live_server import LiveServer
from webapp.api.limits import REQUEST_LINE_MAX_BYTES
from webapp.api.workers import LINGER_SECONDS

PIPELINED = 600  # several of gunicorn's 8 KB reads of requests sent in one write
UPLOAD_STALL = 3.0  # seconds the slow upload's second half waits
READ_WITHIN = 1.0  # seconds a request beside it may take, at most
LOOP_HELD = 2.0  # seconds the event-loop worker's loop is held, past a keep-alive of 1 s


def _threads_of(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize(("threads", "expected"), [(1, "one"), (2, "more than one")])
def test_requests_are_served_on_the_workers_own_thread(threads, expected):
    with LiveServer(workers=1, threads=threads) as server:
        with requests.Session() as session:
            for _ in range(20):
                assert session.get(server.url + "/api/users/", timeout=10).status_code == 200
        counts = [_threads_of(pid) for pid in children_of(server.process.pid)]
    assert counts, "no worker process found"
    if expected == "one":
        assert counts == [1], f"threads per worker after 20 requests: {counts}, expected 1"
    else:
        assert all(count > 1 for count in counts), f"gthread's pool not seen: {counts}"


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


def _status(sock: socket.socket, request: bytes) -> int | None:
    """Send REQUEST on the kept-alive SOCK and read its answer's status (None: none came)."""
    sock.sendall(request)
    answers = raw_http.read_responses(sock, [request])
    return answers[0].status if answers else None


def test_a_connection_is_kept_alive_between_requests():
    answers = []
    with (
        LiveServer(workers=1, threads=1) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        request = _get("/api/users/")
        for _ in range(3):
            sock.sendall(request)
            answers += raw_http.read_responses(sock, [request])
    assert [answer.status for answer in answers] == [200, 200, 200], answers
    assert all(answer.headers.get("connection") == "keep-alive" for answer in answers), answers


def test_pipelined_requests_on_one_connection_are_all_answered_in_order():
    with LiveServer(workers=1, threads=1) as server:
        created = requests.post(
            server.url + "/api/users/", json={"dni": "12345678Z", "name": "Ann"}, timeout=10
        ).json()
        known, unknown = f"/api/users/{created['id']}/", f"/api/users/{created['id'] + 1}/"
        paths = [known if i % 2 == 0 else unknown for i in range(PIPELINED)]
        with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
            sent = [_get(path) for path in paths]
            sock.sendall(b"".join(sent))
            answers = raw_http.read_responses(sock, sent)
        # The same server still answers others afterwards.
        after = requests.get(server.url + known, timeout=10)
    statuses = [answer.status for answer in answers]
    print(f"event-loop worker: {len(answers)} of {PIPELINED} pipelined requests answered")
    assert len(answers) == PIPELINED, f"only {len(answers)} of {PIPELINED} answered"
    assert statuses == [200 if i % 2 == 0 else 404 for i in range(PIPELINED)], statuses[:20]
    assert after.status_code == 200


def test_a_slow_upload_does_not_hold_the_connections_parked_beside_it():
    # One worker: the upload and the reads are on the same worker's connections.
    with (
        LiveServer(workers=1, threads=1) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as reader,
    ):
        assert _status(reader, _get("/api/users/")) == 200  # now a kept-alive connection
        upload, rest = raw_http.start_half_sent_post(
            server.port, {"dni": "87654321X", "name": "Slow"}
        )
        with upload:
            finish = threading.Timer(UPLOAD_STALL, upload.sendall, [rest])
            time.sleep(0.3)  # the worker has seen the upload's first half
            finish.start()
            waits = []
            for _ in range(5):
                started = time.monotonic()
                try:
                    assert _status(reader, _get("/api/users/")) == 200
                except OSError as exc:  # closed while it waited: as bad as a slow read
                    pytest.fail(f"a read beside a stalled upload failed: {exc!r}")
                waits.append(time.monotonic() - started)
            # requests (urllib3) writes a POST's head and body apart: it must not wait either.
            with requests.Session() as session:
                for n in range(5):
                    started = time.monotonic()
                    created = session.post(
                        server.url + "/api/users/",
                        json={"dni": f"1111111{n}A", "name": "Beside"},
                        timeout=10,
                    )
                    waits.append(time.monotonic() - started)
                    assert created.status_code == 201, created.text
            finish.join()
            uploaded = raw_http.parse_response(upload.recv(65536))
    print(f"event-loop worker: requests beside a stalled upload took at most {max(waits):.3f}s")
    assert max(waits) < READ_WITHIN, (
        f"a request waited {max(waits):.2f}s beside an upload stalled for {UPLOAD_STALL}s: the "
        "worker held it behind the upload"
    )
    assert uploaded.status == 201, uploaded


def _closing_get(sock: socket.socket) -> int | None:
    """A GET that asks the worker to end the connection; the socket stays open after it."""
    return _status(
        sock, b"GET /api/users/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )


@pytest.mark.parametrize(
    "threads", [pytest.param(1, id="event-loop"), pytest.param(2, id="gthread")]
)
def test_a_client_that_keeps_its_socket_open_after_the_last_answer_holds_no_one_up(threads):
    # After an answer with "Connection: close" the worker waits up to 2 s for the client to
    # close too (RFC 9112 section 9.6); gunicorn waits on the worker's loop, which serves no one
    # meanwhile.
    with (
        LiveServer(workers=1, threads=threads) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as reader,
    ):
        assert _status(reader, _get("/api/users/")) == 200  # a kept-alive connection
        waits = []
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as closer:
                assert _closing_get(closer) == 200
                assert closer.recv(1) == b"", "the worker did not end the connection it closed"
                started = time.monotonic()
                assert _status(reader, _get("/api/users/")) == 200
                waits.append(time.monotonic() - started)
        # The client's close ends the worker's wait: the next connection is answered too.
        assert requests.get(server.url + "/api/users/", timeout=10).status_code == 200
        # A client that never closes: the worker gives its socket up after LINGER_SECONDS.
        (worker,) = children_of(server.process.pid)
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as closer:
            assert _closing_get(closer) == 200
            assert closer.recv(1) == b""  # the worker has half-closed it
            lingering = connections_held(worker, server.port, HALF_CLOSED)
            time.sleep(LINGER_SECONDS + 1.5)  # and at most one turn of the loop (1 s)
            after = connections_held(worker, server.port, HALF_CLOSED)
    print(f"requests beside a client that keeps its socket open took at most {max(waits):.3f}s")
    assert max(waits) < READ_WITHIN, (
        f"a request waited {max(waits):.2f}s while another client kept its socket open after "
        "its last answer: the worker waited for that client's close instead of serving"
    )
    assert lingering == 1, f"{lingering} half-closed connections held by the worker, expected 1"
    assert after == 0, f"the worker still held {after} connections {LINGER_SECONDS}s after"


@pytest.mark.parametrize(
    "threads", [pytest.param(1, id="event-loop"), pytest.param(2, id="gthread")]
)
def test_a_refusal_reaches_a_client_whose_request_was_not_read_to_its_end(threads):
    # The worker answers 414 after the request line and closes; what it never read must be
    # drained first, or the kernel resets the connection and the client can lose the answer.
    refused = b"GET /" + b"a" * REQUEST_LINE_MAX_BYTES + b" HTTP/1.1\r\nHost: localhost\r\n"
    unread = b"X-Filler: " + b"f" * 30_000 + b"\r\n\r\n"
    with LiveServer(workers=1, threads=threads) as server:
        answers = [raw_http.exchange(server.port, refused + unread) for _ in range(5)]
    assert [(answer.status, answer.error) for answer in answers] == [(414, None)] * 5, answers
    assert all(answer.headers.get("content-type") == "application/json" for answer in answers)


def test_a_request_waiting_while_the_loop_was_held_is_served_not_reset():
    # A write waiting on the SQLite lock holds the event-loop worker's loop; meanwhile a
    # kept-alive connection passes its GUNICORN_KEEPALIVE with a request waiting on it.
    env = {"GUNICORN_KEEPALIVE": "1"}
    with (
        LiveServer(workers=1, threads=1, env=env) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as reader,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as writer,
    ):
        assert _status(reader, _get("/api/users/")) == 200  # parked, kept alive for 1 s
        body = json.dumps({"dni": "12345678Z", "name": "Held"}).encode()
        post = (
            b"POST /api/users/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        lock = sqlite3.connect(server.data_dir / "db.sqlite3", isolation_level=None)
        try:
            lock.execute("BEGIN IMMEDIATE")  # the worker's write now waits (up to 10 s)
            writer.sendall(post)
            time.sleep(0.3)  # the worker is in the write
            reader.sendall(_get("/api/users/"))
            time.sleep(LOOP_HELD)  # past the reader's keep-alive
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        written = raw_http.read_responses(writer, [post])
        try:
            answers = raw_http.read_responses(reader, [_get("/api/users/")])
            got = answers[0].status if answers else "no answer"
        except OSError as exc:
            got = repr(exc)
    assert [answer.status for answer in written] == [201], written
    assert got == 200, (
        f"the request sent while the loop was held got {got}: its connection was closed as "
        "expired instead of served"
    )
