"""What the checks read from rendered objects: workloads, their pods and containers, labels.

Each helper takes plain objects as ``yaml`` loads them from ``kubectl kustomize``.
"""

from __future__ import annotations

from harness.manifests.render import Variant

APP = "users-api"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")


def ref(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def pod_spec(obj: dict) -> dict | None:
    if obj.get("kind") in WORKLOAD_KINDS:
        return obj["spec"]["template"]["spec"]
    if obj.get("kind") == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if obj.get("kind") == "Pod":
        return obj["spec"]
    return None


def pod_labels(obj: dict) -> dict:
    if obj.get("kind") in WORKLOAD_KINDS:
        return obj["spec"]["template"].get("metadata", {}).get("labels", {}) or {}
    return {}


def containers(obj: dict, init: bool = True) -> list[tuple[str, dict]]:
    """(field path, container) of every container of a workload."""
    spec = pod_spec(obj)
    if spec is None:
        return []
    base = "spec.template.spec" if obj["kind"] != "Pod" else "spec"
    found = [(f"{base}.containers[{c['name']}]", c) for c in spec.get("containers", [])]
    if init:
        found += [
            (f"{base}.initContainers[{c['name']}]", c) for c in spec.get("initContainers", [])
        ]
    return found


def workloads(variant: Variant) -> list[dict]:
    return [o for o in variant.objects if pod_spec(o) is not None]


def app_workloads(variant: Variant) -> list[dict]:
    """The workloads that run the service's image (the API Deployment, the migration Job)."""
    return [o for o in workloads(variant) if pod_labels(o).get("app.kubernetes.io/name") == APP]


def selects(selector: dict, labels: dict) -> bool:
    """Whether a label selector (Service style or matchLabels/matchExpressions) matches labels."""
    if not selector:
        return False
    match_labels = selector.get("matchLabels", {}) if "matchLabels" in selector else None
    expressions = selector.get("matchExpressions", [])
    if match_labels is None and not expressions:
        match_labels = selector  # a Service's plain map
    for key, value in (match_labels or {}).items():
        if labels.get(key) != value:
            return False
    for expr in expressions:
        value, op = labels.get(expr["key"]), expr["operator"]
        if op == "In" and value not in expr.get("values", []):
            return False
        if op == "NotIn" and value in expr.get("values", []):
            return False
        if op == "Exists" and expr["key"] not in labels:
            return False
        if op == "DoesNotExist" and expr["key"] in labels:
            return False
    return True


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    last = image.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        image, tag = image.rsplit(":", 1)
    return image, tag, digest


def container_ports(obj: dict) -> list[dict]:
    return [p for _, c in containers(obj, init=False) for p in c.get("ports", [])]


def env_values(v: Variant, container: dict) -> dict[str, str | None]:
    """Variable name -> literal value (None when it comes from a Secret or cannot be known)."""
    values: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            cm = v.get("ConfigMap", source["configMapRef"]["name"])
            for key, value in ((cm or {}).get("data") or {}).items():
                values[source.get("prefix", "") + key] = value
        else:
            values[f"<all keys of Secret {source['secretRef']['name']}>"] = None
    for item in container.get("env", []):
        if "value" in item:
            values[item["name"]] = item["value"]
        elif "configMapKeyRef" in item.get("valueFrom", {}):
            key = item["valueFrom"]["configMapKeyRef"]
            cm = v.get("ConfigMap", key["name"])
            values[item["name"]] = ((cm or {}).get("data") or {}).get(key["key"])
        else:
            values[item["name"]] = None
    return values
