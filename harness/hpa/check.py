"""The check itself: preconditions, then the load and the timeline, then the verdict."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import requests
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from harness.hpa import cluster as k8s
from harness.hpa.config import Config
from harness.hpa.load import Load, summarise


@dataclass
class Check:
    """One line of the verdict, and one JUnit test case."""

    name: str
    passed: bool
    message: str


@dataclass
class Outcome:
    checks: list[Check] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)
    phases: list[dict] = field(default_factory=list)
    hpa: dict = field(default_factory=dict)
    load: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[str]:
        return [c.message for c in self.checks if not c.passed]

    def add(self, name: str, passed: bool, message: str) -> None:
        self.checks.append(Check(name, passed, message))
        print(f"  [{'PASS' if passed else 'FAIL'}] {name}: {message}", flush=True)


def say(message: str) -> None:
    print(message, flush=True)


def _hpa_targets_deployment(
    cfg: Config, cluster: k8s.Cluster, out: Outcome
) -> tuple[tuple[str, str], object]:
    """The names of the HPA and of the Deployment it scales, and that Deployment; records the
    HPA's bounds and CPU target in out.hpa."""
    hpa = cluster.find_hpa(cfg.hpa, cfg.deployment)
    ref = hpa.spec.scale_target_ref
    if ref.kind != "Deployment":
        raise k8s.PreconditionFailed(
            "hpa-targets-deployment",
            f"HorizontalPodAutoscaler {hpa.metadata.name!r} targets {ref.kind}/{ref.name}, "
            "not a Deployment",
        )
    deployment = cluster.deployment(ref.name)
    target = k8s.cpu_target(hpa)
    if target is None:
        raise k8s.PreconditionFailed(
            "hpa-targets-deployment",
            f"HorizontalPodAutoscaler {hpa.metadata.name!r} has no CPU utilisation target "
            "(a Resource metric on cpu of type Utilization); this check needs one",
        )
    lowest, highest = hpa.spec.min_replicas or 1, hpa.spec.max_replicas
    expect = cfg.expect_replicas or min(lowest + 1, highest)
    if not lowest < expect <= highest:
        raise k8s.PreconditionFailed(
            "hpa-targets-deployment",
            f"HPA_EXPECT_REPLICAS={expect} must be above minReplicas ({lowest}) and at most "
            f"maxReplicas ({highest}) of HorizontalPodAutoscaler {hpa.metadata.name!r}",
        )
    out.hpa = {
        "name": hpa.metadata.name,
        "deployment": ref.name,
        "namespace": cluster.namespace,
        "min_replicas": lowest,
        "max_replicas": highest,
        "target_cpu_utilization": target,
        "expect_replicas": expect,
    }
    out.add(
        "hpa-targets-deployment",
        True,
        f"HorizontalPodAutoscaler {hpa.metadata.name} scales Deployment {ref.name} from "
        f"{lowest} to {highest} replicas at {target}% CPU",
    )
    return (hpa.metadata.name, ref.name), deployment


def _cpu_requests(deployment, name: str, out: Outcome) -> None:
    missing = k8s.containers_without_cpu_request(deployment)
    if missing:
        raise k8s.PreconditionFailed(
            "cpu-requests",
            f"container(s) {', '.join(missing)} of Deployment {name} have no CPU "
            "request: the HPA computes CPU utilisation against requests, so it cannot "
            "scale; set resources.requests.cpu on every container",
        )
    out.add("cpu-requests", True, "every container of the Deployment has a CPU request")


def _metrics_and_minimum(cfg: Config, cluster: k8s.Cluster, names, out: Outcome) -> None:
    """Wait (up to HPA_PRECONDITION_WAIT) for CPU metrics and for the Deployment's minimum."""
    deadline = time.monotonic() + cfg.precondition_wait
    while True:
        snap = cluster.snapshot(*names)
        metrics, settle = k8s.metrics_problem(snap), k8s.settle_problem(snap)
        if (metrics is None and settle is None) or time.monotonic() >= deadline:
            break
        time.sleep(min(cfg.interval, 2.0))
    if metrics:
        raise k8s.PreconditionFailed("metrics-pipeline", metrics)
    out.add(
        "metrics-pipeline",
        True,
        f"ScalingActive is True and current CPU is {snap.cpu_utilization}% of requests",
    )
    if settle:
        raise k8s.PreconditionFailed("deployment-at-minimum", settle)
    out.add(
        "deployment-at-minimum",
        True,
        f"the Deployment is at its minimum of {snap.min_replicas}, every replica ready",
    )


def _app_reachable(cfg: Config, out: Outcome) -> None:
    url = cfg.base_url + cfg.path
    try:
        answer = requests.get(url, timeout=cfg.request_timeout)
    except requests.RequestException as exc:
        raise k8s.PreconditionFailed(
            "app-reachable", f"BASE_URL does not answer: GET {url} failed: {exc}"
        ) from None
    if not 200 <= answer.status_code < 400:
        raise k8s.PreconditionFailed(
            "app-reachable", f"GET {url} answered {answer.status_code}, not 2xx"
        )
    out.add("app-reachable", True, f"GET {url} answers {answer.status_code}")


def preconditions(cfg: Config, cluster: k8s.Cluster, out: Outcome) -> tuple[str, str] | None:
    """Run the preconditions in order; the first that fails ends the check. Returns the names."""
    say(f"Preconditions (namespace {cluster.namespace}):")
    try:
        names, deployment = _hpa_targets_deployment(cfg, cluster, out)
        _cpu_requests(deployment, names[1], out)
        _metrics_and_minimum(cfg, cluster, names, out)
        _app_reachable(cfg, out)
    except k8s.PreconditionFailed as failed:
        out.add(failed.check, False, str(failed))
        return None
    return names


def snapshot(cluster: k8s.Cluster, names: tuple[str, str], attempts: int = 3) -> k8s.Snapshot:
    """Read the HPA and the Deployment, retrying a transient API error during the load."""
    for attempt in range(attempts):
        try:
            return cluster.snapshot(*names)
        except (ApiException, HTTPError) as exc:
            if attempt == attempts - 1 or (isinstance(exc, ApiException) and exc.status < 500):
                raise
            say(f"  (the Kubernetes API failed once, retrying: {exc})")
            time.sleep(1.0)
    raise AssertionError("unreachable")


def sample(cluster, names, load: Load, t0: float, since: float, phase: str) -> dict:
    snap = snapshot(cluster, names)
    now = time.monotonic()
    window = summarise(load.between(since, now), now - since)
    return {
        "t": round(now - t0, 3),
        "phase": phase,
        "cpu_utilization": snap.cpu_utilization,
        "target_utilization": snap.target_utilization,
        "desired_replicas": snap.hpa_desired,
        "current_replicas": snap.hpa_current,
        "spec_replicas": snap.spec_replicas,
        "pods": snap.status_replicas,
        "ready_replicas": snap.ready_replicas,
        "requests": window.requests,
        "request_rate": round(window.rate, 2),
        "p95_ms": window.p95_ms,
        "errors": window.errors,
        "scaling_limited": snap.conditions.get("ScalingLimited", {}).get("reason"),
        "_max": snap.max_replicas,
        "_min": snap.min_replicas,
        "_scale_down_window": snap.scale_down_window,
    }


def drive(cfg: Config, cluster: k8s.Cluster, names: tuple[str, str], out: Outcome) -> None:
    """Run the load and, when asked, the cool-down; record one sample per interval."""
    url = cfg.base_url + cfg.path
    say(
        f"Load: GET {url}, {cfg.concurrency} clients, {cfg.rate:g} requests/s, "
        f"{cfg.duration:g}s; a sample every {cfg.interval:g}s"
    )
    load = Load(url, cfg.concurrency, cfg.rate, cfg.duration, cfg.request_timeout)
    before = time.monotonic()
    baseline = sample(cluster, names, load, before, before, "start")
    load.start()
    t0 = since = load.started_at
    baseline["t"] = round(before - t0, 3)
    out.samples.append(baseline)
    say(_line(baseline))
    out.phases.append({"name": "load", "start": 0.0, "end": None})
    next_at = t0
    try:
        while True:
            next_at += cfg.interval
            time.sleep(max(0.0, next_at - time.monotonic()))
            running = load.running
            record = sample(cluster, names, load, t0, since, "load")
            since = t0 + record["t"]
            out.samples.append(record)
            say(_line(record))
            if not running:
                break
    finally:
        load.stop()
    load_end = load.ended_at - t0
    out.phases[0]["end"] = round(load_end, 3)
    total = summarise(load.results, load.ended_at - t0)
    out.load = {
        "url": url,
        "concurrency": cfg.concurrency,
        "rate_limit": cfg.rate,
        "duration": cfg.duration,
        **asdict(total),
    }
    if cfg.scale_down_within <= 0:
        return
    say(f"Cool-down: no load; waiting up to {cfg.scale_down_within:g}s for the minimum")
    out.phases.append({"name": "cool-down", "start": round(load_end, 3), "end": None})
    deadline = load.ended_at + cfg.scale_down_within
    since = load.ended_at
    while time.monotonic() < deadline:
        next_at += cfg.interval
        time.sleep(max(0.0, min(next_at, deadline) - time.monotonic()))
        record = sample(cluster, names, load, t0, since, "cool-down")
        since = t0 + record["t"]
        out.samples.append(record)
        say(_line(record))
        if _at_minimum(record):
            break
    out.phases[1]["end"] = out.samples[-1]["t"]


def _at_minimum(record: dict) -> bool:
    return record["spec_replicas"] == record["_min"] and record["pods"] == record["_min"]


def _line(r: dict) -> str:
    cpu = "unknown" if r["cpu_utilization"] is None else f"{r['cpu_utilization']}%"
    p95 = "-" if r["p95_ms"] is None else f"{r['p95_ms']:.0f}ms"
    return (
        f"  t={r['t']:7.1f}s {r['phase']:9} cpu={cpu:>7} desired={r['desired_replicas']} "
        f"current={r['current_replicas']} ready={r['ready_replicas']} "
        f"rate={r['request_rate']:.0f}/s p95={p95} errors={r['errors']}"
    )


def _never_above_max(out: Outcome) -> None:
    highest = out.hpa["max_replicas"]
    over = [
        s
        for s in out.samples
        if max(s["desired_replicas"] or 0, s["current_replicas"] or 0, s["spec_replicas"]) > highest
        or s["pods"] > highest
    ]
    out.add(
        "never-above-max",
        not over,
        f"replicas never exceeded maxReplicas ({highest})"
        if not over
        else f"replicas exceeded maxReplicas ({highest}) at t={over[0]['t']}s: desired "
        f"{over[0]['desired_replicas']}, Deployment {over[0]['spec_replicas']}, "
        f"pods {over[0]['pods']}",
    )


def _scale_up(cfg: Config, out: Outcome, load: list[dict]) -> None:
    expect = out.hpa["expect_replicas"]
    reached = next((s for s in load if s["ready_replicas"] >= expect), None)
    if reached and reached["t"] <= cfg.scale_up_within:
        out.add(
            "scale-up",
            True,
            f"{reached['ready_replicas']} replicas ready at t={reached['t']:.1f}s "
            f"(expected {expect} within {cfg.scale_up_within:g}s)",
        )
    else:
        best = max((s["ready_replicas"] for s in load), default=0)
        when = f"only at t={reached['t']:.1f}s" if reached else f"never (at most {best} ready)"
        out.add(
            "scale-up",
            False,
            f"expected {expect} ready replicas within {cfg.scale_up_within:g}s of load, "
            f"reached them {when}",
        )


def _longest_saturation(load: list[dict], highest: int, target: int) -> int:
    """The most samples in a row at maxReplicas, all ready, with CPU above the target."""
    tolerance = target * (1 + k8s.TOLERANCE)
    run = worst = 0
    for s in load:
        saturated = (
            s["current_replicas"] == highest
            and s["ready_replicas"] == highest
            and s["cpu_utilization"] is not None
            and s["cpu_utilization"] > tolerance
        )
        run = run + 1 if saturated else 0
        worst = max(worst, run)
    return worst


def _max_replicas_headroom(cfg: Config, out: Outcome, load: list[dict]) -> None:
    highest, target = out.hpa["max_replicas"], out.hpa["target_cpu_utilization"]
    worst = _longest_saturation(load, highest, target)
    hot = [
        s["cpu_utilization"]
        for s in load
        if s["current_replicas"] == highest and s["cpu_utilization"] is not None
    ]
    if worst >= cfg.saturation_samples:
        out.add(
            "max-replicas-headroom",
            False,
            f"maxReplicas ({highest}) is too low for this load: at {highest} ready replicas CPU "
            f"stayed above the {target}% target (up to {max(hot)}%) for {worst} samples in a "
            f"row; raise maxReplicas or give each pod more CPU",
        )
    else:
        out.add(
            "max-replicas-headroom",
            True,
            f"CPU did not stay above the {target}% target at maxReplicas ({highest})"
            + (f"; it reached maxReplicas with CPU up to {max(hot)}%" if hot else ""),
        )


def _errors_and_latency(cfg: Config, out: Outcome) -> None:
    requests_sent, errors = out.load["requests"], out.load["errors"]
    rate = errors / requests_sent if requests_sent else 1.0
    failures = {k: v for k, v in out.load["outcomes"].items() if k[:1] not in "23"}
    out.add(
        "error-rate",
        requests_sent > 0 and rate <= cfg.max_error_rate,
        f"{errors} of {requests_sent} requests failed ({rate:.2%}; limit "
        f"{cfg.max_error_rate:.2%})" + (f": {failures}" if failures else "")
        if requests_sent
        else "no request completed during the load",
    )
    p95 = out.load["p95_ms"]
    out.add(
        "p95-latency",
        p95 is not None and p95 <= cfg.max_p95_ms,
        f"p95 latency over the load {p95}ms (limit {cfg.max_p95_ms:g}ms)",
    )


def _scale_down(cfg: Config, out: Outcome) -> None:
    samples, lowest = out.samples, out.hpa["min_replicas"]
    cool = [s for s in samples if s["phase"] == "cool-down"]
    back = next((s for s in cool if _at_minimum(s)), None)
    end = out.phases[0]["end"]
    window = next((s["_scale_down_window"] for s in samples), None)
    if back:
        out.add(
            "scale-down",
            True,
            f"back at minReplicas ({lowest}) {back['t'] - end:.1f}s after the load "
            f"(limit {cfg.scale_down_within:g}s)",
        )
    else:
        last = cool[-1] if cool else samples[-1]
        out.add(
            "scale-down",
            False,
            f"did not scale back down to minReplicas ({lowest}) within "
            f"{cfg.scale_down_within:g}s after the load: still {last['spec_replicas']} "
            f"replicas"
            + (
                f"; the HPA's scale-down stabilization window is {window}s"
                if window is not None
                else "; the HPA's default scale-down stabilization window is 300s"
            ),
        )


def evaluate(cfg: Config, out: Outcome) -> None:
    """Turn the timeline into the verdict's checks."""
    load = [s for s in out.samples if s["phase"] == "load"]
    _never_above_max(out)
    _scale_up(cfg, out, load)
    _max_replicas_headroom(cfg, out, load)
    _errors_and_latency(cfg, out)
    if cfg.scale_down_within > 0:
        _scale_down(cfg, out)


def run(cfg: Config, cluster: k8s.Cluster, out: Outcome) -> Outcome:
    names = preconditions(cfg, cluster, out)
    if names is None:
        return out
    drive(cfg, cluster, names, out)
    evaluate(cfg, out)
    return out
