"""The four scenarios, each measured on the app and on the ceiling in alternating rounds, and
optionally profiled with py-spy."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.servers import BenchServer
from bench.wrk import Wrk, combine


@dataclass(frozen=True)
class Scenario:
    mode: str
    title: str
    target: float | None  # minimum ratio to the ceiling on SQLite, from the performance issue


SCENARIOS = [
    Scenario("get_one", "GET one user", 0.35),
    Scenario("list", "GET list of 1,000", 0.10),
    Scenario("post", "POST a unique user", 0.15),
    Scenario("mix", "90/10 read/write mix", None),
]


def alternate(wrk: Wrk, servers: dict, scenario: Scenario, opts, ids) -> dict:
    """Each server's wrk runs of one scenario: a warm-up, then ``opts.rounds`` rounds in which
    every server runs once, so that all of them see the same machine load, round after round.

    A server is anything with a ``url`` and a ``cpu_meter()`` (a BenchServer, a container)."""
    if opts.warmup > 0:
        for server in servers.values():
            wrk.run(server.url, scenario.mode, opts.warmup, ids)
    names = list(servers)
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for round_ in range(opts.rounds):
        # Rotate which goes first, so that none always runs on a warmer or cooler machine.
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            server = servers[name]
            runs[name].append(
                wrk.run(server.url, scenario.mode, opts.duration, ids, server.cpu_meter())
            )
    return runs


def paired(runs: list[dict], baseline: list[dict], key: str) -> float:
    """The median over rounds of one server's figure over the baseline's in the same round: it
    shrugs off a burst of other work on the machine that hits one round only."""
    return statistics.median(r[key] / b[key] for r, b in zip(runs, baseline, strict=True))


def versus_ceiling(app_runs: list[dict], ceiling_runs: list[dict], scenario: Scenario) -> dict:
    app_result, ceiling_result = combine(app_runs), combine(ceiling_runs)
    return {
        "title": scenario.title,
        "target": scenario.target,
        "app": app_result,
        "ceiling": ceiling_result,
        "ratio": paired(app_runs, ceiling_runs, "rps"),
        "round_ratios": [a["rps"] / c["rps"] for a, c in zip(app_runs, ceiling_runs, strict=True)],
        "ratio_of_totals": app_result["rps"] / ceiling_result["rps"],
        # A steadier second view on a busy machine: the ceiling's worker CPU time per request
        # over the app's (what the app adds per request, whatever else the machine is doing).
        "cpu_ratio": ceiling_result["worker_cpu_ms_per_request"]
        / app_result["worker_cpu_ms_per_request"],
    }


def measure(
    wrk: Wrk, app: BenchServer, ceiling: BenchServer, scenario: Scenario, opts, ids
) -> dict:
    runs = alternate(wrk, {"app": app, "ceiling": ceiling}, scenario, opts, ids)
    return versus_ceiling(runs["app"], runs["ceiling"], scenario)


def compare_servers(
    wrk: Wrk, pairs: dict[str, tuple[BenchServer, BenchServer]], scenario: Scenario, opts, ids
) -> dict:
    """The app and the ceiling on each server, all in the same rounds. The first server is the
    baseline: every other one's CPU per request and req/s are given as paired ratios to it."""
    servers = {}
    for name, (app, ceiling) in pairs.items():
        servers[f"{name}/app"], servers[f"{name}/ceiling"] = app, ceiling
    runs = alternate(wrk, servers, scenario, opts, ids)
    baseline = next(iter(pairs))
    result = {}
    for name in pairs:
        app_runs = runs[f"{name}/app"]
        figures = versus_ceiling(app_runs, runs[f"{name}/ceiling"], scenario)
        base = runs[f"{baseline}/app"]
        figures["cpu_per_request_vs_baseline"] = paired(app_runs, base, "worker_cpu_ms_per_request")
        figures["rps_vs_baseline"] = paired(app_runs, base, "rps")
        figures["p99_vs_baseline"] = paired(app_runs, base, "p99_ms")
        result[name] = figures
    return {"title": scenario.title, "baseline": baseline, "servers": result}


def format_server_row(name: str, figures: dict) -> str:
    app = figures["app"]
    return (
        f"    {name:<28} app {app['rps']:7.0f} req/s p99 {app['p99_ms']:6.2f} ms"
        f" errors {app['errors']:<3} CPU/request {app['worker_cpu_ms_per_request']:.3f} ms"
        f" | vs baseline: CPU/request x{figures['cpu_per_request_vs_baseline']:.2f},"
        f" req/s x{figures['rps_vs_baseline']:.2f}, p99 x{figures['p99_vs_baseline']:.2f}"
        f" | ceiling CPU/request {figures['ceiling']['worker_cpu_ms_per_request']:.3f} ms,"
        f" app/ceiling {figures['ratio']:.3f}"
    )


def format_row(scenario: Scenario, figures: dict) -> str:
    app, ceiling = figures["app"], figures["ceiling"]
    target = f">= {scenario.target:.2f}" if scenario.target else "-"
    return (
        f"  {scenario.title:<22} app {app['rps']:8.0f} req/s p50 {app['p50_ms']:6.2f} ms"
        f" p99 {app['p99_ms']:7.2f} ms errors {app['errors']:<4}"
        f"| ceiling {ceiling['rps']:7.0f} req/s errors {ceiling['errors']:<3}"
        f"| ratio {figures['ratio']:.3f} (target {target};"
        f" rounds {' '.join(f'{r:.2f}' for r in figures['round_ratios'])})"
        f" | CPU/request app {app['worker_cpu_ms_per_request']:.2f} ms"
        f" ceiling {ceiling['worker_cpu_ms_per_request']:.2f} ms, ratio {figures['cpu_ratio']:.3f}"
    )


def profile(app: BenchServer, wrk: Wrk, scenario: Scenario, opts, ids, name: str) -> Path:
    """Sample every worker with py-spy while wrk drives one scenario (not counted in figures)."""
    target = opts.output / f"profile-{name}-{scenario.mode}"
    beside = Path(sys.executable).parent / "py-spy"  # installed in the same virtualenv
    spy = subprocess.Popen(
        [
            str(beside) if beside.exists() else "py-spy",
            "record",
            "--pid",
            str(app.process.pid),
            "--subprocesses",
            "--rate",
            "250",
            "--duration",
            str(int(opts.duration) + 1),
            "--format",
            "raw",
            "--output",
            f"{target}.txt",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    wrk.run(app.url, scenario.mode, opts.duration, ids)
    _, err = spy.communicate(timeout=opts.duration + 60)
    if spy.returncode != 0:
        raise RuntimeError(f"py-spy failed: {err}")
    return Path(f"{target}.txt")


def summarise_profile(path: Path, indent: str = "", top: int = 10) -> str:
    """The functions most samples were in (self), and our and the frameworks' (inclusive)."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0

    def name(frame: str) -> str:
        function, _, where = frame.partition(" (")
        return f"{function} ({where.split('site-packages/')[-1].rsplit(':', 1)[0]}"

    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        frames = [name(frame) for frame in stack.split(";")]
        own[frames[-1]] += int(count)
        for frame in set(frames):
            if any(part in frame for part in ("webapp/", "rest_framework/", "django/db")):
                inclusive[frame] += int(count)
    if not total:
        return f"{indent}(no samples)"
    lines = [f"{indent}self:"]
    lines += [f"{indent}  {100 * n / total:5.1f}%  {key}" for key, n in own.most_common(top)]
    lines.append(f"{indent}inclusive (webapp, DRF, Django ORM):")
    lines += [f"{indent}  {100 * n / total:5.1f}%  {key}" for key, n in inclusive.most_common(top)]
    return "\n".join(lines)
