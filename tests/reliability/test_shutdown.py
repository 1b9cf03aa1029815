"""Graceful shutdown: SIGTERM while requests are in flight.

Requests already in flight when SIGTERM arrives complete (including slow uploads that finish
after it), no client sees a connection reset, and the server exits within its grace period.
Clients stop starting new requests at SIGTERM, as a load balancer stops routing to a pod that
is terminating (a connection opened later may be refused or, while the workers drain, reset: the
deployment must stop routing before it sends SIGTERM).
"""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
import uuid

import pytest
import requests

from tests.support.live_server import LiveServer
from tests.support.raw_http import start_half_sent_post

GRACE = 10  # GUNICORN_GRACEFUL_TIMEOUT of the server under test
WORKERS = 2
SLOW_FINISH_AFTER = 1.5  # seconds after SIGTERM that the slow uploads send their last bytes
LOAD_SECONDS = 3  # load before SIGTERM
MAX_REQUESTS = 5000


def slow_create(port: int, dni: str, sent_half: threading.Event, finish: threading.Event):
    """POST a user, sending the body in two halves; return (status, body) or raise."""
    sock, rest = start_half_sent_post(port, {"dni": dni, "name": "Slow upload"}, timeout=GRACE + 10)
    with sock:
        sent_half.set()
        finish.wait(timeout=30)
        sock.sendall(rest)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


@pytest.mark.parametrize(
    ("threads", "load_clients", "slow_clients"),
    [
        # gthread workers (GUNICORN_THREADS>1): 8 requests at a time. The looping clients keep
        # their connections alive, so their requests in flight at SIGTERM are on connections the
        # server has accepted; gunicorn answers them during the grace period.
        pytest.param(4, 3, 3, id="gthread-2x4"),
        # sync workers (the default, GUNICORN_THREADS=1): one request per worker and a new
        # connection per request. A connection opened just as SIGTERM lands sits in the kernel's
        # accept queue and is reset when the workers exit, so the looping client finishes its
        # last request first; the slow upload is the request in flight at SIGTERM.
        pytest.param(1, 1, 1, id="sync-2x1"),
    ],
)
def test_sigterm_lets_in_flight_requests_finish_and_exits_in_time(
    cluster, threads, load_clients, slow_clients
):
    keep_alive = threads > 1
    problems: list[str] = []
    created: list[dict] = []
    counts = {"requests": 0}
    spans: list[tuple[float, float]] = []  # (start, end) of every load request
    lock = threading.Lock()
    stop_starting = threading.Event()
    finish_slow = threading.Event()
    term_sent_at: list[float] = []

    server = LiveServer(
        database_url=cluster.url, workers=WORKERS, threads=threads, graceful_timeout=GRACE
    )
    with server:
        port = server.port

        def load(index: int) -> None:
            client = requests.Session() if keep_alive else requests
            headers = {} if keep_alive else {"Connection": "close"}
            n = 0
            while not stop_starting.is_set() and counts["requests"] < MAX_REQUESTS:
                n += 1
                started = time.monotonic()
                try:
                    if n % 3 == 0:
                        dni = f"g{index}-{uuid.uuid4().hex[:9]}"
                        response = client.post(
                            server.url + "/api/users/",
                            json={"dni": dni, "name": "Load"},
                            headers=headers,
                            timeout=GRACE + 10,
                        )
                        if response.status_code == 201:
                            with lock:
                                created.append(response.json())
                    else:
                        response = client.get(
                            server.url + "/api/users/1/", headers=headers, timeout=GRACE + 10
                        )
                    with lock:
                        counts["requests"] += 1
                        spans.append((started, time.monotonic()))
                    if response.status_code >= 500:
                        with lock:
                            problems.append(f"load client {index}: HTTP {response.status_code}")
                except requests.RequestException as exc:
                    with lock:
                        problems.append(f"load client {index}: {type(exc).__name__}: {exc}")
                    return

        slow_results: list[object] = []
        halves = [threading.Event() for _ in range(slow_clients)]

        def slow(index: int) -> None:
            dni = f"s{index}-{uuid.uuid4().hex[:9]}"
            try:
                status, body = slow_create(port, dni, halves[index], finish_slow)
                slow_results.append((status, body))
            except (OSError, ValueError, http.client.HTTPException) as exc:
                slow_results.append(f"{type(exc).__name__}: {exc}")

        loaders = [threading.Thread(target=load, args=(i,)) for i in range(load_clients)]
        slows = [threading.Thread(target=slow, args=(i,)) for i in range(slow_clients)]
        for thread in loaders + slows:
            thread.start()
        time.sleep(LOAD_SECONDS)
        for half in halves:
            half.wait(timeout=10)
        time.sleep(0.3)  # the server has accepted the slow uploads and is reading them

        stop_starting.set()
        if not keep_alive:
            for thread in loaders:
                thread.join(timeout=GRACE)
        term_sent_at.append(time.monotonic())
        server.process.send_signal(signal.SIGTERM)
        time.sleep(SLOW_FINISH_AFTER)
        finish_slow.set()
        for thread in loaders + slows:
            thread.join(timeout=GRACE + 15)
        try:
            code = server.process.wait(timeout=GRACE + 10)
        except Exception:
            code = None
        exit_seconds = time.monotonic() - term_sent_at[0]
        log = server.log()

    for result in slow_results:
        if isinstance(result, str) or result[0] != 201:
            problems.append(f"slow upload in flight at SIGTERM: {result} (expected 201)")
        else:
            created.append(result[1])
    if len(slow_results) != slow_clients:
        problems.append(f"only {len(slow_results)} of {slow_clients} slow uploads finished")
    if code != 0:
        problems.append(f"gunicorn exit code {code}, expected 0")
    if exit_seconds > GRACE:
        problems.append(f"gunicorn took {exit_seconds:.1f}s to exit, grace period {GRACE}s")
    stored = {
        row[0]
        for row in cluster.query("SELECT dni FROM api_user WHERE name IN ('Load', 'Slow upload')")
    }
    lost = [user for user in created if user["dni"] not in stored]
    if lost:
        problems.append(f"{len(lost)} users answered 201 are not stored: {lost[:3]}")
    in_flight = sum(1 for start, end in spans if start < term_sent_at[0] < end)
    print(
        f"shutdown: {counts['requests']} load requests ({in_flight} in flight at SIGTERM), "
        f"{len(created)} users created, "
        f"{slow_clients} slow uploads finished {SLOW_FINISH_AFTER}s after SIGTERM, "
        f"exit code {code} after {exit_seconds:.1f}s (grace {GRACE}s)"
    )
    assert not problems, "\n".join(problems[:20]) + f"\n--- server log (tail) ---\n{log[-3000:]}"
