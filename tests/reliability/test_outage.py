"""Database outage: PostgreSQL stops under a running server, then comes back.

While it is down: /healthz stays 200, /readyz is 503, API calls fail fast with 503 and a
{"detail": ...} body. Once it is back: the same server (no restart) serves again, and every
user committed before the outage is still there.
"""

import time
import uuid

import requests

from harness.testing.live_server import LiveServer, wait_ready

CONNECT_TIMEOUT = 2  # DB_CONNECT_TIMEOUT given to the server
FAST = CONNECT_TIMEOUT + 3  # an API call during the outage must answer within this many seconds
BEFORE = 25  # users committed before the outage
CALLS = 12  # calls of each kind during the outage (spread over both workers)


def timed(method: str, url: str, **kwargs) -> tuple[requests.Response | str, float]:
    start = time.monotonic()
    try:
        response = requests.request(method, url, timeout=FAST + 10, **kwargs)
    except requests.RequestException as exc:
        response = f"{type(exc).__name__}: {exc}"
    return response, time.monotonic() - start


def describe(response) -> str:
    if isinstance(response, str):
        return response
    return f"HTTP {response.status_code} {response.text[:200]}"


def commit_users(base: str, tag: str) -> list[dict]:
    committed = []
    for index in range(BEFORE):
        response = requests.post(
            base + "/api/users/", json={"dni": f"o{tag}-{index}", "name": "Before"}, timeout=10
        )
        assert response.status_code == 201, describe(response)
        committed.append(response.json())
    return committed


def check_probes_during_outage(base: str, problems: list[str]) -> None:
    health, _ = timed("GET", base + "/healthz")
    if isinstance(health, str) or health.status_code != 200:
        problems.append(f"/healthz during the outage: {describe(health)}, expected 200")
    ready, _ = timed("GET", base + "/readyz")
    if isinstance(ready, str) or ready.status_code != 503 or "detail" not in ready.json():
        problems.append(f"/readyz during the outage: {describe(ready)}, expected 503")


def check_fails_fast(base: str, method: str, path: str, body, problems: list[str]) -> float:
    """One API call during the outage: a quick 503 {"detail": ...} with Retry-After."""
    response, seconds = timed(method, base + path, json=body)
    ok = (
        not isinstance(response, str)
        and response.status_code == 503
        and set(response.json()) == {"detail"}
        and response.headers.get("Retry-After")
    )
    if not ok:
        problems.append(
            f"{method} {path} during the outage: {describe(response)}; "
            'expected 503 {"detail": ...} with Retry-After'
        )
    if seconds > FAST:
        problems.append(f"{method} {path} took {seconds:.1f}s during the outage (limit {FAST}s)")
    return seconds


def calls_during_outage(base: str, tag: str, user: dict, problems: list[str]) -> list[str]:
    """CALLS rounds of probes, list, read and create; return the dnis the creates sent."""
    slowest = 0.0
    dnis = []
    for index in range(CALLS):
        check_probes_during_outage(base, problems)
        dni = f"x{tag}-{index}"
        dnis.append(dni)
        for method, path, body in (
            ("GET", "/api/users/", None),
            ("GET", f"/api/users/{user['id']}/", None),
            ("POST", "/api/users/", {"dni": dni, "name": "During"}),
        ):
            slowest = max(slowest, check_fails_fast(base, method, path, body, problems))
    print(
        f"outage: {CALLS} rounds of /healthz, /readyz, list, read and create with "
        f"PostgreSQL stopped; slowest API answer {slowest:.2f}s (limit {FAST}s)"
    )
    return dnis


def check_after_outage(
    base: str, tag: str, committed: list[dict], during: list[str], problems: list[str]
) -> None:
    """Every user committed before is there, no create refused during it was stored, and a
    new create works."""
    listed = requests.get(base + "/api/users/", timeout=10).json()
    for user in committed:
        read = requests.get(f"{base}/api/users/{user['id']}/", timeout=10)
        if read.status_code != 200 or read.json() != user:
            problems.append(f"user {user} committed before the outage reads {describe(read)}")
        if user not in listed:
            problems.append(f"user {user} committed before the outage is not in the list")
    lost_writes = [u for u in listed if u["dni"] in during]
    if lost_writes:
        problems.append(f"creates answered 503 were stored anyway: {lost_writes}")
    after = requests.post(
        base + "/api/users/", json={"dni": f"a{tag}", "name": "After"}, timeout=10
    )
    if after.status_code != 201:
        problems.append(f"create after recovery: {describe(after)}, expected 201")


def test_database_outage_fails_fast_and_recovers_without_restart(cluster):
    env = {"DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT)}
    problems = []
    with LiveServer(database_url=cluster.url, workers=2, env=env) as server:
        base = server.url
        tag = uuid.uuid4().hex[:6]
        committed = commit_users(base, tag)
        master_pid = server.process.pid

        cluster.stop()
        try:
            during_outage_dnis = calls_during_outage(base, tag, committed[0], problems)
        finally:
            cluster.start()

        recovered = wait_ready(base, timeout=30)
        print(f"recovered {recovered:.2f}s after PostgreSQL came back, same server process")
        if server.process.poll() is not None or server.process.pid != master_pid:
            problems.append("the server process did not survive the outage")
        check_after_outage(base, tag, committed, during_outage_dnis, problems)
        log = server.log()
    assert not problems, "\n".join(problems[:20]) + f"\n--- server log (tail) ---\n{log[-3000:]}"
