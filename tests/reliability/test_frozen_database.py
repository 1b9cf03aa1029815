"""A frozen database: PostgreSQL stops answering without closing its connections (SIGSTOP), under
a bounded mixed load, then resumes (SIGCONT).

While frozen: every request answers within the configured bound plus a margin (503 with
Retry-After for what needs the database), /readyz is 503, /healthz stays 200, and no worker
dies. Once resumed: the same server recovers without a restart, and every
user that got a 201, before, during or after the freeze, is in the database.
"""

import time

import requests

from harness.testing.live_server import LiveServer, wait_ready
from harness.testing.load import MixedLoad
from harness.testing.postgres import frozen

STATEMENT_TIMEOUT = 2  # DB_STATEMENT_TIMEOUT given to the server; the client deadline is +1 s
CONNECT_TIMEOUT = 2  # DB_CONNECT_TIMEOUT
# The longest a request may wait for the database: the health check of its reused connection,
# cut at the client deadline, then a new connection, cut at the connect timeout; plus a margin
# for a busy machine.
BOUND = (STATEMENT_TIMEOUT + 1) + CONNECT_TIMEOUT + 3
FREEZE_SECONDS = 8
WAIT_ALLOWED = {200, 201, 400, 404, 503}


def probe(url: str) -> int | str:
    try:
        return requests.get(url, timeout=BOUND + 5).status_code
    except requests.RequestException as exc:
        return type(exc).__name__


def freeze_under_load(server, cluster, load) -> dict:
    figures = {}
    time.sleep(2)
    with frozen(cluster.datadir):
        load.phase = "frozen"
        time.sleep(FREEZE_SECONDS / 2)
        figures["healthz"], figures["readyz"] = (
            probe(server.url + "/healthz"),
            probe(server.url + "/readyz"),
        )
        time.sleep(FREEZE_SECONDS / 2)
    load.phase = "after"
    figures["recovered_s"] = wait_ready(server.url, timeout=30)  # seconds after SIGCONT
    time.sleep(2)
    return figures


def test_a_frozen_database_answers_within_the_bound_and_loses_no_user(cluster):
    env = {
        "DB_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
        "DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
    }
    with LiveServer(database_url=cluster.url, workers=2, threads=2, env=env) as server:
        master = server.process.pid
        with MixedLoad(server.url, clients=4, max_seconds=40, timeout=BOUND + 10) as load:
            figures = freeze_under_load(server, cluster, load)
        log = server.log()
        alive = server.process.poll() is None and server.process.pid == master
    during = load.of("frozen")
    slowest = max((a.seconds for a in during), default=0.0)
    stored = {row[0] for row in cluster.query("SELECT dni FROM api_user")}
    lost = [u for u in load.created() if u["dni"] not in stored]
    print(
        f"frozen database: {len(load.answers)} requests ({len(during)} while frozen for "
        f"{FREEZE_SECONDS}s); while frozen {dict(load.statuses('frozen'))}, slowest "
        f"{slowest:.2f}s (bound {BOUND}s); /healthz {figures['healthz']}, /readyz "
        f"{figures['readyz']}; recovered {figures['recovered_s']:.2f}s after SIGCONT; "
        f"users lost: {len(lost)} of {len(load.created())} created"
    )
    problems = [
        f"{a.method} {a.path} while frozen: {a.status or a.error} after {a.seconds:.1f}s"
        for a in during
        if a.seconds > BOUND or a.status not in WAIT_ALLOWED
    ]
    if figures["healthz"] != 200 or figures["readyz"] != 503:
        problems.append(
            f"/healthz {figures['healthz']} (expected 200), /readyz {figures['readyz']} (503)"
        )
    if log.count("Spawning worker") != 2 or not alive:  # 2 workers, none replaced
        problems.append("a worker died and was replaced, or the server did not survive the freeze")
    if not load.statuses("after").get(201):
        problems.append(f"no create succeeded after the freeze: {dict(load.statuses('after'))}")
    problems += [f"user {u} got 201 but is not in the database" for u in lost]
    assert not problems, "\n".join(problems[:20]) + f"\n--- server log (tail) ---\n{log[-2000:]}"
