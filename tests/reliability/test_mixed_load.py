"""Mixed load of reads and creates for a bounded time: zero 5xx, and nothing is lost.

Every user that got a 201 is read back afterwards, through the API and straight from the
database. Figures (request rate, latency percentiles) are printed, never asserted.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter

import requests

from tests.support.live_server import LiveServer

SECONDS = min(float(os.environ.get("RELIABILITY_LOAD_SECONDS", "20")), 30.0)
CLIENTS = 6
MAX_REQUESTS = 60_000
UNKNOWN_ID = 2**63 - 1


def test_mixed_load_has_no_5xx_and_loses_no_user(cluster):
    created: list[dict] = []
    problems: list[str] = []
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    tag = uuid.uuid4().hex[:4]

    with LiveServer(database_url=cluster.url, workers=2, threads=2) as server:
        deadline = time.monotonic() + SECONDS

        def client(index: int) -> None:
            rng = random.Random(index)
            session = requests.Session()
            n = 0
            while time.monotonic() < deadline and len(latencies) < MAX_REQUESTS:
                n += 1
                roll = rng.random()
                with lock:
                    known = rng.choice(created) if created else None
                if roll < 0.30 or known is None:
                    kind, expected = "create", 201
                    dni = f"m{tag}{index}-{n}"
                    call = ("POST", "/api/users/", {"dni": dni, "name": f"Load {index}"})
                elif roll < 0.35:
                    kind, expected = "duplicate", 400
                    call = ("POST", "/api/users/", {"dni": known["dni"], "name": "Again"})
                elif roll < 0.80:
                    kind, expected = "read", 200
                    call = ("GET", f"/api/users/{known['id']}/", None)
                elif roll < 0.95:
                    kind, expected = "unknown", 404
                    call = ("GET", f"/api/users/{UNKNOWN_ID}/", None)
                else:
                    kind, expected = "list", 200
                    call = ("GET", "/api/users/", None)
                method, path, body = call
                start = time.monotonic()
                try:
                    response = session.request(method, server.url + path, json=body, timeout=30)
                except requests.RequestException as exc:
                    with lock:
                        problems.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                    continue
                elapsed = time.monotonic() - start
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] += 1
                    if response.status_code != expected:
                        problems.append(
                            f"{kind} {method} {path}: HTTP {response.status_code} "
                            f"{response.text[:200]} (expected {expected})"
                        )
                    elif kind == "create":
                        created.append(response.json())

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
        duration = time.monotonic() - started

        reader = requests.Session()
        unreadable = []
        for user in created:
            read = reader.get(f"{server.url}/api/users/{user['id']}/", timeout=30)
            if read.status_code != 200 or read.json() != user:
                unreadable.append((user, read.status_code, read.text[:100]))
        log = server.log()

    stored = {
        row[0] for row in cluster.query("SELECT dni FROM api_user WHERE dni LIKE %s", (f"m{tag}%",))
    }
    missing = [user for user in created if user["dni"] not in stored]
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(
        f"mixed load: {len(latencies)} requests in {duration:.1f}s "
        f"({len(latencies) / duration:.0f}/s) from {CLIENTS} clients; statuses {dict(statuses)}; "
        f"latency p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms; "
        f"{len(created)} users created, all read back: {not unreadable and not missing}"
    )
    fives = sum(count for status, count in statuses.items() if status >= 500)
    healthy = fives == 0 and not problems and not unreadable and not missing
    assert healthy, (
        f"{fives} responses were 5xx; {len(problems)} unexpected answers: {problems[:10]}\n"
        f"{len(unreadable)} of {len(created)} created users do not read back: {unreadable[:5]}\n"
        f"{len(missing)} are missing from the database: {missing[:5]}\n"
        f"--- server log (tail) ---\n{log[-3000:]}"
    )
