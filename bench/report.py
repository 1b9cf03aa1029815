"""What a run reports: the machine it ran on, bench.png, and the summary it prints."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.scenarios import SCENARIOS
from harness.testing.live_server import ROOT


def say(message: str = "") -> None:
    print(message, flush=True)


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


def _bars(left, right, report: dict, databases: list[str], modes: list[str]) -> None:
    """Ratios to the ceiling (left) and the app's requests per second (right), per database."""
    width = 0.8 / max(1, len(databases))
    for index, db in enumerate(databases):
        scenarios = report["databases"][db]["scenarios"]
        xs = [i + (index - (len(databases) - 1) / 2) * width for i in range(len(modes))]
        ratios = [scenarios[m]["ratio"] if m in scenarios else 0 for m in modes]
        bars = left.bar(xs, ratios, width, label=db)
        left.bar_label(bars, fmt="%.2f", fontsize=8)
        rps = [scenarios[m]["app"]["rps"] if m in scenarios else 0 for m in modes]
        right.bar(xs, rps, width, label=f"app, {db}")
    targets = {s.mode: s.target for s in SCENARIOS}
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


def _label(left, right, modes: list[str]) -> None:
    titles = {s.mode: s.title for s in SCENARIOS}
    for axis in (left, right):
        axis.set_xticks(range(len(modes)), [titles[m] for m in modes], fontsize=8)
    left.legend(fontsize=8)
    right.legend(fontsize=8, loc="center right")
    left.set_ylabel("ratio to the bare-WSGI ceiling (higher is better)")
    left.set_title("App / ceiling, same run (red dashes: targets on SQLite)")
    right.set_ylabel("requests per second")
    right.set_yscale("log")
    right.set_title("Throughput, 2 server workers")


def _server_bars(axis, compared: dict, db: str) -> None:
    """The app's CPU per request on each server compared, per scenario."""
    modes = list(compared)
    names = list(next(iter(compared.values()))["servers"])
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        xs = [i + (index - (len(names) - 1) / 2) * width for i in range(len(modes))]
        cpu = [compared[m]["servers"][name]["app"]["worker_cpu_ms_per_request"] for m in modes]
        bars = axis.bar(xs, cpu, width, label=name)
        axis.bar_label(bars, fmt="%.2f", fontsize=7)
    titles = {s.mode: s.title for s in SCENARIOS}
    axis.set_xticks(range(len(modes)), [titles[m] for m in modes], fontsize=8)
    axis.set_ylabel("app CPU per request, ms (lower is better)")
    axis.set_title(f"Servers side by side, same rounds ({db})")
    axis.legend(fontsize=7)


def _container_bars(axis, container: dict) -> None:
    """CPU per request in the container at prd's CPU limit: the baseline's image and this tree's."""
    modes = list(container["scenarios"])
    sides = list(container["pods"])
    width = 0.8 / len(sides)
    for index, side in enumerate(sides):
        xs = [i + (index - (len(sides) - 1) / 2) * width for i in range(len(modes))]
        cpu = [container["scenarios"][m]["pods"][side]["cpu_ms_per_request"] for m in modes]
        pod = container["pods"][side]
        bars = axis.bar(xs, cpu, width, label=f"{side}: {pod['source']}, {pod['workers']}")
        axis.bar_label(bars, fmt="%.2f", fontsize=7)
    titles = {s.mode: s.title for s in SCENARIOS}
    axis.set_xticks(range(len(modes)), [titles[m] for m in modes], fontsize=8)
    axis.set_ylabel("container CPU per request, ms (lower is better)")
    limit = container["pods"][sides[-1]]["cpu_limit"]
    axis.set_title(f"Image at prd's CPU limit ({limit * 1000:.0f}m), PostgreSQL, same rounds")
    axis.legend(fontsize=7)


def write_chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    databases = [db for db in report["databases"] if report["databases"][db].get("scenarios")]
    modes = [  # the scenarios measured against the ceiling on one server alone
        s.mode
        for s in SCENARIOS
        if any(s.mode in report["databases"][db]["scenarios"] for db in databases)
    ]
    compared = [db for db in report["databases"] if report["databases"][db].get("servers")]
    container = report.get("container")
    panels = (2 if databases else 0) + len(compared) + (1 if container else 0)
    if not panels:
        return
    fig, axes = plt.subplots(1, panels, figsize=(max(6.5 * panels, 10), 5), squeeze=False)
    axes = list(axes[0])
    if databases:
        left, right = axes.pop(0), axes.pop(0)
        _bars(left, right, report, databases, modes)
        _label(left, right, modes)
    for db in compared:
        _server_bars(axes.pop(0), report["databases"][db]["servers"], db)
    if container:
        _container_bars(axes.pop(0), container)
    info = report["machine"]
    fig.suptitle(
        f"Users API benchmark, {report['date']}, {info['nproc']} CPUs {info['cpu_model']},"
        f" commit {info['commit']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _summarise_database(db: str, result: dict) -> list[str]:
    """Print one database's lines of the summary; return its problems."""
    problems = []
    for figures in result.get("scenarios", {}).values():
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
    for figures in result.get("servers", {}).values():
        for name, row in figures["servers"].items():
            say(
                f"  {db:<11} {figures['title']:<22} {name:<28}"
                f" ratio to its ceiling {row['ratio']:.3f};"
                f" CPU/request x{row['cpu_per_request_vs_baseline']:.2f},"
                f" req/s x{row['rps_vs_baseline']:.2f}, p99 x{row['p99_vs_baseline']:.2f}"
                f" of {figures['baseline']}"
            )
            problems += _errors(
                f"{db} {figures['title']} on {name}",
                {side: row[side] for side in ("app", "ceiling")},
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
    return problems


def _summarise_container(container: dict) -> list[str]:
    """Print the container comparison's lines of the summary; return its problems."""
    problems = []
    for figures in container["scenarios"].values():
        for side, row in figures["pods"].items():
            say(
                f"  container   {figures['title']:<22} {side:<10}"
                f" CPU/request {row['cpu_ms_per_request']:.3f} ms,"
                f" x{row['cpu_per_request_vs_baseline']:.2f} of the baseline's"
                f" ({container['pods'][side]['workers']}); prd's peak needs"
                f" {row['replicas_at_prd_peak']} replicas"
            )
            problems += _errors(f"container {figures['title']}", {side: row["app"]})
    return problems


def _summarise_original(original: dict) -> list[str]:
    """Print the comparison with the original's code; return its problems (errors, either side)."""
    problems = []
    for figures in original["scenarios"].values():
        target = figures["target_rps_ratio"]
        say(
            f"  original    {figures['title']:<22} this service x{figures['rps_ratio']:.2f} the"
            f" original's req/s{'' if target is None else f' (target {target:g}x)'},"
            f" x{figures['cpu_per_request_ratio']:.2f} its CPU per request"
        )
        sides = {side: figures[side] for side in ("original", "this_service")}
        problems += _errors(f"original comparison {figures['title']}", sides)
    return problems


def _errors(label: str, runs_by_side: dict) -> list[str]:
    """A problem for each side whose combined runs had errors (a status not 2xx/3xx, a socket
    error)."""
    return [
        f"{label} ({side}): {runs['errors']} errors, statuses {runs['status']}"
        for side, runs in runs_by_side.items()
        if runs["errors"]
    ]


def summarise(report: dict, opts) -> int:
    say("\n=== summary: ratio to the bare-WSGI ceiling measured in the same run ===")
    problems = []
    for db, result in report["databases"].items():
        problems += _summarise_database(db, result)
    if "container" in report:
        problems += _summarise_container(report["container"])
    if "original" in report:
        problems += _summarise_original(report["original"])
    out = opts.output.relative_to(ROOT) if opts.output.is_relative_to(ROOT) else opts.output
    say(f"\nwrote {out}/bench.json and {out}/bench.png")
    if problems:
        say("\nFAILED: wrong answers, or responses that were not 2xx/3xx (never a 5xx):")
        for problem in problems:
            say("  " + problem)
        return 1
    return 0
