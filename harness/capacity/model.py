"""The capacity arithmetic, as plain functions of what prd declares and what was measured.

The HPA keeps each pod's CPU near ``target`` of its CPU request, so at a load of ``rps`` it wants

    replicas = ceil(rps x cpu_per_request / (target x cpu_request))

(the documented algorithm, desired = ceil(current x utilisation / target), at its fixed point).
Each pod then carries ``rps / replicas`` requests per second, which one pod must sustain at its
CPU limit within the p95 latency limit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


def cpu_cores(quantity: str | int | float) -> float:
    """A Kubernetes CPU quantity ("250m", "0.5", 1) in cores."""
    text = str(quantity).strip()
    if text.endswith("m"):
        return int(text[:-1]) / 1000
    return float(text)


@dataclass(frozen=True)
class Plan:
    """What the prd overlay declares."""

    overlay: str
    peak_rps: float
    p95_limit_ms: float
    cpu_request: float  # cores
    cpu_limit: float  # cores
    target_utilisation: float  # 0.5 for 50%
    min_replicas: int
    max_replicas: int
    env: dict = field(default_factory=dict)  # the Deployment's ConfigMap (the server's settings)


@dataclass(frozen=True)
class Verdict:
    replicas_wanted: int  # what the HPA would want at the peak, before maxReplicas caps it
    replicas: int  # what it would run: wanted, within minReplicas..maxReplicas
    per_pod_rps: float
    per_pod_cores: float
    lines: list[str]
    problems: list[str]

    def as_dict(self) -> dict:
        return asdict(self)


def plan_verdict(plan: Plan, cpu_seconds_per_request: float) -> Verdict:
    """The replicas the HPA would want at the declared peak, and what each pod then carries."""
    cores_at_peak = plan.peak_rps * cpu_seconds_per_request
    per_pod_budget = plan.target_utilisation * plan.cpu_request
    wanted = max(1, math.ceil(cores_at_peak / per_pod_budget - 1e-9))
    replicas = min(max(wanted, plan.min_replicas), plan.max_replicas)
    per_pod_rps = plan.peak_rps / replicas
    per_pod_cores = per_pod_rps * cpu_seconds_per_request
    lines = [
        f"CPU per request (measured): {cpu_seconds_per_request * 1000:.2f} ms",
        f"declared peak ({plan.overlay}): {plan.peak_rps:g} req/s",
        f"CPU at the peak: {plan.peak_rps:g} req/s x {cpu_seconds_per_request * 1000:.2f} ms "
        f"= {cores_at_peak * 1000:.0f}m",
        f"HPA budget per pod: {plan.target_utilisation:.0%} target x "
        f"{plan.cpu_request * 1000:.0f}m request = {per_pod_budget * 1000:.0f}m",
        f"replicas the HPA wants: ceil({cores_at_peak * 1000:.0f}m / "
        f"{per_pod_budget * 1000:.0f}m) = {wanted} "
        f"(minReplicas {plan.min_replicas}, maxReplicas {plan.max_replicas})",
        f"each of {replicas} pods carries {plan.peak_rps:g} / {replicas} = {per_pod_rps:.1f} req/s "
        f"= {per_pod_cores * 1000:.0f}m of its {plan.cpu_limit * 1000:.0f}m limit",
    ]
    problems = []
    if wanted > plan.max_replicas:
        problems.append(
            f"maxReplicas ({plan.max_replicas}) is too low for the declared peak of "
            f"{plan.peak_rps:g} req/s: the HPA would want {wanted} replicas; raise maxReplicas "
            f"to at least {wanted}, or give each pod more CPU request"
        )
    if per_pod_cores > plan.cpu_limit:
        problems.append(
            f"each pod would need {per_pod_cores * 1000:.0f}m of CPU at the peak, above its "
            f"{plan.cpu_limit * 1000:.0f}m limit"
        )
    return Verdict(wanted, replicas, per_pod_rps, per_pod_cores, lines, problems)


def sustain_problems(
    plan: Plan, per_pod_rps: float, achieved_rps: float, p95_ms: float | None, errors: int
) -> list[str]:
    """Why one pod at its CPU limit did not carry its share, if it did not."""
    problems = []
    if errors:
        problems.append(f"{errors} request(s) failed while one pod carried {per_pod_rps:.1f} req/s")
    if achieved_rps < 0.95 * per_pod_rps:
        problems.append(
            f"one pod at its {plan.cpu_limit * 1000:.0f}m CPU limit served {achieved_rps:.1f} "
            f"req/s, short of its share of {per_pod_rps:.1f} req/s"
        )
    if p95_ms is None or p95_ms > plan.p95_limit_ms:
        problems.append(
            f"p95 latency {p95_ms} ms at {per_pod_rps:.1f} req/s on one pod exceeds the "
            f"{plan.p95_limit_ms:g} ms limit"
        )
    return problems


@dataclass(frozen=True)
class Rounds:
    """CPU seconds per request measured in several short rounds of the same load.

    One long measurement moves with whatever else the machine does; the median of several
    short ones does not, as long as fewer than half of them are disturbed. The verdict is the
    median's; the spread (lowest to highest round) is its stated uncertainty, and the verdict
    at the highest round says whether that uncertainty could change it.
    """

    values: tuple[float, ...]

    def __post_init__(self):
        if not self.values or min(self.values) <= 0:
            raise ValueError(f"rounds need positive figures, got {self.values}")

    @property
    def median(self) -> float:
        ordered = sorted(self.values)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2

    @property
    def spread(self) -> float:
        """Highest minus lowest round, as a share of the median."""
        return (max(self.values) - min(self.values)) / self.median

    def lines(self) -> list[str]:
        shown = ", ".join(f"{v * 1000:.2f}" for v in self.values)
        return [
            f"CPU per request in {len(self.values)} rounds (ms): {shown}",
            f"median {self.median * 1000:.2f} ms, spread {min(self.values) * 1000:.2f} to "
            f"{max(self.values) * 1000:.2f} ms ({self.spread:.0%} of the median)",
        ]


def rounds_verdict(plan: Plan, rounds: Rounds) -> tuple[Verdict, list[str]]:
    """The verdict at the median, and what the slowest round would have decided: a note when it
    differs, so the report says how close the verdict is to changing."""
    verdict = plan_verdict(plan, rounds.median)
    worst = plan_verdict(plan, max(rounds.values))
    notes = [*rounds.lines()]
    if worst.replicas_wanted != verdict.replicas_wanted or bool(worst.problems) != bool(
        verdict.problems
    ):
        notes.append(
            f"at the slowest round the HPA would want {worst.replicas_wanted} replicas "
            f"({'failing' if worst.problems else 'passing'}); the verdict is the median's"
        )
    else:
        notes.append("the slowest round gives the same verdict: the spread does not change it")
    return verdict, notes
