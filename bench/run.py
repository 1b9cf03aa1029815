"""Benchmark of the users API against the physical ceiling: a script that prints figures.

    python3 toxw -e bench                      # SQLite, then a throwaway local PostgreSQL
    python3 toxw -e bench -- --help            # durations, scenarios, databases, profiling
    python3 toxw -e bench -- --original DIR    # beside the original's code (bench/original.py)

For each database it starts the app under its server (granian, as webapp/server.py configures it
in the container), pinned to 2 workers, seeds 1,000 users through the API and
drives it with wrk (8 connections, after a warm-up) in four scenarios: GET one user, GET the list
of 1,000, POST a unique user, and a 90/10 read/write mix. The ceiling is a bare WSGI callable
(bench/ceiling.py) that returns the same JSON bodies on the same server configuration; it is
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
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from bench.container import parse_variant, run_container
from bench.original import run_original
from bench.report import machine, say, summarise, write_chart
from bench.scale import measure_scale, seed_through_api
from bench.scenarios import (
    SCENARIOS,
    compare_servers,
    format_row,
    format_server_row,
    measure,
    profile,
    summarise_profile,
)
from bench.servers import SERVERS, WORKERS, BenchServer
from bench.wrk import Wrk
from harness.testing import postgres
from harness.testing.live_server import ROOT


def run_scenarios(app: BenchServer, ceiling: BenchServer, opts, wrk: Wrk, ids, name: str) -> dict:
    """The figures of every chosen scenario, app against ceiling; profiles when asked."""
    results = {}
    for scenario in SCENARIOS:
        if scenario.mode not in opts.scenarios:
            continue
        figures = measure(wrk, app, ceiling, scenario, opts, ids)
        results[scenario.mode] = figures
        say(format_row(scenario, figures))
        if opts.profile:
            path = profile(app, wrk, scenario, opts, ids, name)
            say(f"    profile: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            say(summarise_profile(path, indent="    "))
    return results


def run_servers(database_url: str | None, data_dir: Path, ceiling_env: dict, opts, wrk, ids):
    """The app and the ceiling on each of ``opts.servers``, on the database already seeded, side
    by side in the same rounds; the first server is the baseline of the ratios."""
    results = {}
    with contextlib.ExitStack() as stack:
        pairs = {}
        for name in opts.servers:
            app = BenchServer(database_url, server=name, env={"DATA_DIR": str(data_dir)})
            ceiling = BenchServer(app="bench.ceiling:application", env=ceiling_env, server=name)
            pairs[name] = (stack.enter_context(app), stack.enter_context(ceiling))
            say(f"  {name}: {SERVERS[name].title}")
        for scenario in SCENARIOS:
            if scenario.mode not in opts.scenarios:
                continue
            figures = compare_servers(wrk, pairs, scenario, opts, ids)
            results[scenario.mode] = figures
            say(f"  {scenario.title} (baseline {figures['baseline']}):")
            for name, row in figures["servers"].items():
                say(format_server_row(name, row))
    return results


def list_at_scale(app: BenchServer, opts) -> dict:
    say(f"list at {opts.scale:,} users (seeded straight into the database)")
    scale = measure_scale(app, opts.scale, opts.scale_repeats)
    say(
        f"    time to first byte {scale['ttfb_ms']:.0f} ms,"
        f" total {scale['total_ms']:.0f} ms,"
        f" worker peak RSS growth {scale['worker_peak_rss_growth_mb']:.1f} MB"
        f" (limit 100 MB){'' if scale['ok'] else '  WRONG BODY'}"
    )
    return scale


def run_database(name: str, database_url: str | None, opts, wrk: Wrk) -> dict:
    say(f"\n=== {name}: 2 workers, webapp/server.py's settings, {opts.connections} connections ===")
    result: dict = {"scenarios": {}}
    with BenchServer(database_url) as app:
        say(f"app on {app.url}; seeding {opts.users} users through the API")
        ids, bodies = seed_through_api(app, opts.users)
        bodies_file = app.data_dir / "ceiling-bodies.json"
        bodies_file.write_text(json.dumps(bodies))
        ceiling_env = {"BENCH_CEILING_BODIES": str(bodies_file)}
        if len(opts.servers) > 1:
            # Instead of the single-server scenarios, not after them: their POSTs would have
            # grown the table, and the list would no longer be the list of --users.
            say(f"servers side by side ({', '.join(opts.servers)}), same database:")
            result["servers"] = run_servers(database_url, app.data_dir, ceiling_env, opts, wrk, ids)
        else:
            with BenchServer(app="bench.ceiling:application", env=ceiling_env) as ceiling:
                say(f"ceiling on {ceiling.url}")
                result["scenarios"] = run_scenarios(app, ceiling, opts, wrk, ids, name)
        if opts.scale:
            result["scale"] = list_at_scale(app, opts)
        result["server_log_5xx"] = sum(
            1 for line in app.log().splitlines() if '"status":5' in line and '"access"' in line
        )
    return result


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
        "--databases",
        help="comma-separated: sqlite, postgresql (default: both; none with --container)",
    )
    parser.add_argument("--postgres-url", help="use this PostgreSQL instead of a throwaway one")
    parser.add_argument(
        "--scenarios", default=",".join(s.mode for s in SCENARIOS), help="comma-separated"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also record a py-spy profile of each scenario"
    )
    parser.add_argument(
        "--servers",
        default="",
        help="comma-separated, two or more of: "
        + ", ".join(SERVERS)
        + "; also measures the app and the ceiling on each, side by side (the first is the"
        " baseline of the ratios)",
    )
    _add_container_options(parser)
    parser.add_argument(
        "--original",
        type=Path,
        metavar="DIR",
        help="also measure the original service's code, a checkout of it in DIR, under gunicorn"
        " with 2 sync workers beside this service on SQLite, side by side (docs/performance.md)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "reports")
    opts = parser.parse_args(argv)
    opts.scenarios = set(_names(parser, "--scenarios", opts.scenarios, [s.mode for s in SCENARIOS]))
    _check_container_options(parser, opts)
    alone = opts.container or opts.original  # measured alone unless --databases asks for more
    if opts.databases is None:
        opts.databases = "" if alone else "sqlite,postgresql"
    opts.databases = (
        _names(parser, "--databases", opts.databases, ["sqlite", "postgresql"])
        if opts.databases or not alone
        else []
    )
    opts.servers = _names(parser, "--servers", opts.servers, list(SERVERS)) if opts.servers else []
    if len(opts.servers) == 1:
        parser.error("--servers: name two or more, the first being the baseline")
    return opts


def _add_container_options(parser) -> None:
    parser.add_argument(
        "--container",
        metavar="REV",
        help="also build the image of REV (a commit, tag or branch) and this tree's, and measure"
        " both at prd's CPU limit on PostgreSQL, side by side: the capacity gate's CPU per"
        " request, REV's prd configuration against this tree's (docs/performance.md)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:KEY=VALUE[,KEY=VALUE...]",
        help="with --container: also run this tree's image with these prd ConfigMap values"
        " changed, in the same rounds (repeatable; e.g. one-thread:SERVER_THREADS=1)",
    )


def _check_container_options(parser, opts) -> None:
    """--variant only beside --container, each one well formed (opts.variants: parsed)."""
    if opts.variant and not opts.container:
        parser.error("--variant needs --container")
    try:
        opts.variants = [parse_variant(text) for text in opts.variant]
    except ValueError as exc:
        parser.error(f"--variant {exc}")


def _names(parser, option: str, value: str, known: list[str]) -> list[str]:
    """A comma-separated list of names, each one of ``known``; else a usage error naming them."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        parser.error(
            f"{option}: unknown {', '.join(unknown) or '(none given)'}; use {', '.join(known)}"
        )
    return names


def new_report(opts) -> dict:
    """The report's header (date, machine, settings), with no database measured yet."""
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "settings": {
            "workers": WORKERS,
            "server": "webapp/server.py (granian)",
            "connections": opts.connections,
            "wrk_threads": opts.threads,
            "duration_s": opts.duration,
            "warmup_s": opts.warmup,
            "rounds": opts.rounds,
            "users": opts.users,
            "servers_compared": opts.servers,
        },
        "databases": {},
    }


def _exit_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    # A SIGTERM (a job's timeout, kill) unwinds like Ctrl-C: the servers, the containers and the
    # throwaway PostgreSQL started below are stopped on the way out instead of left running.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    opts = parse_args(argv)
    ensure_wrk()
    opts.output.mkdir(parents=True, exist_ok=True)
    wrk = Wrk(opts.connections, opts.threads)
    report = new_report(opts)
    say(f"{report['date']}: {report['machine']['nproc']} CPUs, {report['machine']['cpu_model']}")
    for db in opts.databases:
        if db == "sqlite":
            report["databases"]["sqlite"] = run_database("sqlite", None, opts, wrk)
        elif db == "postgresql":
            with postgres_url(opts) as url:
                if url:
                    report["databases"]["postgresql"] = run_database("postgresql", url, opts, wrk)
    if opts.original:
        report["original"] = run_original(opts.original, wrk, opts)
    if opts.container:
        with postgres_url(opts) as url:
            if not url:
                sys.exit("--container needs PostgreSQL: install the postgresql package")
            report["container"] = run_container(url, wrk, opts)
    report["machine"]["load_average_at_end"] = os.getloadavg()
    (opts.output / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    write_chart(report, opts.output / "bench.png")
    return summarise(report, opts)


if __name__ == "__main__":
    sys.exit(main())
