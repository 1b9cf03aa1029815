"""Killed workers: under a bounded mixed load, the server's workers are SIGKILLed at random a few
times. The server replaces each one (webapp/server.py: respawn of failed workers); the load sees
no 5xx, and no more resets than the client connections the killed workers held (a worker holds
its clients' connections, kept-alive ones included: a request sent on one as the worker dies is
lost with it); no user that got a 201 is missing afterwards."""

import os
import random
import signal
import time

from harness.common.procs import children_of, connections_held
from harness.testing.live_server import LiveServer
from harness.testing.load import MixedLoad

KILLS = 3
WORKERS = 3


def kill_workers(master: int, port: int, load: MixedLoad, rng: random.Random):
    """KILLS SIGKILLs of random workers; returns their pids and the client connections each
    held just before its kill."""
    killed, held = [], []
    time.sleep(2)
    load.phase = "killing"
    for _ in range(KILLS):
        victim = rng.choice(children_of(master))
        held.append(connections_held(victim, port))
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        time.sleep(1.5)
    load.phase = "after"
    time.sleep(2)
    return killed, held


def test_killed_workers_are_replaced_and_lose_no_user(cluster):
    rng = random.Random(20261201)
    with LiveServer(database_url=cluster.url, workers=WORKERS) as server:
        master = server.process.pid
        with MixedLoad(server.url, clients=4, max_seconds=30) as load:
            killed, held = kill_workers(master, server.port, load, rng)
        replaced = sorted(set(children_of(master)) - set(killed))
        log = server.log()
    stored = {row[0] for row in cluster.query("SELECT dni FROM api_user")}
    lost = [u for u in load.created() if u["dni"] not in stored]
    errors = [a for a in load.answers if a.status is None or a.status >= 500]
    resets = [a for a in errors if a.status is None]
    print(
        f"killed workers: {KILLS} SIGKILLs of {WORKERS} workers under load; "
        f"{len(load.answers)} requests, {len(errors) - len(resets)} 5xx, {len(resets)} resets "
        f"(bound {sum(held)}: the client connections the killed workers held, {held}), "
        f"{len(replaced)} workers running "
        f"after; users lost: {len(lost)} of {len(load.created())} created"
    )
    problems = [f"{a.method} {a.path}: {a.status}" for a in errors if a.status is not None]
    # A connection the worker accepts between the count of its connections and its SIGKILL (two
    # system calls apart, while the clients reconnect after the previous kill) is lost with it
    # too: at most one such connection a kill.
    bound = sum(held) + KILLS
    if len(resets) > bound:
        problems.append(
            f"{len(resets)} requests got no answer, more than the {sum(held)} client connections "
            f"the {KILLS} killed workers held (plus one a kill, accepted as it died)"
        )
    if len(replaced) != WORKERS:
        problems.append(f"{len(replaced)} workers after the kills, expected {WORKERS} (replaced)")
    if not load.statuses("after").get(201):
        problems.append(f"no create succeeded after the kills: {dict(load.statuses('after'))}")
    problems += [f"user {u} got 201 but is not in the database" for u in lost]
    assert not problems, "\n".join(problems[:20]) + f"\n--- server log (tail) ---\n{log[-2000:]}"
