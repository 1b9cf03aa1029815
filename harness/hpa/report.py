"""The reports: the timeline as JSON, the verdict as JUnit XML, and a PNG plot of the timeline."""

from __future__ import annotations

import json
import time
from pathlib import Path

from harness.common import junit
from harness.hpa.check import Outcome
from harness.hpa.config import Config


def public(sample: dict) -> dict:
    return {k: v for k, v in sample.items() if not k.startswith("_")}


def write_json(path: Path, cfg: Config, out: Outcome) -> None:
    document = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "passed": out.passed,
        "failures": out.failures,
        "checks": [{"name": c.name, "passed": c.passed, "message": c.message} for c in out.checks],
        "config": cfg.as_dict(),
        "hpa": out.hpa,
        "load": out.load,
        "phases": out.phases,
        "samples": [public(s) for s in out.samples],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


def write_junit(path: Path, suite_name: str, out: Outcome, seconds: float) -> None:
    cases = [(c.name, None if c.passed else c.message, c.message) for c in out.checks]
    junit.write(path, suite_name, cases, seconds, classname=f"{suite_name}.check")


def _shade_phases(axes, phases: list[dict]) -> None:
    for ax in axes:
        for phase, colour in zip(phases, ("tab:orange", "tab:blue"), strict=False):
            if phase["end"] is not None:
                ax.axvspan(phase["start"], phase["end"], color=colour, alpha=0.08)
        ax.grid(alpha=0.3)
    for phase in phases:
        axes[0].annotate(
            phase["name"],
            xy=(phase["start"], 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=9,
        )


def _plot_replicas(ax, t: list[float], samples: list[dict], hpa: dict) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.step(t, [s["desired_replicas"] for s in samples], where="post", label="desired (HPA)")
    ax.step(t, [s["current_replicas"] for s in samples], where="post", label="current (HPA)")
    ax.step(t, [s["ready_replicas"] for s in samples], where="post", label="ready pods")
    ax.axhline(hpa["max_replicas"], color="red", ls="--", lw=1, label="maxReplicas")
    ax.axhline(hpa["min_replicas"], color="grey", ls=":", lw=1, label="minReplicas")
    ax.axhline(hpa["expect_replicas"], color="green", ls="-.", lw=1, label="expected")
    ax.set_ylabel("replicas")
    ax.set_ylim(0, hpa["max_replicas"] + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)


def _plot_cpu(ax, t: list[float], samples: list[dict], hpa: dict) -> None:
    cpu = [s["cpu_utilization"] for s in samples]
    ax.plot(t, [float("nan") if c is None else c for c in cpu], marker=".", label="CPU")
    ax.axhline(hpa["target_cpu_utilization"], color="red", ls="--", lw=1, label="target")
    saturated = [
        (s["t"], s["cpu_utilization"])
        for s in samples
        if s["phase"] == "load"
        and s["current_replicas"] == hpa["max_replicas"]
        and s["cpu_utilization"] is not None
        and s["cpu_utilization"] > hpa["target_cpu_utilization"]
    ]
    if saturated:
        ax.scatter(
            *zip(*saturated, strict=True),
            color="red",
            zorder=3,
            label="above target at maxReplicas",
        )
    ax.set_ylim(bottom=0)
    ax.set_ylabel("CPU utilisation\n(% of request)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)


def _plot_requests(ax_req, t: list[float], samples: list[dict]) -> None:
    ax_req.plot(t, [s["request_rate"] for s in samples], label="requests/s")
    ax_req.set_ylabel("requests/s")
    ax_req.set_xlabel("seconds since the load started")
    ax_p95 = ax_req.twinx()
    ax_p95.plot(
        t,
        [float("nan") if s["p95_ms"] is None else s["p95_ms"] for s in samples],
        color="tab:purple",
        label="p95 ms",
    )
    errors = [(s["t"], s["errors"]) for s in samples if s["errors"]]
    if errors:
        ax_req.scatter(
            *zip(*errors, strict=True), color="red", marker="x", label="errors", zorder=3
        )
    ax_p95.set_ylabel("p95 latency (ms)")
    lines = ax_req.get_legend_handles_labels()
    more = ax_p95.get_legend_handles_labels()
    ax_req.legend(
        lines[0] + more[0],
        lines[1] + more[1],
        loc="upper left",
        bbox_to_anchor=(1.08, 1),
        fontsize=8,
    )


def write_png(path: Path, out: Outcome, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = out.samples
    t = [s["t"] for s in samples]
    fig, (ax_rep, ax_cpu, ax_req) = plt.subplots(
        3, 1, sharex=True, figsize=(12, 8), height_ratios=[3, 3, 2]
    )
    _shade_phases((ax_rep, ax_cpu, ax_req), out.phases)
    _plot_replicas(ax_rep, t, samples, out.hpa)
    _plot_cpu(ax_cpu, t, samples, out.hpa)
    _plot_requests(ax_req, t, samples)
    verdict = "PASS" if out.passed else "FAIL: " + "; ".join(out.failures)
    fig.suptitle(f"{title}\n{verdict}", fontsize=10, wrap=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_all(reports: Path, name: str, cfg: Config, out: Outcome, seconds: float) -> list[Path]:
    reports.mkdir(parents=True, exist_ok=True)
    timeline, junit, png = (
        reports / f"{name}-timeline.json",
        reports / f"{name}.xml",
        reports / f"{name}-timeline.png",
    )
    png.unlink(missing_ok=True)
    write_json(timeline, cfg, out)
    write_junit(junit, name, out, seconds)
    written = [timeline, junit]
    if out.samples:
        hpa = out.hpa
        write_png(
            png,
            out,
            f"HPA {hpa['namespace']}/{hpa['name']} -> Deployment {hpa['deployment']}: "
            f"{out.load.get('concurrency')} clients, {out.load.get('rate_limit')} req/s, "
            f"{out.load.get('duration')}s",
        )
        written.append(png)
    return written
