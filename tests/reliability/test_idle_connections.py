"""Idle connections: more clients that connect and send nothing than the server has threads.

prd's gunicorn runs gthread workers (GUNICORN_THREADS above 1; the manifests gate checks it):
they park a connection in their poller until its first bytes arrive, so idle connections (a
browser's preconnect, a client that stalls) take no thread, the service answers everyone else
at once, and no worker is killed for a timeout. gunicorn's sync worker would instead block on
the first idle connection until its worker timeout (docs/performance.md, "gthread in prd").
"""

import socket
import time

import requests

from harness.testing.live_server import LiveServer

WORKERS, THREADS = 2, 2  # prd's ConfigMap (k8s/base/kustomization.yaml)
IDLE = 2 * WORKERS * THREADS  # twice the requests the server can serve at once
TIMEOUT = 10  # GUNICORN_TIMEOUT given to the server: a blocked worker would be killed after it
ANSWER_WITHIN = 3.0  # seconds; far below TIMEOUT, far above a normal answer
READS = 20


def test_idle_connections_hold_no_thread_and_every_other_client_is_answered():
    server = LiveServer(workers=WORKERS, threads=THREADS, env={"GUNICORN_TIMEOUT": str(TIMEOUT)})
    with server:
        idle = [
            socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(IDLE)
        ]
        try:
            time.sleep(0.5)  # every idle connection accepted before the reads start
            slowest, failures = 0.0, []
            for _ in range(READS):
                start = time.monotonic()
                try:
                    response = requests.get(server.url + "/api/users/", timeout=TIMEOUT + 5)
                    if response.status_code != 200:
                        failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
                except requests.RequestException as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                slowest = max(slowest, time.monotonic() - start)
            still_open = sum(1 for sock in idle if _open(sock))
        finally:
            for sock in idle:
                sock.close()
        log = server.log()
    print(
        f"idle connections: {IDLE} open and silent ({WORKERS} workers x {THREADS} threads); "
        f"{READS} reads beside them, slowest {slowest:.2f}s; {still_open} idle still open"
    )
    assert not failures, f"{len(failures)} reads failed beside idle connections: {failures[:3]}"
    assert slowest < ANSWER_WITHIN, (
        f"a read took {slowest:.1f}s beside {IDLE} idle connections (limit {ANSWER_WITHIN}s): "
        "idle connections are holding the workers"
    )
    assert "WORKER TIMEOUT" not in log, f"a worker was killed for a timeout:\n{log[-3000:]}"


def _open(sock: socket.socket) -> bool:
    """The server has not closed this idle connection (keep-alive may close it later)."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
