"""The capacity gate: the image's measured CPU cost against what the prd overlay declares.

It builds the image, runs it with podman at the prd CPU limit (``--cpus``) on the local
PostgreSQL, measures the CPU each request costs from the container's own cgroup under a
saturating load, computes the replicas the HPA would want at the declared peak, and then checks
that one pod at its CPU limit carries its share of that peak within the p95 latency limit.
"""

from __future__ import annotations

import json
import sys
import time
import uuid

import pytest
import requests

from harness.capacity.cgroup import cpu_seconds
from harness.capacity.model import Rounds, rounds_verdict, sustain_problems
from harness.capacity.prd import load_plan, pod_env
from harness.common.env import env_float, env_int
from harness.common.paths import ROOT
from harness.hpa.load import Load, Window, summarise
from harness.image import engine as image_script

REPORTS = ROOT / "reports"
WARMUP_SECONDS = env_float("CAPACITY_WARMUP_SECONDS", 3.0)
# CPU per request is measured in short rounds and decided by their median (harness/capacity).
ROUNDS = env_int("CAPACITY_ROUNDS", 5, minimum=1)
ROUND_SECONDS = env_float("CAPACITY_ROUND_SECONDS", 3.0, minimum=1.0)
SUSTAIN_SECONDS = env_float("CAPACITY_SUSTAIN_SECONDS", 10.0, minimum=1.0)
CLIENTS = 8


def _say(text: str) -> None:
    print(f"capacity: {text}", file=sys.stderr, flush=True)


@pytest.fixture(scope="module")
def plan():
    return load_plan(ROOT / "k8s" / "overlays" / "prd")


@pytest.fixture(scope="module")
def pod(plan, postgres_url):
    """One container of the image, capped at the prd CPU limit, on the local PostgreSQL."""
    image = image_script
    reason = image.engine_available()
    if reason:
        pytest.skip(f"needs a container engine: {reason}")
    figures = image.shipped_image(reuse=True)  # this run's image gate's, not a rebuild
    name = f"users-api-capacity-{uuid.uuid4().hex[:8]}"
    env = pod_env(plan)
    # Start the exact image just built (by id), whatever else tags :dev meanwhile.
    ref = figures["id"]
    migrated = image.one_off(["migrate"], tag=ref, database_url=postgres_url, env=env)
    assert migrated.returncode == 0, f"migrate failed: {migrated.stderr[-2000:]}"
    try:
        url = image.run(name, tag=ref, database_url=postgres_url, env=env, cpus=plan.cpu_limit)
        image.wait_healthy(name)
        yield {"name": name, "url": url, "engine": image.engine(), "image": figures["tag"]}
    finally:
        image.remove(name)


def _load(url: str, rate: float, seconds: float, clients: int = CLIENTS) -> Load:
    load = Load(url, concurrency=clients, rate=rate, duration=seconds, timeout=10)
    load.start()
    load.join()
    return load


def _user_url(pod) -> str:
    """Create a user to read under load; return its URL."""
    created = requests.post(
        pod["url"] + "/api/users/",
        json={"dni": f"CAP{uuid.uuid4().hex[:9]}", "name": "Capacity check"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return pod["url"] + created.headers["Location"]


def _saturate(pod, target: str) -> tuple[Window, float, Rounds]:
    """Warm up, then saturate the pod in ROUNDS short rounds; return what it served in all,
    the CPU-seconds it used in all, and the CPU per request of each round."""
    _load(target, rate=10_000, seconds=WARMUP_SECONDS)
    results, used, per_round, elapsed = [], 0.0, [], 0.0
    for _ in range(ROUNDS):
        before = cpu_seconds(pod["engine"], pod["name"])
        started = time.monotonic()
        saturated = _load(target, rate=10_000, seconds=ROUND_SECONDS)
        elapsed += time.monotonic() - started
        spent = cpu_seconds(pod["engine"], pod["name"]) - before
        answered = summarise(saturated.results, ROUND_SECONDS).requests
        assert answered, "a saturating round got no answer"
        results += saturated.results
        used += spent
        per_round.append(spent / answered)
    return summarise(results, elapsed), used, Rounds(tuple(per_round))


def _write_report(pod, plan, measured, verdict, sustain: Window, lines, problems):
    """reports/capacity.json: the figures measured, the verdict and its arithmetic."""
    served, used, rounds = measured
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "capacity.json").write_text(
        json.dumps(
            {
                "passed": not problems,
                "image": pod["image"],
                "plan": plan.__dict__ | {"env": None},
                "measured": {
                    "saturated_rps": round(served.rate, 1),
                    "saturated_p95_ms": served.p95_ms,
                    "cpu_seconds": round(used, 3),
                    "requests": served.requests,
                    "cpu_ms_per_request": round(rounds.median * 1000, 3),
                    "cpu_ms_per_request_rounds": [round(v * 1000, 3) for v in rounds.values],
                    "cpu_spread": round(rounds.spread, 3),
                },
                "verdict": verdict.as_dict(),
                "sustain": {
                    "rate": round(sustain.rate, 1),
                    "p95_ms": sustain.p95_ms,
                    "errors": sustain.errors,
                },
                "arithmetic": lines,
                "problems": problems,
            },
            indent=2,
        )
    )


def test_prd_hpa_carries_the_declared_peak(plan, pod):
    target = _user_url(pod)
    served, used, rounds = _saturate(pod, target)
    assert served.requests, "the saturating load got no answer"
    assert not served.errors, f"saturating load failed: {served.outcomes}"

    verdict, notes = rounds_verdict(plan, rounds)
    sustain = summarise(
        _load(target, rate=verdict.per_pod_rps, seconds=SUSTAIN_SECONDS, clients=4).results,
        SUSTAIN_SECONDS,
    )
    problems = verdict.problems + sustain_problems(
        plan, verdict.per_pod_rps, sustain.rate, sustain.p95_ms, sustain.errors
    )
    lines = [
        f"one pod at its {plan.cpu_limit * 1000:.0f}m limit, saturated with {CLIENTS} clients: "
        f"{served.rate:.0f} req/s, {used:.2f} CPU-s for {served.requests} requests "
        f"(p95 {served.p95_ms} ms)",
        *notes,
        *verdict.lines,
        f"one pod at its limit carrying {verdict.per_pod_rps:.1f} req/s: {sustain.rate:.1f} req/s "
        f"served, p95 {sustain.p95_ms} ms (limit {plan.p95_limit_ms:g} ms), "
        f"{sustain.errors} error(s)",
    ]
    for line in lines:
        _say(line)
    _write_report(pod, plan, (served, used, rounds), verdict, sustain, lines, problems)
    assert not problems, (
        "capacity check failed:\n- " + "\n- ".join(problems) + "\n" + "\n".join(lines)
    )
