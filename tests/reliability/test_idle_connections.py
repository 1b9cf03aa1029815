"""Idle connections: more clients that connect and send nothing than the server has threads.

The server (granian) keeps an idle connection (a browser's preconnect, a client that stalls
before its request) in its own I/O loop, not on a thread of the app: everyone else is answered
at once, and the server closes every idle connection after about SERVER_HEADER_READ_TIMEOUT
seconds.
"""

import socket
import time

import requests

from harness.testing.live_server import LiveServer

WORKERS = 2  # prd's ConfigMap (k8s/base/kustomization.yaml)
THREADS = 2
IDLE = 8  # at least twice the requests the server below can serve at once
KEEPALIVE = 1  # seconds a new connection may stay silent: short, so that the closes are seen
TIMEOUT = 10  # seconds a read below may take before it counts as failed
ANSWER_WITHIN = 3.0  # seconds; far below TIMEOUT, far above a normal answer
# Seconds of reads beside the idle connections: well past KEEPALIVE, when the closes are due.
WATCH = 8.0
READS = 20  # at least this many, however soon the idle connections are closed


def test_idle_connections_hold_no_worker_and_every_other_client_is_answered():
    env = {"SERVER_HEADER_READ_TIMEOUT": str(KEEPALIVE)}
    with LiveServer(workers=WORKERS, threads=THREADS, env=env) as server:
        idle = [
            socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(IDLE)
        ]
        try:
            reads, slowest, failures = _read_beside(server.url, idle)
            still_open = sum(1 for sock in idle if _open(sock))
        finally:
            for sock in idle:
                sock.close()
        log = server.log()
    print(
        f"idle connections: {IDLE} open and silent ({WORKERS} workers x {THREADS} threads); "
        f"{reads} reads beside them, slowest {slowest:.2f}s; {still_open} idle still open"
    )
    assert not failures, f"{len(failures)} reads failed beside idle connections: {failures[:3]}"
    assert slowest < ANSWER_WITHIN, (
        f"a read took {slowest:.1f}s beside {IDLE} idle connections (limit {ANSWER_WITHIN}s): "
        "idle connections are holding the workers"
    )
    assert "Traceback" not in log, log[-3000:]
    assert still_open == 0, (
        f"{still_open} of {IDLE} idle connections still open after {WATCH:.0f}s "
        f"(SERVER_HEADER_READ_TIMEOUT={KEEPALIVE}): the server keeps silent connections"
    )


def _read_beside(url: str, idle: list[socket.socket]) -> tuple[int, float, list[str]]:
    """Reads one after another until WATCH is over or every idle connection is closed."""
    reads, slowest, failures = 0, 0.0, []
    deadline = time.monotonic() + WATCH
    while time.monotonic() < deadline and (reads < READS or any(_open(s) for s in idle)):
        start = time.monotonic()
        try:
            response = requests.get(url + "/api/users/", timeout=TIMEOUT + 5)
            if response.status_code != 200:
                failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
        except requests.RequestException as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        slowest = max(slowest, time.monotonic() - start)
        reads += 1
        time.sleep(0.05)
    return reads, slowest, failures


def _open(sock: socket.socket) -> bool:
    """The server has not closed this idle connection."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
