"""CPU per request in the container at prd's CPU limit, as the capacity gate measures it: the
image of a baseline revision, run with that revision's prd configuration, against this tree's
image with this tree's, side by side in alternating rounds on one PostgreSQL.

Each side is the image built from its own source and the environment its own prd overlay
renders (the ConfigMap: the server's workers and threads, timeouts), capped at its
own CPU limit (``--cpus``, as Kubernetes caps the pod). The CPU is read from the container's
cgroup, so the server, the app and the access log all count, as they do in the capacity gate.
The load differs: wrk here, the capacity gate's Python clients there, which take most of the
machine's CPU beside the pod; the two can disagree on which of two configurations is cheaper
(docs/performance.md, "Sync or gthread in prd").
"""

from __future__ import annotations

import contextlib
import dataclasses
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.report import say
from bench.scale import seed_through_api
from bench.scenarios import SCENARIOS, alternate, paired
from bench.wrk import combine
from harness.capacity import cgroup
from harness.capacity.model import Plan, plan_verdict
from harness.capacity.prd import load_plan, pod_env
from harness.common import git
from harness.common.paths import ROOT
from harness.image import engine as image

PRD = Path("k8s") / "overlays" / "prd"


@dataclass
class Pod:
    """One container of an image, on the given PostgreSQL, at its plan's CPU limit."""

    side: str  # "baseline", "this tree", or a variant's name
    source: str  # what was built: a commit, or "working tree"
    image: dict  # the build's figures
    plan: Plan
    name: str = ""
    url: str = ""

    def cpu_meter(self) -> Callable[[], float]:
        engine = image.engine()
        return lambda: cgroup.cpu_seconds(engine, self.name)

    @property
    def workers(self) -> str:
        workers = self.plan.env.get("WEB_CONCURRENCY", "?")
        env = self.plan.env
        threads = env.get("SERVER_THREADS") or env.get("GUNICORN_THREADS") or "?"
        return f"{workers} workers x {threads} threads"


@contextlib.contextmanager
def exported(rev: str) -> Iterator[tuple[Path, str]]:
    """The tree of REV (a commit, a tag, a branch) in a temporary directory, and its commit."""
    commit = git.output("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if not commit:
        raise SystemExit(f"--container {rev}: not a commit of this repository")
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        archive = Path(tmp) / "tree.tar"
        git.output("archive", "--format=tar", f"--output={archive}", commit)
        if not archive.is_file():
            raise SystemExit(f"--container {rev}: git archive {commit[:12]} wrote nothing")
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "tree", filter="data")
        archive.unlink()
        yield Path(tmp) / "tree", commit


def build_pods(rev: str, variants: list[tuple[str, dict[str, str]]] = ()) -> list[Pod]:
    """The baseline's image and plan (from REV's own tree), then this tree's, then this tree's
    image once more for each variant: its ConfigMap with some values changed."""
    with exported(rev) as (tree, commit):
        say(f"building the baseline image from {commit[:12]} ({rev})")
        baseline = image.build(
            tag=f"{image.IMAGE}:bench-baseline", context=tree, revision_built=commit
        )
        baseline_plan = load_plan(tree / PRD)
    say("building this tree's image")
    current = image.build(tag=f"{image.IMAGE}:bench")
    plan = load_plan(ROOT / PRD)
    source = current["revision"][:12] or "working tree"
    return [
        Pod("baseline", commit[:12], baseline, baseline_plan),
        Pod("this tree", source, current, plan),
        *(
            Pod(name, source, current, dataclasses.replace(plan, env={**plan.env, **env}))
            for name, env in variants
        ),
    ]


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``NAME:KEY=VALUE[,KEY=VALUE...]``: this tree's image with these ConfigMap values changed.
    Raises ValueError saying what is wrong."""
    name, _, settings = text.partition(":")
    pairs = [pair.partition("=") for pair in settings.split(",") if pair.strip()]
    if not name.strip() or not pairs or any(not key.strip() or not eq for key, eq, _ in pairs):
        raise ValueError(
            f"{text!r}: expected NAME:KEY=VALUE[,KEY=VALUE...], e.g. one-thread:SERVER_THREADS=1"
        )
    if name.strip() in {"baseline", "this tree"}:
        raise ValueError(f"{text!r}: the names baseline and this tree are taken")
    return name.strip(), {key.strip(): value.strip() for key, _, value in pairs}


@contextlib.contextmanager
def running(pods: list[Pod], database_url: str) -> Iterator[list[Pod]]:
    """Every pod started (after one migration, with the newest image) and healthy; removed after."""
    newest = pods[-1]
    migrated = image.one_off(
        ["migrate"], tag=newest.image["id"], database_url=database_url, env=pod_env(newest.plan)
    )
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed: {migrated.stderr[-2000:]}")
    try:
        for pod in pods:
            pod.name = f"users-api-bench-{uuid.uuid4().hex[:8]}"
            pod.url = image.run(
                pod.name,
                tag=pod.image["id"],
                database_url=database_url,
                env=pod_env(pod.plan),
                cpus=pod.plan.cpu_limit,
            )
            image.wait_healthy(pod.name)
        yield pods
    finally:
        for pod in pods:
            if pod.name:
                image.remove(pod.name)


def compare(pods: list[Pod], wrk, opts) -> dict:
    """Each scenario on every pod in the same rounds; ratios are paired to the baseline's."""
    ids, _ = seed_through_api(pods[-1], opts.users)
    baseline = pods[0]
    result = {"pods": {}, "scenarios": {}}
    for pod in pods:
        result["pods"][pod.side] = {
            "source": pod.source,
            "image": pod.image["id"][:12],
            "workers": pod.workers,
            "cpu_limit": pod.plan.cpu_limit,
        }
    for scenario in SCENARIOS:
        if scenario.mode not in opts.scenarios:
            continue
        runs = alternate(wrk, {pod.side: pod for pod in pods}, scenario, opts, ids)
        rows = {}
        for pod in pods:
            figures = combine(runs[pod.side])
            cpu = figures["worker_cpu_ms_per_request"]
            rows[pod.side] = {
                "app": figures,
                "cpu_ms_per_request": cpu,
                "cpu_per_request_vs_baseline": paired(
                    runs[pod.side], runs[baseline.side], "worker_cpu_ms_per_request"
                ),
                "rps_vs_baseline": paired(runs[pod.side], runs[baseline.side], "rps"),
                "p99_vs_baseline": paired(runs[pod.side], runs[baseline.side], "p99_ms"),
                "replicas_at_prd_peak": plan_verdict(pod.plan, cpu / 1000).replicas_wanted,
            }
        result["scenarios"][scenario.mode] = {"title": scenario.title, "pods": rows}
    return result


def format_rows(scenario: dict, pods: dict) -> list[str]:
    lines = [f"  {scenario['title']}:"]
    for side, row in scenario["pods"].items():
        app = row["app"]
        lines.append(
            f"    {side:<12} {pods[side]['source']:<12} {pods[side]['workers']:<22}"
            f" CPU/request {row['cpu_ms_per_request']:.3f} ms"
            f" (x{row['cpu_per_request_vs_baseline']:.2f} of the baseline),"
            f" {app['rps']:6.0f} req/s (x{row['rps_vs_baseline']:.2f}),"
            f" p99 {app['p99_ms']:6.2f} ms (x{row['p99_vs_baseline']:.2f}),"
            f" errors {app['errors']}, prd's peak needs {row['replicas_at_prd_peak']} replicas"
        )
    return lines


def run_container(database_url: str, wrk, opts) -> dict:
    reason = image.engine_available()
    if reason:
        raise SystemExit(f"--container needs a container engine: {reason}")
    pods = build_pods(opts.container, opts.variants)
    with running(pods, database_url):
        limit = pods[-1].plan.cpu_limit
        say(
            f"\n=== containers at prd's CPU limit ({limit * 1000:.0f}m), PostgreSQL:"
            f" baseline {pods[0].source} against this tree ==="
        )
        result = compare(pods, wrk, opts)
    for scenario in result["scenarios"].values():
        for line in format_rows(scenario, result["pods"]):
            say(line)
    return result
