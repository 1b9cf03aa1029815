"""A bounded HTTP load from the checker's own process: N clients sharing a fixed request rate.

Each client is a thread with its own keep-alive session. Together they send at most
``rate`` requests per second for ``duration`` seconds, so the number of requests is bounded by
rate x duration whatever the server does; a slow server gets fewer, not more (and every request
has a timeout).
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass

import requests


@dataclass(frozen=True)
class Result:
    at: float  # monotonic time the answer (or the error) arrived
    latency: float  # seconds
    ok: bool
    outcome: str  # "200", "503", "ConnectionError", ...


def p95(latencies: list[float]) -> float | None:
    if not latencies:
        return None
    ordered = sorted(latencies)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Window:
    requests: int
    errors: int
    rate: float
    p95_ms: float | None
    outcomes: dict


def summarise(results: list[Result], seconds: float) -> Window:
    latencies = [r.latency for r in results]
    value = p95(latencies)
    return Window(
        requests=len(results),
        errors=sum(not r.ok for r in results),
        rate=len(results) / seconds if seconds > 0 else 0.0,
        p95_ms=None if value is None else round(value * 1000, 1),
        outcomes=dict(Counter(r.outcome for r in results)),
    )


class Load:
    def __init__(self, url: str, concurrency: int, rate: float, duration: float, timeout: float):
        self.url = url
        self.concurrency = concurrency
        self.rate = rate
        self.duration = duration
        self.timeout = timeout
        self.results: list[Result] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._next_slot = 0
        self.started_at: float | None = None
        self.ended_at: float | None = None

    def _slot(self) -> float | None:
        """The start time of the next request, or None when the load is over.

        Slots more than a second late (every client was busy) are dropped, not caught up in a
        burst, so the rate never exceeds ``rate`` over any second by more than one second's worth.
        """
        with self._lock:
            late = time.monotonic() - 1.0 - self.started_at
            self._next_slot = max(self._next_slot, math.ceil(late * self.rate))
            at = self.started_at + self._next_slot / self.rate
            self._next_slot += 1
        return None if at >= self.started_at + self.duration else at

    def _client(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                at = self._slot()
                if at is None:
                    return
                delay = at - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
                began = time.monotonic()
                try:
                    response = session.get(self.url, timeout=self.timeout)
                    ok, outcome = 200 <= response.status_code < 400, str(response.status_code)
                except requests.RequestException as exc:
                    ok, outcome = False, type(exc).__name__
                now = time.monotonic()
                with self._lock:
                    self.results.append(Result(now, now - began, ok, outcome))

    def start(self) -> Load:
        self.started_at = time.monotonic()
        for i in range(self.concurrency):
            thread = threading.Thread(target=self._client, name=f"load-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def join(self) -> None:
        for thread in self._threads:
            thread.join(self.timeout + 5)
        self.ended_at = time.monotonic()

    def stop(self) -> None:
        self._stop.set()
        self.join()

    def between(self, start: float, end: float) -> list[Result]:
        with self._lock:
            return [r for r in self.results if start <= r.at < end]
