"""Benchmark of the users API against the physical ceiling: a script that prints figures.

    python3 toxw -e bench                      # SQLite, then a throwaway local PostgreSQL
    python3 toxw -e bench -- --help            # durations, scenarios, databases, profiling

For each database it starts the app under gunicorn with the repository's gunicorn.conf.py (the
container's configuration), pinned to 2 sync workers, seeds 1,000 users through the API and
drives it with wrk (8 connections, after a warm-up) in four scenarios: GET one user, GET the list
of 1,000, POST a unique user, and a 90/10 read/write mix. The ceiling is a bare WSGI callable
(bench/ceiling.py) that returns the same JSON bodies on the same gunicorn configuration; it is
measured in the same run, alternating with the app, round after round, so that both see the
same machine load. The figure that counts is the ratio app / ceiling: the median over the
rounds of the app's requests per second over those of the ceiling run next to it.

Then it grows the table to 100,000 users (seeded straight into the database) and measures one
GET of the whole list: time to first byte, total time, and how much the serving worker's peak
resident memory grew.

Writes reports/bench.json and reports/bench.png. Exits 1 when any response was not 2xx/3xx or a
socket error occurred (the service must never answer 5xx); performance targets are printed, not
asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support import postgres
from tests.support.live_server import ROOT, LiveServer, wait_ready

LUA = ROOT / "bench" / "scenario.lua"
WORKERS = 2


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


def say(message: str = "") -> None:
    print(message, flush=True)


# --- servers -------------------------------------------------------------------------------------


class BenchServer(LiveServer):
    """The shared live server, in production mode, optionally serving another WSGI app."""

    def __init__(self, database_url: str | None = None, app: str | None = None, env=None):
        production = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
        super().__init__(
            database_url=database_url, workers=WORKERS, env={**production, **(env or {})}
        )
        self.app = app

    def start(self) -> BenchServer:
        if self.app is None:
            return super().start()
        # The ceiling: same gunicorn.conf.py, its WSGI app named on the command line (which
        # overrides wsgi_app from the file). No database, so nothing to migrate.
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                self.app,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(self.url, self.ready_timeout)
        except Exception:
            self.stop()
            raise
        return self

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry))
        return sorted(pids)


def proc_status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (kernel socket work included)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM (peak RSS) to the current RSS; Linux supports it through clear_refs."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# --- load ----------------------------------------------------------------------------------------


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
        self, url: str, mode: str, seconds: int, ids: tuple[int, int], pids: list[int] = ()
    ) -> dict:
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
        cpu_before = cpu_seconds(pids)
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
        cpu_used = cpu_seconds(pids) - cpu_before
        lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
        raw = json.loads(lines[-1].split(" ", 1)[1])
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


def measure(
    wrk: Wrk, app: BenchServer, ceiling: BenchServer, scenario: Scenario, opts, ids
) -> dict:
    servers = {"app": app, "ceiling": ceiling}
    if opts.warmup > 0:
        for server in (ceiling, app):
            wrk.run(server.url, scenario.mode, opts.warmup, ids)
    runs: dict[str, list[dict]] = {"app": [], "ceiling": []}
    for round_ in range(opts.rounds):
        # Alternate which goes first, so that neither always runs on a warmer or cooler machine.
        order = ["ceiling", "app"] if round_ % 2 == 0 else ["app", "ceiling"]
        for name in order:
            server = servers[name]
            runs[name].append(
                wrk.run(server.url, scenario.mode, opts.duration, ids, server.worker_pids())
            )
    app_result, ceiling_result = combine(runs["app"]), combine(runs["ceiling"])
    # Each round's app run is paired with the ceiling run right next to it in time; the median of
    # those ratios shrugs off a burst of other work on the machine that hits one run only.
    paired = [a["rps"] / c["rps"] for a, c in zip(runs["app"], runs["ceiling"], strict=True)]
    return {
        "title": scenario.title,
        "target": scenario.target,
        "app": app_result,
        "ceiling": ceiling_result,
        "ratio": statistics.median(paired),
        "round_ratios": paired,
        "ratio_of_totals": app_result["rps"] / ceiling_result["rps"],
        # A steadier second view on a busy machine: the ceiling's worker CPU time per request
        # over the app's (what the app adds per request, whatever else the machine is doing).
        "cpu_ratio": ceiling_result["worker_cpu_ms_per_request"]
        / app_result["worker_cpu_ms_per_request"],
    }


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


# --- seeding -------------------------------------------------------------------------------------


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


# --- the list at scale ---------------------------------------------------------------------------


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


def measure_scale(app: BenchServer, total: int, repeats: int) -> dict:
    started = time.perf_counter()
    added, total = seed_directly(app, total)  # POST scenarios may have added more already
    seed_seconds = time.perf_counter() - started
    runs = []
    for _ in range(repeats):
        pids = app.worker_pids()
        before = {}
        for pid in pids:
            reset = reset_peak_rss(pid)
            before[pid] = proc_status_kb(pid, "VmRSS" if reset else "VmHWM")
        first_byte, seconds, status, headers, body = timed_get(app.url + "/api/users/")
        growth = max(proc_status_kb(pid, "VmHWM") - before[pid] for pid in pids)
        users = json.loads(body)
        ids = [user["id"] for user in users]
        runs.append(
            {
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
        )
        del users, ids, body
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


# --- one database --------------------------------------------------------------------------------


def run_database(name: str, database_url: str | None, opts, wrk: Wrk) -> dict:
    say(f"\n=== {name}: 2 sync workers, gunicorn.conf.py, {opts.connections} connections ===")
    result: dict = {"scenarios": {}}
    with BenchServer(database_url) as app:
        say(f"app on {app.url}; seeding {opts.users} users through the API")
        ids, bodies = seed_through_api(app, opts.users)
        bodies_file = app.data_dir / "ceiling-bodies.json"
        bodies_file.write_text(json.dumps(bodies))
        ceiling_env = {"BENCH_CEILING_BODIES": str(bodies_file)}
        with BenchServer(app="bench.ceiling:application", env=ceiling_env) as ceiling:
            say(f"ceiling on {ceiling.url}")
            for scenario in SCENARIOS:
                if scenario.mode not in opts.scenarios:
                    continue
                figures = measure(wrk, app, ceiling, scenario, opts, ids)
                result["scenarios"][scenario.mode] = figures
                say(format_row(scenario, figures))
                if opts.profile:
                    path = profile(app, wrk, scenario, opts, ids, name)
                    say(f"    profile: {path.relative_to(ROOT)}")
                    say(summarise_profile(path, indent="    "))
        if opts.scale:
            say(f"list at {opts.scale:,} users (seeded straight into the database)")
            result["scale"] = scale = measure_scale(app, opts.scale, opts.scale_repeats)
            say(
                f"    time to first byte {scale['ttfb_ms']:.0f} ms,"
                f" total {scale['total_ms']:.0f} ms,"
                f" worker peak RSS growth {scale['worker_peak_rss_growth_mb']:.1f} MB"
                f" (limit 100 MB){'' if scale['ok'] else '  WRONG BODY'}"
            )
        result["server_log_5xx"] = sum(
            1 for line in app.log().splitlines() if '" 5' in line and "HTTP/1" in line
        )
    return result


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


# --- reports -------------------------------------------------------------------------------------


def machine() -> dict:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": sys.version.split()[0],
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0],
        "commit": commit,
        "load_average_at_start": os.getloadavg(),
    }


def write_chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    databases = [db for db in report["databases"] if report["databases"][db].get("scenarios")]
    modes = [
        s.mode
        for s in SCENARIOS
        if any(s.mode in report["databases"][db]["scenarios"] for db in databases)
    ]
    titles = {s.mode: s.title for s in SCENARIOS}
    targets = {s.mode: s.target for s in SCENARIOS}
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.8 / max(1, len(databases))
    for index, db in enumerate(databases):
        scenarios = report["databases"][db]["scenarios"]
        xs = [i + (index - (len(databases) - 1) / 2) * width for i in range(len(modes))]
        ratios = [scenarios[m]["ratio"] if m in scenarios else 0 for m in modes]
        bars = left.bar(xs, ratios, width, label=db)
        left.bar_label(bars, fmt="%.2f", fontsize=8)
        rps = [scenarios[m]["app"]["rps"] if m in scenarios else 0 for m in modes]
        right.bar(xs, rps, width, label=f"app, {db}")
    for i, mode in enumerate(modes):
        if targets[mode]:
            left.hlines(targets[mode], i - 0.45, i + 0.45, colors="red", linestyles="dashed")
    ceiling = [
        statistics.mean(
            report["databases"][db]["scenarios"][m]["ceiling"]["rps"]
            for db in databases
            if m in report["databases"][db]["scenarios"]
        )
        for m in modes
    ]
    right.scatter(range(len(modes)), ceiling, marker="_", s=2000, color="black", label="ceiling")
    for axis in (left, right):
        axis.set_xticks(range(len(modes)), [titles[m] for m in modes], fontsize=8)
    left.legend(fontsize=8)
    right.legend(fontsize=8, loc="center right")
    left.set_ylabel("ratio to the bare-WSGI ceiling (higher is better)")
    left.set_title("App / ceiling, same run (red dashes: targets on SQLite)")
    right.set_ylabel("requests per second")
    right.set_yscale("log")
    right.set_title("Throughput, 2 sync gunicorn workers")
    info = report["machine"]
    fig.suptitle(
        f"Users API benchmark, {report['date']}, {info['nproc']} CPUs {info['cpu_model']},"
        f" commit {info['commit']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- main ----------------------------------------------------------------------------------------


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("wrk is not installed: installing Debian's wrk package with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
        return
    sys.exit("wrk is not installed: install Debian's wrk package (sudo apt-get install wrk)")


@contextlib.contextmanager
def postgres_url(opts):
    if opts.postgres_url:
        yield opts.postgres_url
        return
    if not postgres.server_available():
        say("PostgreSQL server binaries not found: install the postgresql package")
        yield None
        return
    with postgres.throwaway_cluster() as (url, _datadir):
        say(f"throwaway PostgreSQL at {url}")
        yield url


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=2, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds per server")
    parser.add_argument("--rounds", type=int, default=5, help="app/ceiling alternations")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--users", type=int, default=1000, help="users seeded through the API")
    parser.add_argument(
        "--scale", type=int, default=100_000, help="users for the big list; 0: skip"
    )
    parser.add_argument("--scale-repeats", type=int, default=3)
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument("--postgres-url", help="use this PostgreSQL instead of a throwaway one")
    parser.add_argument(
        "--scenarios", default=",".join(s.mode for s in SCENARIOS), help="comma-separated"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also record a py-spy profile of each scenario"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "reports")
    opts = parser.parse_args(argv)
    opts.scenarios = set(opts.scenarios.split(","))
    opts.databases = [db.strip() for db in opts.databases.split(",") if db.strip()]
    return opts


def main(argv=None) -> int:
    opts = parse_args(argv)
    ensure_wrk()
    opts.output.mkdir(parents=True, exist_ok=True)
    wrk = Wrk(opts.connections, opts.threads)
    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "settings": {
            "workers": WORKERS,
            "worker_class": "sync",
            "gunicorn_config": "gunicorn.conf.py",
            "connections": opts.connections,
            "wrk_threads": opts.threads,
            "duration_s": opts.duration,
            "warmup_s": opts.warmup,
            "rounds": opts.rounds,
            "users": opts.users,
        },
        "databases": {},
    }
    say(f"{report['date']}: {report['machine']['nproc']} CPUs, {report['machine']['cpu_model']}")
    for db in opts.databases:
        if db == "sqlite":
            report["databases"]["sqlite"] = run_database("sqlite", None, opts, wrk)
        elif db == "postgresql":
            with postgres_url(opts) as url:
                if url:
                    report["databases"]["postgresql"] = run_database("postgresql", url, opts, wrk)
        else:
            sys.exit(f"unknown database {db!r}; use sqlite or postgresql")
    report["machine"]["load_average_at_end"] = os.getloadavg()
    (opts.output / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    write_chart(report, opts.output / "bench.png")
    return summarise(report, opts)


def summarise(report: dict, opts) -> int:
    say("\n=== summary: ratio to the bare-WSGI ceiling measured in the same run ===")
    problems = []
    for db, result in report["databases"].items():
        for figures in result["scenarios"].values():
            target = figures["target"]
            verdict = ""
            if target is not None and db == "sqlite":
                verdict = "meets" if figures["ratio"] >= target else "MISSES"
                verdict += f" target {target:.2f}"
            say(
                f"  {db:<11} {figures['title']:<22} {figures['ratio']:.3f}  {verdict:<18}"
                f" (CPU-time ratio {figures['cpu_ratio']:.3f})"
            )
            for side in ("app", "ceiling"):
                if figures[side]["errors"]:
                    problems.append(
                        f"{db} {figures['title']} ({side}): {figures[side]['errors']} errors,"
                        f" statuses {figures[side]['status']},"
                        f" socket errors {figures[side]['socket_errors']}"
                    )
        if "scale" in result:
            scale = result["scale"]
            say(
                f"  {db:<11} list of {scale['users']:,}: first byte {scale['ttfb_ms']:.0f} ms,"
                f" total {scale['total_ms']:.0f} ms, worker peak RSS"
                f" +{scale['worker_peak_rss_growth_mb']:.1f} MB (limit 100 MB)"
            )
            if not scale["ok"]:
                problems.append(f"{db}: the list of {scale['users']:,} was wrong: {scale['runs']}")
    out = opts.output.relative_to(ROOT) if opts.output.is_relative_to(ROOT) else opts.output
    say(f"\nwrote {out}/bench.json and {out}/bench.png")
    if problems:
        say("\nFAILED: wrong answers, or responses that were not 2xx/3xx (never a 5xx):")
        for problem in problems:
            say("  " + problem)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
