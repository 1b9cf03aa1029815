"""Read the capacity plan from the rendered prd overlay (kubectl kustomize, as the pipeline)."""

from __future__ import annotations

import secrets
from pathlib import Path

from harness.capacity.model import Plan, cpu_cores
from harness.common.kube import RenderError, kustomize

PEAK_RPS = "users-api/peak-rps"
P95_MS = "users-api/p95-latency-ms"


class PlanError(ValueError):
    """The overlay does not declare what the capacity check needs; the message says what."""


def render(overlay: Path) -> list[dict]:
    try:
        return kustomize(overlay)
    except RenderError as exc:
        raise PlanError(str(exc)) from None


def load_plan(overlay: Path) -> Plan:
    name = overlay.name
    objects = render(overlay)
    hpas = [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]
    if len(hpas) != 1:
        raise PlanError(f"{name}: expected one HorizontalPodAutoscaler, found {len(hpas)}")
    hpa = hpas[0]
    where = f"{name}: HorizontalPodAutoscaler/{hpa['metadata']['name']}"
    annotations = hpa["metadata"].get("annotations", {})
    for key in (PEAK_RPS, P95_MS):
        if key not in annotations:
            raise PlanError(f"{where}: metadata.annotations[{key}] is missing")
    spec = hpa["spec"]
    targets = [
        m["resource"]["target"]["averageUtilization"]
        for m in spec.get("metrics", [])
        if m.get("type") == "Resource" and m["resource"]["name"] == "cpu"
    ]
    if not targets:
        raise PlanError(f"{where}: spec.metrics has no CPU utilisation target")
    ref = spec["scaleTargetRef"]
    deployments = [
        o for o in objects if o["kind"] == ref["kind"] and o["metadata"]["name"] == ref["name"]
    ]
    if not deployments:
        raise PlanError(f"{where}: spec.scaleTargetRef {ref['kind']}/{ref['name']} not rendered")
    deployment = deployments[0]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    resources = container.get("resources", {})
    try:
        request = cpu_cores(resources["requests"]["cpu"])
        limit = cpu_cores(resources["limits"]["cpu"])
    except KeyError as exc:
        raise PlanError(
            f"{name}: Deployment/{ref['name']}: containers[{container['name']}].resources "
            f"lacks {exc.args[0]} cpu"
        ) from None
    env = {}
    for source in container.get("envFrom", []):
        ref_name = source.get("configMapRef", {}).get("name")
        for obj in objects:
            if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == ref_name:
                env.update(obj.get("data", {}))
    return Plan(
        overlay=name,
        peak_rps=float(annotations[PEAK_RPS]),
        p95_limit_ms=float(annotations[P95_MS]),
        cpu_request=request,
        cpu_limit=limit,
        target_utilisation=targets[0] / 100,
        min_replicas=int(spec.get("minReplicas", 1)),
        max_replicas=int(spec["maxReplicas"]),
        env=env,
    )


def pod_env(plan: Plan, allowed_host: str = "127.0.0.1") -> dict[str, str]:
    """The environment of one prd pod run locally: the overlay's ConfigMap, but a fresh secret
    key, this machine's host name, and no bind address or port (the runner chooses them)."""
    env = {
        key: value
        for key, value in plan.env.items()
        # GUNICORN_BIND: the bind address of revisions before the server was granian.
        if key not in {"SERVER_BIND", "GUNICORN_BIND", "PORT", "DJANGO_ALLOWED_HOSTS"}
    }
    env.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS=allowed_host)
    return env
