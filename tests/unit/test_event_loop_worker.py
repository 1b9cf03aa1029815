"""The event-loop worker (GUNICORN_THREADS=1, webapp/api/workers.py) on a real gunicorn.

It serves each request on the worker's own thread, keeps connections alive between requests
and answers pipelined requests in order. gthread (GUNICORN_THREADS=2) is the contrast that
shows the thread count below can see a thread pool.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests

from harness.common.procs import children_of
from harness.testing.live_server import LiveServer

PIPELINED = 600  # several of gunicorn's 8 KB reads of requests sent in one write


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


def _responses(sock: socket.socket, count: int) -> list[tuple[int, dict[str, str], bytes]]:
    """Read COUNT responses (each with a Content-Length) from SOCK, in order."""
    buffer, answers = b"", []
    while len(answers) < count:
        head_end = buffer.find(b"\r\n\r\n")
        if head_end < 0:
            chunk = sock.recv(65536)
            if not chunk:
                break  # the server closed the connection
            buffer += chunk
            continue
        lines = buffer[:head_end].decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
        }
        length = int(headers.get("content-length", "0"))
        while len(buffer) < head_end + 4 + length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buffer += chunk
        body = buffer[head_end + 4 : head_end + 4 + length]
        answers.append((int(lines[0].split()[1]), headers, body))
        buffer = buffer[head_end + 4 + length :]
    return answers


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


def test_a_connection_is_kept_alive_between_requests():
    answers = []
    with (
        LiveServer(workers=1, threads=1) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        for _ in range(3):
            sock.sendall(_get("/api/users/"))
            answers += _responses(sock, 1)
    assert [status for status, _, _ in answers] == [200, 200, 200], answers
    assert all(headers.get("connection") == "keep-alive" for _, headers, _ in answers), answers


def test_pipelined_requests_on_one_connection_are_all_answered_in_order():
    with LiveServer(workers=1, threads=1) as server:
        created = requests.post(
            server.url + "/api/users/", json={"dni": "12345678Z", "name": "Ann"}, timeout=10
        ).json()
        known, unknown = f"/api/users/{created['id']}/", f"/api/users/{created['id'] + 1}/"
        paths = [known if i % 2 == 0 else unknown for i in range(PIPELINED)]
        with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
            sock.sendall(b"".join(_get(path) for path in paths))
            answers = _responses(sock, PIPELINED)
        # The same server still answers others afterwards.
        after = requests.get(server.url + known, timeout=10)
    statuses = [status for status, _, _ in answers]
    print(f"event-loop worker: {len(answers)} of {PIPELINED} pipelined requests answered")
    assert len(answers) == PIPELINED, f"only {len(answers)} of {PIPELINED} answered"
    assert statuses == [200 if i % 2 == 0 else 404 for i in range(PIPELINED)], statuses[:20]
    assert after.status_code == 200
