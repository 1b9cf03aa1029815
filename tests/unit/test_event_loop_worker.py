"""The event-loop worker (GUNICORN_THREADS=1, webapp/api/workers.py) on a real gunicorn.

It serves each request that has arrived whole on the worker's own thread, a request still
arriving on a thread of its own, keeps connections alive between requests and answers pipelined
requests in order. gthread (GUNICORN_THREADS=2) is the contrast that
shows the thread count below can see a thread pool.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from harness.common.procs import children_of
from harness.testing import raw_http
from harness.testing.live_server import LiveServer

PIPELINED = 600  # several of gunicorn's 8 KB reads of requests sent in one write
UPLOAD_STALL = 3.0  # seconds the slow upload's second half waits
READ_WITHIN = 1.0  # seconds a request beside it may take, at most


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


@pytest.mark.parametrize(
    "threads", [pytest.param(1, id="event-loop"), pytest.param(2, id="gthread")]
)
def test_a_request_waiting_while_the_loop_was_held_is_served_not_reset(threads):
    # gunicorn's graceful close holds the worker's loop up to 2 s for a client that keeps its
    # socket open after a "Connection: close" answer; meanwhile a kept-alive connection passes
    # its GUNICORN_KEEPALIVE with a request waiting on it.
    env = {"GUNICORN_KEEPALIVE": "1"}
    with (
        LiveServer(workers=1, threads=threads, env=env) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as reader,
    ):
        assert _status(reader, _get("/api/users/")) == 200  # parked, kept alive for 1 s
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as closer:
            closing = b"GET /api/users/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            assert _status(closer, closing) == 200  # the worker now waits for our close
            try:
                got = _status(reader, _get("/api/users/"))
            except OSError as exc:
                got = repr(exc)
    assert got == 200, (
        f"the request sent while the loop was held got {got}: its connection was closed as "
        "expired instead of served"
    )
