"""Mixed load of reads and creates for a bounded time: zero 5xx, and nothing is lost.

Every user that got a 201 is read back afterwards, through the API and straight from the
database. Figures (request rate, latency percentiles) are printed, never asserted.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests

from harness.common.env import env_float
from harness.testing.live_server import LiveServer

SECONDS = env_float("RELIABILITY_LOAD_SECONDS", 20.0, minimum=1.0, maximum=30.0)
CLIENTS = 6
MAX_REQUESTS = 60_000
UNKNOWN_ID = 2**63 - 1


@dataclass
class Tally:
    """What every client saw, shared between their threads."""

    created: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, expected: int, call: str, response, elapsed: float) -> None:
        with self.lock:
            self.latencies.append(elapsed)
            self.statuses[response.status_code] += 1
            if response.status_code != expected:
                self.problems.append(
                    f"{kind} {call}: HTTP {response.status_code} "
                    f"{response.text[:200]} (expected {expected})"
                )
            elif kind == "create":
                self.created.append(response.json())


def next_call(roll: float, known: dict | None, dni: str, index: int):
    """The next request of a client: (kind, expected status, (method, path, body))."""
    if roll < 0.30 or known is None:
        return "create", 201, ("POST", "/api/users/", {"dni": dni, "name": f"Load {index}"})
    if roll < 0.35:
        return "duplicate", 400, ("POST", "/api/users/", {"dni": known["dni"], "name": "Again"})
    if roll < 0.80:
        return "read", 200, ("GET", f"/api/users/{known['id']}/", None)
    if roll < 0.95:
        return "unknown", 404, ("GET", f"/api/users/{UNKNOWN_ID}/", None)
    return "list", 200, ("GET", "/api/users/", None)


def client(url: str, tag: str, index: int, deadline: float, tally: Tally) -> None:
    rng = random.Random(index)
    session = requests.Session()
    n = 0
    while time.monotonic() < deadline and len(tally.latencies) < MAX_REQUESTS:
        n += 1
        roll = rng.random()
        with tally.lock:
            known = rng.choice(tally.created) if tally.created else None
        kind, expected, (method, path, body) = next_call(roll, known, f"m{tag}{index}-{n}", index)
        start = time.monotonic()
        try:
            response = session.request(method, url + path, json=body, timeout=30)
        except requests.RequestException as exc:
            with tally.lock:
                tally.problems.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            continue
        tally.record(kind, expected, f"{method} {path}", response, time.monotonic() - start)


def run_clients(url: str, tag: str, tally: Tally) -> float:
    """Run every client until the load's time is up; return how long they ran."""
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=client, args=(url, tag, i, deadline, tally)) for i in range(CLIENTS)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    return time.monotonic() - started


def unreadable_users(url: str, created: list[dict]) -> list[tuple]:
    reader = requests.Session()
    unreadable = []
    for user in created:
        read = reader.get(f"{url}/api/users/{user['id']}/", timeout=30)
        if read.status_code != 200 or read.json() != user:
            unreadable.append((user, read.status_code, read.text[:100]))
    return unreadable


def percentile_ms(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def test_mixed_load_has_no_5xx_and_loses_no_user(cluster):
    tally = Tally()
    tag = uuid.uuid4().hex[:4]

    with LiveServer(database_url=cluster.url, workers=2, threads=2) as server:
        duration = run_clients(server.url, tag, tally)
        unreadable = unreadable_users(server.url, tally.created)
        log = server.log()

    created, latencies, statuses = tally.created, tally.latencies, tally.statuses
    stored = {
        row[0] for row in cluster.query("SELECT dni FROM api_user WHERE dni LIKE %s", (f"m{tag}%",))
    }
    missing = [user for user in created if user["dni"] not in stored]
    latencies.sort()
    print(
        f"mixed load: {len(latencies)} requests in {duration:.1f}s "
        f"({len(latencies) / duration:.0f}/s) from {CLIENTS} clients; statuses {dict(statuses)}; "
        f"latency p50 {percentile_ms(latencies, 0.5):.1f} ms, "
        f"p95 {percentile_ms(latencies, 0.95):.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms; "
        f"{len(created)} users created, all read back: {not unreadable and not missing}"
    )
    fives = sum(count for status, count in statuses.items() if status >= 500)
    problems = tally.problems
    healthy = fives == 0 and not problems and not unreadable and not missing
    assert healthy, (
        f"{fives} responses were 5xx; {len(problems)} unexpected answers: {problems[:10]}\n"
        f"{len(unreadable)} of {len(created)} created users do not read back: {unreadable[:5]}\n"
        f"{len(missing)} are missing from the database: {missing[:5]}\n"
        f"--- server log (tail) ---\n{log[-3000:]}"
    )
