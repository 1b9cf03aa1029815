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

from harness.testing.live_server import LiveServer
from harness.testing.raw_http import start_half_sent_post

GRACE = 10  # SERVER_GRACEFUL_TIMEOUT of the server under test
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


class Traffic:
    """The clients of one shutdown, and what they saw: looping load clients that stop starting
    requests at SIGTERM, and slow uploads that send their last bytes after it."""

    def __init__(self, server: LiveServer, keep_alive: bool, slow_clients: int):
        self.server = server
        self.keep_alive = keep_alive
        self.problems: list[str] = []
        self.created: list[dict] = []
        self.load_requests = 0
        self.spans: list[tuple[float, float]] = []  # (start, end) of every load request
        self.lock = threading.Lock()
        self.stop_starting = threading.Event()
        self.finish_slow = threading.Event()
        self.slow_results: list[object] = []
        self.halves = [threading.Event() for _ in range(slow_clients)]
        self.term_sent_at: float | None = None

    def _problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def _request(self, client, headers: dict, index: int, create: bool):
        if not create:
            return client.get(
                self.server.url + "/api/users/1/", headers=headers, timeout=GRACE + 10
            )
        dni = f"g{index}-{uuid.uuid4().hex[:9]}"
        response = client.post(
            self.server.url + "/api/users/",
            json={"dni": dni, "name": "Load"},
            headers=headers,
            timeout=GRACE + 10,
        )
        if response.status_code == 201:
            with self.lock:
                self.created.append(response.json())
        return response

    def load(self, index: int) -> None:
        client = requests.Session() if self.keep_alive else requests
        headers = {} if self.keep_alive else {"Connection": "close"}
        n = 0
        while not self.stop_starting.is_set() and self.load_requests < MAX_REQUESTS:
            n += 1
            started = time.monotonic()
            try:
                response = self._request(client, headers, index, create=n % 3 == 0)
            except requests.RequestException as exc:
                self._problem(f"load client {index}: {type(exc).__name__}: {exc}")
                return
            with self.lock:
                self.load_requests += 1
                self.spans.append((started, time.monotonic()))
            if response.status_code >= 500:
                self._problem(f"load client {index}: HTTP {response.status_code}")

    def slow(self, index: int) -> None:
        dni = f"s{index}-{uuid.uuid4().hex[:9]}"
        try:
            status, body = slow_create(self.server.port, dni, self.halves[index], self.finish_slow)
            self.slow_results.append((status, body))
        except (OSError, ValueError, http.client.HTTPException) as exc:
            self.slow_results.append(f"{type(exc).__name__}: {exc}")

    def through_sigterm(self, load_clients: int) -> tuple[int | None, float]:
        """Load the server, send SIGTERM with requests in flight, let the slow uploads finish;
        return the server's exit code and the seconds it took to exit."""
        loaders = [threading.Thread(target=self.load, args=(i,)) for i in range(load_clients)]
        slows = [threading.Thread(target=self.slow, args=(i,)) for i in range(len(self.halves))]
        for thread in loaders + slows:
            thread.start()
        time.sleep(LOAD_SECONDS)
        for half in self.halves:
            half.wait(timeout=10)
        time.sleep(0.3)  # the server has accepted the slow uploads and is reading them

        self.stop_starting.set()
        if not self.keep_alive:
            for thread in loaders:
                thread.join(timeout=GRACE)
        self.term_sent_at = time.monotonic()
        self.server.process.send_signal(signal.SIGTERM)
        time.sleep(SLOW_FINISH_AFTER)
        self.finish_slow.set()
        for thread in loaders + slows:
            thread.join(timeout=GRACE + 15)
        try:
            code = self.server.process.wait(timeout=GRACE + 10)
        except Exception:
            code = None
        return code, time.monotonic() - self.term_sent_at

    def check_outcome(self, cluster, code: int | None, exit_seconds: float) -> None:
        """Every slow upload got its 201, the server exited cleanly in time, no 201 was lost."""
        slow_clients = len(self.halves)
        for result in self.slow_results:
            if isinstance(result, str) or result[0] != 201:
                self.problems.append(f"slow upload in flight at SIGTERM: {result} (expected 201)")
            else:
                self.created.append(result[1])
        if len(self.slow_results) != slow_clients:
            self.problems.append(
                f"only {len(self.slow_results)} of {slow_clients} slow uploads finished"
            )
        if code != 0:
            self.problems.append(f"server exit code {code}, expected 0")
        if exit_seconds > GRACE:
            self.problems.append(
                f"the server took {exit_seconds:.1f}s to exit, grace period {GRACE}s"
            )
        stored = {
            row[0]
            for row in cluster.query(
                "SELECT dni FROM api_user WHERE name IN ('Load', 'Slow upload')"
            )
        }
        lost = [user for user in self.created if user["dni"] not in stored]
        if lost:
            self.problems.append(f"{len(lost)} users answered 201 are not stored: {lost[:3]}")


@pytest.mark.parametrize(
    ("threads", "load_clients", "slow_clients", "keep_alive"),
    [
        # 2 workers x 4 threads: 8 requests at a time. The looping
        # clients keep their connections alive, so their requests in flight at SIGTERM are on
        # connections the server has accepted; it answers them during the grace period.
        pytest.param(4, 3, 3, True, id="2x4-keep-alive"),
        # One thread a worker: one request at a time per worker.
        pytest.param(1, 1, 1, True, id="2x1-keep-alive"),
        # The same with a client that closes each connection after its answer: a connection
        # opened just as SIGTERM lands sits in the kernel's accept queue and is reset when the
        # workers exit, so the looping client finishes its last request first; the slow upload
        # is the request in flight at SIGTERM.
        pytest.param(1, 1, 1, False, id="2x1-connection-close"),
    ],
)
def test_sigterm_lets_in_flight_requests_finish_and_exits_in_time(
    cluster, threads, load_clients, slow_clients, keep_alive
):
    server = LiveServer(
        database_url=cluster.url, workers=WORKERS, threads=threads, graceful_timeout=GRACE
    )
    with server:
        traffic = Traffic(server, keep_alive=keep_alive, slow_clients=slow_clients)
        code, exit_seconds = traffic.through_sigterm(load_clients)
        log = server.log()

    traffic.check_outcome(cluster, code, exit_seconds)
    in_flight = sum(1 for start, end in traffic.spans if start < traffic.term_sent_at < end)
    print(
        f"shutdown: {traffic.load_requests} load requests ({in_flight} in flight at SIGTERM), "
        f"{len(traffic.created)} users created, "
        f"{slow_clients} slow uploads finished {SLOW_FINISH_AFTER}s after SIGTERM, "
        f"exit code {code} after {exit_seconds:.1f}s (grace {GRACE}s)"
    )
    problems = traffic.problems
    assert not problems, "\n".join(problems[:20]) + f"\n--- server log (tail) ---\n{log[-3000:]}"
