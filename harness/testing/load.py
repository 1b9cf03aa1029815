"""A bounded mixed load on a live server, recording every answer: for the reliability gate's
fault tests (a frozen database, killed workers). Loopback only; it stops by itself."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests


@dataclass
class Answer:
    phase: str
    method: str
    path: str
    started: float
    seconds: float
    status: int | None  # None: no HTTP answer (connection reset, refused, timed out)
    error: str = ""
    created: dict | None = None


@dataclass
class MixedLoad:
    """CLIENTS threads, each a loop of list / read / create, until stop() or MAX_SECONDS."""

    base_url: str
    clients: int = 4
    max_seconds: float = 60.0
    timeout: float = 20.0
    phase: str = "before"
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._tag = uuid.uuid4().hex[:6]
        self._numbers = itertools.count()
        self._threads = [
            threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)
        ]

    def __enter__(self) -> MixedLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def _client(self) -> None:
        session = requests.Session()
        deadline = time.monotonic() + self.max_seconds
        for turn in itertools.count():
            if self._stop.is_set() or time.monotonic() > deadline:
                return
            self._one(session, turn % 3)

    def _one(self, session: requests.Session, kind: int) -> None:
        if kind == 2:
            number = next(self._numbers)
            method, path = "POST", "/api/users/"
            kwargs = {"json": {"dni": f"l{self._tag}{number}", "name": "Load"}}
        else:
            method, path, kwargs = "GET", ("/api/users/", "/api/users/1/")[kind], {}
        phase, start = self.phase, time.monotonic()
        try:
            response = session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
            status, error = response.status_code, ""
            created = response.json() if method == "POST" and status == 201 else None
        except requests.RequestException as exc:
            status, error, created = None, type(exc).__name__, None
        answer = Answer(
            phase, method, path, start, time.monotonic() - start, status, error, created
        )
        with self._lock:
            self.answers.append(answer)

    def of(self, phase: str) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.phase == phase]

    def statuses(self, phase: str) -> Counter:
        return Counter(a.status if a.status is not None else a.error for a in self.of(phase))

    def created(self) -> list[dict]:
        with self._lock:
            return [a.created for a in self.answers if a.created]
