"""wrk, the load generator: one run of a scenario (bench/scenario.lua), and runs combined."""

from __future__ import annotations

import json
import secrets
import statistics
import subprocess
from collections import Counter
from collections.abc import Callable

from harness.testing.live_server import ROOT

LUA = ROOT / "bench" / "scenario.lua"


class Wrk:
    def __init__(self, connections: int, threads: int):
        self.connections = connections
        self.threads = threads
        self.run_tag = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2))
        self.count = 0

    def _prefix(self) -> str:
        """4 characters unique to this wrk run, so that POSTed dnis never repeat."""
        self.count += 1
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        return self.run_tag + digits[self.count // 36 % 36] + digits[self.count % 36]

    def run(
        self,
        url: str,
        mode: str,
        seconds: int,
        ids: tuple[int, int],
        cpu: Callable[[], float] = lambda: 0.0,
    ) -> dict:
        """One wrk run; ``cpu`` reads the CPU seconds the server has used so far (its workers'
        from /proc, or a container's from its cgroup), before and after the run."""
        command = [
            "wrk",
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
            "--",
            mode,
            str(ids[0]),
            str(ids[1]),
            self._prefix(),
        ]
        cpu_before = cpu()
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
        cpu_used = cpu() - cpu_before
        lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
        return figures(json.loads(lines[-1].split(" ", 1)[1]), cpu_used)


def figures(raw: dict, cpu_used: float) -> dict:
    """One run's figures from what scenario.lua printed, and the workers' CPU seconds used."""
    seconds_run = raw["duration_us"] / 1e6
    status = raw["status"]
    bad_status = status["4xx"] + status["5xx"] + status["other"]
    socket_errors = sum(raw["socket_errors"].values())
    return {
        "requests": raw["requests"],
        "seconds": round(seconds_run, 3),
        "rps": raw["requests"] / seconds_run,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "status": status,
        "socket_errors": raw["socket_errors"],
        "errors": bad_status + socket_errors,
        "worker_cpu_ms_per_request": 1000 * cpu_used / max(1, raw["requests"]),
    }


def combine(runs: list[dict]) -> dict:
    requests_ = sum(run["requests"] for run in runs)
    seconds = sum(run["seconds"] for run in runs)
    status: Counter = Counter()
    socket_errors: Counter = Counter()
    for run in runs:
        status.update(run["status"])
        socket_errors.update(run["socket_errors"])
    return {
        "rps": requests_ / seconds,
        "worker_cpu_ms_per_request": statistics.median(
            run["worker_cpu_ms_per_request"] for run in runs
        ),
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": statistics.median(run["p99_ms"] for run in runs),
        "requests": requests_,
        "errors": sum(run["errors"] for run in runs),
        "status": dict(status),
        "socket_errors": dict(socket_errors),
        "runs": runs,
    }
