"""Seeding users (through the API, or straight into the database), and the list at scale: one
GET of 100,000 users, its time to first byte, total time and the worker's memory growth."""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.servers import BenchServer, proc_status_kb, reset_peak_rss
from harness.testing.live_server import ROOT


def seed_through_api(app: BenchServer, count: int) -> tuple[tuple[int, int], dict]:
    """POST `count` users; return their id range and the bodies the ceiling will serve."""

    def create(index: int) -> requests.Response:
        return requests.post(
            app.url + "/api/users/",
            json={"dni": f"seed{index:07d}", "name": f"Seeded user {index}"},
            timeout=30,
        )

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(create, range(count)))
    failed = [r for r in responses if r.status_code != 201]
    if failed:
        raise RuntimeError(f"seeding failed: {failed[0].status_code} {failed[0].text[:200]}")
    ids = sorted(r.json()["id"] for r in responses)
    one = requests.get(f"{app.url}/api/users/{ids[0]}/", timeout=30)
    listed = requests.get(app.url + "/api/users/", timeout=30)
    if len(listed.json()) != count:
        raise RuntimeError(f"the list has {len(listed.json())} users, expected {count}")
    bodies = {"one": one.text, "list": listed.text, "created": responses[-1].text}
    return (ids[0], ids[-1]), bodies


def seed_directly(app: BenchServer, total: int) -> tuple[int, int]:
    """Grow the table to at least ``total`` users; (users added, users in the table)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.seed", str(total)],
        cwd=ROOT,
        env=app.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    added, count = done.stdout.strip().splitlines()[-2:]
    return int(added), int(count)


def timed_get(url: str) -> tuple[float, float, int, dict, bytes]:
    """(time to first byte, total time, status, headers, body) of one GET on a new connection."""
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    connection = http.client.HTTPConnection(host, int(port), timeout=300)
    start = time.perf_counter()
    connection.request("GET", path)
    connection.sock.recv(1, socket.MSG_PEEK)  # blocks until the first byte of the answer
    first_byte = time.perf_counter() - start
    response = connection.getresponse()
    body = response.read()
    total = time.perf_counter() - start
    connection.close()
    return first_byte, total, response.status, dict(response.getheaders()), body


def get_whole_list(app: BenchServer) -> dict:
    """One GET of the whole list: its timings, its body's shape, the workers' memory growth."""
    pids = app.worker_pids()
    before = {}
    for pid in pids:
        reset = reset_peak_rss(pid)
        before[pid] = proc_status_kb(pid, "VmRSS" if reset else "VmHWM")
    first_byte, seconds, status, headers, body = timed_get(app.url + "/api/users/")
    growth = max(proc_status_kb(pid, "VmHWM") - before[pid] for pid in pids)
    users = json.loads(body)
    ids = [user["id"] for user in users]
    return {
        "status": status,
        "users": len(users),
        "ordered": ids == sorted(ids),
        "bytes": len(body),
        "chunked": headers.get("Transfer-Encoding") == "chunked",
        "ttfb_ms": first_byte * 1000,
        "total_ms": seconds * 1000,
        "worker_peak_rss_growth_mb": growth / 1024,
        "worker_rss_before_mb": {str(pid): kb / 1024 for pid, kb in before.items()},
    }


def measure_scale(app: BenchServer, total: int, repeats: int) -> dict:
    started = time.perf_counter()
    added, total = seed_directly(app, total)  # POST scenarios may have added more already
    seed_seconds = time.perf_counter() - started
    # One run at a time: each body (and its parsed users) is freed before the next GET.
    runs = [get_whole_list(app) for _ in range(repeats)]
    return {
        "users": total,
        "seeded_directly": added,
        "seed_seconds": seed_seconds,
        "ttfb_ms": statistics.median(run["ttfb_ms"] for run in runs),
        "total_ms": statistics.median(run["total_ms"] for run in runs),
        "worker_peak_rss_growth_mb": max(run["worker_peak_rss_growth_mb"] for run in runs),
        "ok": all(
            run["status"] == 200 and run["users"] == total and run["ordered"] for run in runs
        ),
        "runs": runs,
    }
